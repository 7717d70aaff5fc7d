"""Act on the licences' dates as the periodic job does (starts, reminders before an end or a
usage report, expiry), as of today or of the day given. Safe to run again: each reminder and
stage move happens once."""

from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from warnings_app.services.licence_reminders import licence_dates_run


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--today {text!r} is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--today", help="act as of this day, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = _day(options["today"]) if options.get("today") else None
        done = licence_dates_run(today=today)
        self.stdout.write(
            f"{done['started']} started, {done['ends']} ending soon, "
            f"{done['report_due']} usage reports due, {done['expired']} expired, "
            f"{done['overdue']} usage reports overdue"
        )
