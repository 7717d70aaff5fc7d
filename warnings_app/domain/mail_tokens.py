"""The tokens in our reply and bounce addresses. A notice's Reply-To is
`notices+<reference>-<key id>-<token>@…` and each delivery attempt's envelope sender (where
bounces go) `notices+b-<attempt id>-<key id>-<token>@…`; the token is an HMAC of what the
address names under a server secret, so nobody outside can make an address that names a notice
or a delivery, however well they know our references. The key id says which secret made it:
a new key signs from the day it is put first, the old ones keep being accepted.

Older letters carried the bare reference (`notices+<reference>@…`): such an address names a
notice but proves nothing (references are sequential and printed on every letter).
"""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from django.conf import settings

TOKEN_LENGTH = 16  # base32 characters: 80 bits
_KEY_ID = re.compile(r"^[a-z0-9]{1,8}$")
_TOKEN_ADDRESS = re.compile(
    rf"^(?:(?P<bounce>b-(?P<attempt>\d{{1,18}}))|(?P<reference>[a-z0-9-]{{1,40}}?))"
    rf"-(?P<key>[a-z0-9]{{1,8}})-(?P<token>[a-z2-7]{{{TOKEN_LENGTH}}})$"
)


def signing_keys() -> dict[str, bytes]:
    """{key id: secret}, the signing key first. From MAIL_TOKEN_KEYS ("id:secret,…"), or one key
    derived from SECRET_KEY when none is set."""
    keys: dict[str, bytes] = {}
    for item in settings.MAIL_TOKEN_KEYS:
        key_id, _, secret = item.strip().partition(":")
        key_id = key_id.strip().lower()
        if not _KEY_ID.match(key_id) or len(secret.strip()) < 16:
            raise ValueError(
                "MAIL_TOKEN_KEYS: each key is id:secret, the id 1-8 lowercase letters or digits "
                "and the secret at least 16 characters"
            )
        keys.setdefault(key_id, secret.strip().encode())
    if not keys:
        derived = hmac.new(settings.SECRET_KEY.encode(), b"mail-token-key", hashlib.sha256)
        keys["s1"] = derived.digest()
    return keys


def _token(secret: bytes, purpose: str, subject: str) -> str:
    mac = hmac.new(secret, f"{purpose}:{subject}".encode(), hashlib.sha256).digest()
    return base64.b32encode(mac).decode().lower()[:TOKEN_LENGTH]


def _detail(purpose: str, subject: str, label: str) -> str:
    key_id, secret = next(iter(signing_keys().items()))
    return f"{label}-{key_id}-{_token(secret, purpose, subject)}"


def reply_detail(reference: str) -> str:
    """The part after the "+" of a notice's reply address."""
    return _detail("reply", reference.upper(), reference.lower())


def bounce_detail(attempt_id: int) -> str:
    """The part after the "+" of a delivery attempt's envelope sender."""
    return _detail("bounce", str(attempt_id), f"b-{attempt_id}")


@dataclass(frozen=True)
class AddressToken:
    """What an address's detail names, and whether its token was made by one of our keys."""

    reference: str = ""  # a notice's reference (reply address, or an older bare one)
    attempt_id: int | None = None  # a delivery attempt (bounce address)
    valid: bool = False  # the token checks out under one of our keys
    problem: str = ""  # why it does not, when it names something


def read_detail(detail: str) -> AddressToken | None:
    """What `detail` (the part after "+") names; None when it is none of ours."""
    detail = detail.strip().lower()
    found = _TOKEN_ADDRESS.match(detail)
    if found is None:
        return None
    keys = signing_keys()
    secret = keys.get(found["key"])
    if found["bounce"]:
        attempt_id, purpose, subject = int(found["attempt"]), "bounce", found["attempt"]
        reference = ""
    else:
        attempt_id, purpose, reference = None, "reply", found["reference"].upper()
        subject = reference
    if secret is None:
        return AddressToken(reference, attempt_id, False, f"unknown key “{found['key']}”")
    if not hmac.compare_digest(_token(secret, purpose, subject), found["token"]):
        return AddressToken(reference, attempt_id, False, "the token does not match")
    return AddressToken(reference, attempt_id, True)
