"""API tokens: django-rest-knox's token model (KNOX_TOKEN_MODEL points here), with a name and
the time of last use. Knox stores a SHA-512 digest of the key and the key's first 15 characters
(`token_key`, to find the row); the key itself is never stored, so nothing in this table can be
sent as a key."""

from typing import ClassVar

from django.db import models
from knox.models import AbstractAuthToken, AuthTokenManager
from knox.settings import CONSTANTS

NAME_MAX_LENGTH = 100
PREFIX_SHOWN = 8  # characters of the key shown in lists and audit events, to tell tokens apart


class ApiToken(AbstractAuthToken):  # type: ignore[misc]  # knox ships no type information
    # A numeric id for pages and audit events, so the digest never appears in a URL or a log:
    # knox's digest stays unique and indexed, it is just not the primary key.
    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    name = models.CharField(
        max_length=NAME_MAX_LENGTH, help_text="What the token is for, e.g. “CRM sync”"
    )
    last_used = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[AuthTokenManager] = AuthTokenManager()

    class Meta:
        verbose_name = "API token"
        ordering = ["-created", "-id"]

    @property
    def prefix(self) -> str:
        return str(self.token_key)[:PREFIX_SHOWN]

    def __str__(self) -> str:
        return f"api token {self.name} ({self.prefix}…)"
