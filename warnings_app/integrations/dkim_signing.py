"""DKIM signatures on every outgoing message (dkimpy), and the DNS record that lets receivers
check them. A signed letter shows the receiving server, and later anyone holding the message,
that it left our domain and was not changed on the way.

Signing is off only when DKIM_DOMAIN, DKIM_SELECTOR and DKIM_KEY_FILE are all unset (local
development prints mail on the console). Once any of them is set, a message that cannot be
signed is not sent: a letter going out unsigned by accident would look forged to the receiver."""

import base64
import functools
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass

import dkim  # type: ignore[import-untyped]
from django.conf import settings
from dkim.crypto import parse_pem_private_key  # type: ignore[import-untyped]

# Always signed, present or not: signing an absent Reply-To or Cc keeps one from being added.
SIGNED_HEADERS = (
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "reply-to",
    "mime-version",
    "content-type",
)
SIGNED_WHEN_PRESENT = ("in-reply-to", "references")
# From a second time: a From added after signing (shown by many clients) breaks the signature.
OVERSIGNED = ("from",)
MIN_KEY_BITS = 1024  # what receivers accept at the least; new keys are 2048
NEW_KEY_BITS = 2048
TXT_STRING_MAX = 255  # one character-string of a DNS TXT record


class DkimError(OSError):
    """A message cannot be signed as configured (settings half set, key file missing, unreadable
    or not an RSA key). An OSError, like an unreachable mail server, because it is the same for
    a sender: nothing left, try again once an operator has fixed it."""


@dataclass(frozen=True)
class DkimSettings:
    domain: str
    selector: str
    key_file: str

    @property
    def record_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"


@dataclass(frozen=True)
class PrivateKey:
    pem: bytes
    modulus: int
    public_exponent: int

    @property
    def bits(self) -> int:
        return self.modulus.bit_length()


def dkim_settings() -> DkimSettings | None:
    """The DKIM settings, or None when signing is off (all three unset). Half set is an error."""
    values = {
        "DKIM_DOMAIN": settings.DKIM_DOMAIN.strip(),
        "DKIM_SELECTOR": settings.DKIM_SELECTOR.strip(),
        "DKIM_KEY_FILE": settings.DKIM_KEY_FILE.strip(),
    }
    if not any(values.values()):
        return None
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise DkimError(
            f"DKIM is half configured: {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} empty (set all three, or none to send "
            "unsigned)"
        )
    return DkimSettings(*values.values())


def private_key(path: str) -> PrivateKey:
    """The key in `path`, read once per process and again only when the file changes (a key
    replaced in place is picked up without a restart)."""
    try:
        status = os.stat(path)
    except OSError as exc:
        raise DkimError(f"the DKIM key file {path} cannot be read: {exc.strerror}") from exc
    return _key_read(path, status.st_mtime_ns, status.st_size)


@functools.lru_cache(maxsize=4)
def _key_read(path: str, mtime_ns: int, size: int) -> PrivateKey:
    try:
        with open(path, "rb") as key_file:
            pem = key_file.read()
    except OSError as exc:
        raise DkimError(f"the DKIM key file {path} cannot be read: {exc.strerror}") from exc
    try:
        parsed = parse_pem_private_key(pem)
    except Exception as exc:  # dkimpy raises several kinds for a file that is not a key
        raise DkimError(f"the DKIM key file {path} holds no PEM RSA private key") from exc
    key = PrivateKey(pem, parsed["modulus"], parsed["publicExponent"])
    if key.bits < MIN_KEY_BITS:
        raise DkimError(
            f"the DKIM key in {path} has {key.bits} bits; receivers need {MIN_KEY_BITS} or more"
        )
    return key


def sign(message: bytes) -> bytes:
    """The message with a DKIM-Signature header in front (rsa-sha256, relaxed/relaxed), or the
    message unchanged when signing is off. Raises DkimError when it cannot be signed."""
    config = dkim_settings()
    if config is None:
        return message
    key = private_key(config.key_file)
    signer = dkim.DKIM(message, linesep=b"\r\n")
    present = {name.lower() for name, _ in signer.headers}
    wanted = [*SIGNED_HEADERS, *(h for h in SIGNED_WHEN_PRESENT if h.encode() in present)]
    try:
        header: bytes = signer.sign(
            config.selector.encode(),
            config.domain.encode(),
            key.pem,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=[h.encode() for h in (*wanted, *OVERSIGNED)],
        )
    except dkim.DKIMException as exc:
        raise DkimError(f"the message could not be DKIM-signed: {exc}") from exc
    return header + message


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + content


def _der_integer(value: int) -> bytes:
    # One byte more than the bits need when the top bit is set: DER integers are signed.
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


RSA_ENCRYPTION = _der(0x06, bytes.fromhex("2a864886f70d010101"))  # OID 1.2.840.113549.1.1.1


def public_key_der(key: PrivateKey) -> bytes:
    """The public half as DER SubjectPublicKeyInfo, the form DKIM's p= tag carries."""
    rsa_public_key = _der(0x30, _der_integer(key.modulus) + _der_integer(key.public_exponent))
    algorithm = _der(0x30, RSA_ENCRYPTION + _der(0x05, b""))
    return _der(0x30, algorithm + _der(0x03, b"\x00" + rsa_public_key))


def public_key_sha256(key: PrivateKey) -> str:
    return hashlib.sha256(public_key_der(key)).hexdigest()


def dns_txt_value(key: PrivateKey) -> str:
    """The TXT record value receivers look up at <selector>._domainkey.<domain>."""
    return f"v=DKIM1; k=rsa; p={base64.b64encode(public_key_der(key)).decode('ascii')}"


def txt_strings(value: str) -> list[str]:
    """The value cut into the at most 255-character strings a TXT record is made of."""
    return [value[i : i + TXT_STRING_MAX] for i in range(0, len(value), TXT_STRING_MAX)]


def new_private_key_pem(bits: int = NEW_KEY_BITS) -> bytes:
    """A new RSA private key, PEM (PKCS#8), made by the openssl command: dkimpy signs with
    keys but does not make them, and key generation is not something to write by hand."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise DkimError(
            "making a DKIM key needs the openssl command (Debian: apt-get install openssl)"
        )
    made = subprocess.run(  # noqa: S603 — a fixed command line, no input from anyone
        [openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{bits}"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    if made.returncode != 0 or b"PRIVATE KEY" not in made.stdout:
        raise DkimError(f"openssl could not make a key: {made.stderr.decode(errors='replace')}")
    return made.stdout


def private_key_write(path: str, pem: bytes) -> PrivateKey:
    """Writes a new key file readable by its owner only; never replaces an existing file (it may
    be the key whose record is published). Returns the key as read back."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise DkimError(f"{path} already exists; a key file is never overwritten") from exc
    except OSError as exc:
        raise DkimError(f"{path} cannot be written: {exc.strerror}") from exc
    with os.fdopen(descriptor, "wb") as key_file:
        key_file.write(pem)
    return private_key(path)
