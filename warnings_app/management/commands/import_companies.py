from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from warnings_app.domain.uploads import IMPORT_MAX_BYTES
from warnings_app.services.imports.companies import companies_import


class Command(BaseCommand):
    help = (
        "Import companies and contacts from a CSV or XLSX file. Prints the report; writes "
        "nothing unless --commit is given, and then writes every row or none."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--commit", action="store_true", help="Write the rows (all or none).")
        parser.add_argument("--encoding", default="", help="e.g. cp1252; default: detect.")
        parser.add_argument("--by", default="", help="Username the audit trail names.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            with path.open("rb") as handle:
                data = handle.read(IMPORT_MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        by = None
        if options["by"]:
            by = get_user_model().objects.filter(username=options["by"]).first()
            if by is None:
                raise CommandError(f"No user named {options['by']}.")
        report = companies_import(
            file_bytes=data,
            filename=path.name,
            encoding=options["encoding"],
            by=by,
            commit=options["commit"],
        )
        self.stdout.write(report.as_text())
        if not report.ok:
            raise CommandError("The file was not imported.")
