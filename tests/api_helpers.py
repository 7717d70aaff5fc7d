"""API clients signed in with a token, and the bodies the API tests post."""

from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from warnings_app.models import AuditEvent


def api_client(user) -> APIClient:
    """A DRF test client that sends `user`'s API token, as an integration would."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
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
