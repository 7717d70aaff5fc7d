"""Issue a one-time enrolment code from the shell: for the first administrator (nobody can
issue one on the Accounts page yet) or a superuser. Recorded with no actor (the system)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from warnings_app.services.enrolment_codes import enrolment_code_issue
from warnings_app.services.errors import ServiceError


class Command(BaseCommand):
    help = "Issue a one-time code that lets USERNAME set up their authenticator app."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user named {options['username']!r}")
        try:
            row, code = enrolment_code_issue(subject=user, by=None)
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Enrolment code for {user.username}: {code}\n"
            f"Good once, until {row.expires_at:%Y-%m-%d %H:%M %Z}. It is not stored readably: "
            "give it to the person now."
        )
