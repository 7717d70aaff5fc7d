"""Check an evidence bundle: the zip within its limits (entries, sizes, compression ratio; no
path tricks or names twice), the manifest's signature over its exact bytes, and every file
against the manifest's SHA-256, read in chunks. With --online, also compare the letters' and
raw replies' hashes with the ones the register stored. Exits non-zero and names each problem."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from warnings_app.reports.bundle_check import compare_with_register, verify_bundle


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--online",
            action="store_true",
            help="also compare the letters and raw replies with the hashes the register stored",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        with path.open("rb") as handle:
            check = verify_bundle(handle)
        problems = list(check.problems)
        if check.signer:
            when = check.signed_at.isoformat() if check.signed_at else "no time"
            stamp = "timestamped" if check.timestamped else "NOT timestamped"
            demo = " (DEMO certificate: not evidence)" if check.demo else ""
            self.stdout.write(f"manifest signed by {check.signer}, {stamp}, at {when}{demo}")
        if options["online"] and check.manifest is not None:
            problems += compare_with_register(check.manifest)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{path}: {len(problems)} problem(s); the bundle is not intact")
        files = len(check.manifest["files"]) if check.manifest else 0
        online = " and with the register's stored hashes" if options["online"] else ""
        self.stdout.write(
            f"{path}: the manifest's signature verifies; all {files} files match their "
            f"SHA-256 in the manifest{online}"
        )
