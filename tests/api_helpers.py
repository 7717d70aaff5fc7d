"""API clients signed in with a token, and the bodies the API tests post."""

from itertools import count

from django.utils import timezone
from rest_framework.test import APIClient

from warnings_app.models import ApiToken, AuditEvent

_names = count(1)


def api_key(user, name: str = "") -> str:
    """A new API token of `user` (as the "API tokens" page makes it); returns the key."""
    _token, key = ApiToken.objects.create(user=user, name=name or f"test {next(_names)}")
    return key


def api_client(user) -> APIClient:
    """A DRF test client that sends a new API token of `user`, as an integration would."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    return client


def audited(verb: str) -> int:
    return AuditEvent.objects.filter(verb=verb).count()


def reply_body(notice, **extra):
    return {
        "notice": notice.pk,
        "channel": "letter",
        "received_at": timezone.now().isoformat(),
        "subject": "We deny everything",
        **extra,
    }
