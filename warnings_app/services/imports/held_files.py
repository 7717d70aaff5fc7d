"""The file an import preview was made from, held until the person confirms or starts over.
Held per user under its SHA-256, so another user can neither commit nor read it by its hash,
and confirming imports exactly the bytes that were previewed."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def _name(user_id: int, sha256: str) -> str:
    return f"imports/{user_id}/{sha256}"


def import_file_hold(*, user_id: int, sha256: str, content: bytes) -> None:
    """Keep the previewed file. Safe to repeat: the same bytes are stored once."""
    name = _name(user_id, sha256)
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(content))


def import_file_held(*, user_id: int, sha256: str) -> bytes | None:
    """The held file's bytes, or None when it is gone (expired, or already imported)."""
    name = _name(user_id, sha256)
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        content: bytes = handle.read()
    return content


def import_file_release(*, user_id: int, sha256: str) -> None:
    """Forget the held file once it has been imported."""
    default_storage.delete(_name(user_id, sha256))
