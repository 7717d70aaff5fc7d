"""manage.py create_api_token USERNAME --name NAME [--days N]: a new API token for USERNAME, for
an integration.

Prints the key once: it is not stored (only its digest is), so it cannot be printed again; run
the command again for another token. The token expires after N days (API_TOKEN_DAYS, 90, by
default). Its owner sees it, and can revoke it, on the "API tokens" page. Creating it is audited
with its name and key prefix, never the key."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from warnings_app.services.api_tokens import ApiTokenRefused, api_token_create


class Command(BaseCommand):
    help = "Make a new API token for USERNAME and print its key (shown this once only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for, e.g. 'CRM'")
        parser.add_argument(
            "--days", type=int, default=None, help="Days until it expires (API_TOKEN_DAYS)"
        )

    def handle(self, *args: Any, username: str, name: str, days: int | None, **kw: Any) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        try:
            token, key = api_token_create(
                owner=user, name=name, by=None, how="manage.py create_api_token", days=days
            )
        except ApiTokenRefused as refused:
            raise CommandError(str(refused)) from refused
        self.stderr.write(f"{token} for {username}, expires {token.expiry:%Y-%m-%d %H:%M %Z}:")
        self.stdout.write(key)
