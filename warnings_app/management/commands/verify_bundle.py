"""Check an evidence bundle against its manifest: every file present, none added, each with
the SHA-256 the manifest gives. Exits non-zero and names each file that differs."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from warnings_app.reports.evidence import verify_bundle


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        problems = verify_bundle(path.read_bytes())
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{path}: {len(problems)} problem(s); the bundle is not intact")
        self.stdout.write(f"{path}: every file matches its SHA-256 in the manifest")
