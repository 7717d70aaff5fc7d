"""manage.py create_api_token USERNAME: the API token of a user, for an integration.

Prints the token. Run again, it prints the same token; with --rotate the old one stops working
and a new one is printed. Creating or rotating a token is audited (the token itself is not)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token

from warnings_app.services.audit import audit_record


class Command(BaseCommand):
    help = "Print the API token of USERNAME, creating it (audited) if needed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--rotate", action="store_true", help="Replace the user's token with a new one"
        )

    @transaction.atomic
    def handle(self, *args: Any, username: str, rotate: bool, **options: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username} is not active: an inactive user gets no token.")
        if rotate:
            Token.objects.filter(user=user).delete()
        token, created = Token.objects.get_or_create(user=user)
        if created:
            audit_record(
                actor=None,
                verb="api_token.rotated" if rotate else "api_token.created",
                target=user,
                data={"username": user.username, "by": "manage.py create_api_token"},
            )
        self.stdout.write(token.key)
