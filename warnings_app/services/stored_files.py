"""Stored files leave the system only whole and unaltered: read back, checked against the
SHA-256 recorded when they were stored, and each download audited. The letter page, the API's
PDF action and the artist's instruction download all go through here."""

import hashlib
from typing import Any

from django.core.files.storage import default_storage
from django.db import models

from warnings_app.services.audit import audit_record


class StoredFileAltered(Exception):
    """The stored bytes are missing, or differ from the SHA-256 recorded when they were stored."""


def stored_file_read_verified(*, name: str, sha256: str) -> bytes:
    """The file's bytes, or StoredFileAltered."""
    try:
        with default_storage.open(name, "rb") as stored:
            content = stored.read()
    except FileNotFoundError:
        content = b""
    if hashlib.sha256(content).hexdigest() != sha256:
        raise StoredFileAltered(name)
    return content


def stored_file_download(
    *, name: str, sha256: str, by: Any, verb: str, target: models.Model, data: dict[str, Any]
) -> bytes:
    """The verified bytes for a person to download, the download audited (nothing is audited
    when the file is refused)."""
    content = stored_file_read_verified(name=name, sha256=sha256)
    audit_record(actor=by, verb=verb, target=target, data={**data, "sha256": sha256})
    return content
