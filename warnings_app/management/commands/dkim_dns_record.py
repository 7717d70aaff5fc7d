"""manage.py dkim_dns_record: the DNS TXT record receivers look up to check our DKIM signatures,
from DKIM_DOMAIN, DKIM_SELECTOR and DKIM_KEY_FILE. Printed for a zone file (strings of at most
255 characters) and on one line for a DNS provider's form. Reads only; run it as often as needed.

--generate PATH writes a new 2048-bit key (mode 0600, never over an existing file; audited) and
prints its record value, to publish under a new selector before switching to it."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warnings_app.services.dkim_keys import DkimRecord, dkim_key_generate, dkim_record
from warnings_app.services.errors import ServiceError


class Command(BaseCommand):
    help = "Print the DKIM DNS record of the configured key, or make a new key with --generate."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--generate",
            metavar="PATH",
            help="Write a new RSA 2048 private key to PATH (refuses an existing file)",
        )

    def handle(self, *args: Any, generate: str | None, **options: Any) -> None:
        try:
            if generate:
                record = dkim_key_generate(path=generate, by="manage.py dkim_dns_record --generate")
                self.stdout.write(
                    f"Wrote a new {record.bits}-bit key to {generate} (readable by its owner "
                    "only). Publish it under a new selector, then set DKIM_SELECTOR and "
                    "DKIM_KEY_FILE to it."
                )
            else:
                record = dkim_record()
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        self._print(record)

    def _print(self, record: DkimRecord) -> None:
        quoted = [f'"{part}"' for part in record.strings]
        self.stdout.write(f"DKIM key {record.key_file} (RSA, {record.bits} bits)\n")
        self.stdout.write("Zone file:")
        self.stdout.write(f"{record.name}. IN TXT ( {quoted[0]}")
        for part in quoted[1:]:
            self.stdout.write(f"    {part}")
        self.stdout.write("    )\n")
        self.stdout.write(f"Name:  {record.name}")
        self.stdout.write("Type:  TXT")
        self.stdout.write(f"Value: {record.value}")
