"""The DKIM key as an operator handles it: the DNS record to publish for the configured key, and
a new key file (for a first start or a rotation to a new selector). Signing itself happens as
each message leaves (integrations/dkim_signing.py, called by the SMTP backend)."""

import os
from dataclasses import dataclass

from warnings_app.integrations import dkim_signing
from warnings_app.services.audit import audit_record
from warnings_app.services.errors import ServiceError

UNNAMED = "<selector>._domainkey.<domain>"


@dataclass(frozen=True)
class DkimRecord:
    """A TXT record: its name, its value, and the value cut into the strings a zone file needs."""

    name: str
    value: str
    key_file: str
    bits: int

    @property
    def strings(self) -> list[str]:
        return dkim_signing.txt_strings(self.value)


def _record(name: str, key_file: str) -> DkimRecord:
    key = dkim_signing.private_key(key_file)
    return DkimRecord(name, dkim_signing.dns_txt_value(key), key_file, key.bits)


def dkim_record() -> DkimRecord:
    """The record receivers will look up to check our signatures, from the configured key."""
    try:
        config = dkim_signing.dkim_settings()
        if config is None:
            raise ServiceError(
                "DKIM is not configured: set DKIM_DOMAIN, DKIM_SELECTOR and DKIM_KEY_FILE"
            )
        return _record(config.record_name, config.key_file)
    except dkim_signing.DkimError as exc:
        raise ServiceError(str(exc)) from exc


def dkim_key_generate(*, path: str, by: str) -> DkimRecord:
    """Writes a new 2048-bit key to `path` (mode 0600, never over an existing file) and returns
    its record, unnamed: a new key is published under a new selector, chosen by the operator.
    Audited with the public key's SHA-256, so which key was made when can be told later."""
    try:
        key = dkim_signing.private_key_write(path, dkim_signing.new_private_key_pem())
    except dkim_signing.DkimError as exc:
        raise ServiceError(str(exc)) from exc
    try:
        audit_record(
            actor=None,
            verb="dkim.key_generated",
            data={
                "path": path,
                "bits": key.bits,
                "public_key_sha256": dkim_signing.public_key_sha256(key),
                "by": by,
            },
        )
    except Exception:
        os.unlink(path)  # a key nobody recorded making is not left behind
        raise
    return _record(UNNAMED, path)
