"""What the API remembers about a POST sent with an Idempotency-Key header."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class IdempotencyKey(models.Model):
    """One client key per user, written in the same transaction as the change it guards.

    A retry with the same key finds this row and gets the stored response back instead of a
    second write; a concurrent retry waits on the unique index until the first commits (or rolls
    back, which removes the row with the change). `body_sha256` tells a genuine retry from a
    reuse of the key for a different request."""

    key = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    method_path = models.CharField(max_length=300, help_text='e.g. "POST /api/v1/replies/"')
    body_sha256 = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.method_path})"
