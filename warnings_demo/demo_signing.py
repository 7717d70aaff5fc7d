"""DKIM for the demo's replies: a key made once per process for the demo (never a real one), a
signature on each reply from a company's own domain, and the DNS answer that publishes the key,
so the demo's replies are verified on their raw bytes as real ones are."""

import tempfile
from functools import cache
from pathlib import Path

import dkim  # type: ignore[import-untyped]

from warnings_app.integrations.dkim_signing import dns_txt_value, new_private_key_pem, private_key

SELECTOR = "demo"


@cache
def _key() -> tuple[bytes, bytes]:
    """(private key PEM, TXT record)."""
    pem = new_private_key_pem()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo-dkim.pem"
        path.write_bytes(pem)
        record = dns_txt_value(private_key(str(path)))
    return pem, record.encode()


def signed(raw: bytes, *, domain: str) -> bytes:
    pem, _ = _key()
    signature: bytes = dkim.sign(
        raw, SELECTOR.encode(), domain.encode(), pem, include_headers=[b"from", b"to", b"subject"]
    )
    return signature + raw


def lookup(name: bytes, timeout: float = 5) -> bytes | None:
    """The demo's DNS: every `demo._domainkey.<domain>` publishes the demo key; nothing else."""
    return _key()[1] if name.startswith(f"{SELECTOR}._domainkey.".encode()) else None
