"""Fetch inbound replies and store each once: from the IMAP mailbox in IMAP_URL, a Maildir, or
a folder of .eml files. Safe to run again: messages already stored are skipped."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from warnings_app.services.replies import replies_ingest_from


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: ArgumentParser) -> None:
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--imap", action="store_true", help="read the mailbox in IMAP_URL")
        where.add_argument("--maildir", type=Path, help="read a Maildir")
        where.add_argument("--folder", type=Path, help="read every .eml file of a folder")
        parser.add_argument(
            "--all", action="store_true", help="IMAP: read seen messages too (default: unseen)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = ingest(options)
        self.stdout.write(
            f"{summary['read']} read: {summary['stored']} stored, "
            f"{summary['known']} already stored, {summary['bounces']} bounce reports, "
            f"{summary['triage']} to triage, {summary['errors']} failed"
        )
        if summary["errors"]:
            raise CommandError(f"{summary['errors']} messages could not be stored (see the log)")


def ingest(options: dict[str, Any]) -> dict[str, int]:
    if options.get("imap"):
        if not settings.IMAP_URL:
            raise CommandError("IMAP_URL is not set")
        return replies_ingest_from(imap_url=settings.IMAP_URL, only_unseen=not options.get("all"))
    if options.get("maildir"):
        if not (options["maildir"] / "cur").is_dir():
            raise CommandError(f"{options['maildir']} is not a Maildir (no cur/ folder)")
        return replies_ingest_from(maildir=options["maildir"])
    if not options["folder"].is_dir():
        raise CommandError(f"{options['folder']} is not a folder")
    return replies_ingest_from(folder=options["folder"])
