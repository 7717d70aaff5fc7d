"""Which domains a reply's sender has actually proved, as opposed to merely written in From.

Pure rules over the evidence the mail integration gathered (integrations/sender_auth): the
domain layer does not import it, it reads any object shaped like `SenderEvidenceLike`.

Alignment is DMARC's relaxed alignment (RFC 7489 §3.1): two domains align when they share the
organisational domain, found with the Public Suffix List. The list ships inside the
`publicsuffixlist` package (no download at run time), so the answer changes only when the
package is upgraded; private suffixes (github.io, ...) count as public, so two tenants of a shared
hosting domain never align with each other.
"""

from collections.abc import Sequence
from functools import cache
from typing import Protocol

from publicsuffixlist import PublicSuffixList


class SenderEvidenceLike(Protocol):
    """What these rules read from the evidence: every value as our side established it."""

    @property
    def from_address(self) -> str: ...
    @property
    def from_domain(self) -> str: ...
    @property
    def dkim_pass_domains(self) -> Sequence[str]: ...
    @property
    def spf(self) -> str: ...
    @property
    def spf_domain(self) -> str: ...
    @property
    def dmarc(self) -> str: ...
    @property
    def dmarc_domain(self) -> str: ...


@cache
def _suffixes() -> PublicSuffixList:
    # Parsing the list costs ~50 ms; it is read once per process and is thread-safe afterwards.
    return PublicSuffixList()


def normalise_domain(domain: str) -> str:
    """Lower case, no trailing dot, international names as their ASCII (xn--) form, which is how
    DKIM's d= and the DNS write them. '' stays ''."""
    domain = domain.strip().rstrip(".").lower()
    if domain.isascii():
        return domain
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain  # not a valid international name: aligns only with itself, as written


def organisational_domain(domain: str) -> str:
    """The registrable domain: `mail.company.co.uk` → `company.co.uk`. A public suffix itself
    (`co.uk`) or a malformed name (`a..b`) is its own organisational domain, so it aligns with
    nothing but itself; '' stays ''."""
    name = normalise_domain(domain)
    if not name:
        return ""
    return _suffixes().privatesuffix(name) or name


def aligned(a: str, b: str) -> bool:
    """Relaxed alignment: the same organisational domain. An empty side never aligns."""
    first, second = organisational_domain(a), organisational_domain(b)
    return bool(first) and first == second


def authenticated_domains(evidence: SenderEvidenceLike) -> set[str]:
    """The From domain, when something verifiable vouches for it: a DKIM signature that verified
    with a d= aligned with it, or our own server's DMARC pass for that very domain. Empty when
    there is no single From, or nothing aligned passed. A signature by another domain proves only
    that domain sent the message, not that the From is true, so it never counts here."""
    from_domain = normalise_domain(evidence.from_domain)
    if not from_domain:
        return set()
    if any(aligned(d, from_domain) for d in evidence.dkim_pass_domains):
        return {from_domain}
    if evidence.dmarc == "pass" and normalise_domain(evidence.dmarc_domain) == from_domain:
        return {from_domain}
    return set()


def spf_pass_for(evidence: SenderEvidenceLike, address: str) -> bool:
    """Our server saw SPF pass for an envelope sender aligned with `address`'s domain, and the
    From is exactly `address`. SPF alone vouches only for the envelope; the From check ties it to
    the person the trust policy names."""
    wanted = address.strip().lower()
    if not wanted or evidence.spf != "pass" or evidence.from_address != wanted:
        return False
    return aligned(evidence.spf_domain, wanted.rpartition("@")[2])
