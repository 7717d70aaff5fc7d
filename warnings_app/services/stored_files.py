"""Stored files: saved under fresh unguessable names (never a name from outside), and leaving
the system only whole and unaltered: read back, checked against the SHA-256 recorded when they
were stored, and each download audited. Letters, print batches, raw replies and attachments and
artists' instructions are saved here; the letter page, the API's PDF action and the artist's
instruction download read through here."""

import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone

from warnings_app.services.audit import audit_record

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NAME_BYTES = 24  # of randomness in each stored name: unguessable, so a leaked folder listing
# or a guessed URL gives nothing away


def stored_file_save(*, folder: str, content: bytes, extension: str) -> str:
    """Saves `content` as `folder/YYYY/MM/<random><extension>` (extension with its dot, or "")
    and returns the name the storage gave it, to be recorded with the file's SHA-256."""
    day = timezone.localdate()
    name = f"{folder}/{day:%Y/%m}/{secrets.token_urlsafe(NAME_BYTES)}{extension}"
    return default_storage.save(name, ContentFile(content))


class StoredFileAltered(Exception):
    """The stored bytes are missing, or differ from the SHA-256 recorded when they were stored."""


def stored_file_read_verified(*, name: str | None, sha256: str) -> bytes:
    """The file's bytes, or StoredFileAltered. `name` is a FileField's (None: no file)."""
    content: bytes = b""
    try:
        if name is not None:
            with default_storage.open(name, "rb") as stored:
                content = stored.read()
    except FileNotFoundError:
        content = b""
    if hashlib.sha256(content).hexdigest() != sha256:
        raise StoredFileAltered(name)
    return content


def stored_file_download(
    *,
    name: str | None,
    sha256: str,
    by: "User",
    verb: str,
    target: models.Model,
    data: dict[str, Any],
) -> bytes:
    """The verified bytes for a person to download, the download audited (nothing is audited
    when the file is refused)."""
    content = stored_file_read_verified(name=name, sha256=sha256)
    audit_record(actor=by, verb=verb, target=target, data={**data, "sha256": sha256})
    return content
