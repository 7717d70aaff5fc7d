"""What can be verified about who sent an inbound e-mail, beyond the From line anyone can write.

Two sources, each believed only as far as it can be:

- DKIM, checked here on the raw bytes: every DKIM-Signature (up to MAX_SIGNATURES), each with its
  own result, its public key fetched from DNS. A DNS failure is `temperror` (the sender may be
  fine, we could not ask); a missing or broken key, or a malformed signature, is `permerror`; a
  signature that does not match the message is `fail`. A signature that verifies but that we do
  not accept as proof of the whole message (rsa-sha1, RFC 8301; `l=` signing only part of the
  body) is `policy`, as RFC 8601 names it. Keys rotate and signatures expire, so the evidence is
  what held at the time of the check: it is meant to be stored, not recomputed.
- SPF and DMARC, which need the connecting IP address and so only our receiving server can
  judge: read from the Authentication-Results header whose authserv-id is
  settings.REPLY_AUTHSERV_ID, and only the topmost one. Each hop prepends its headers, so our
  server's header sits above anything the sender wrote; a header claiming our id further down
  was written by someone else and is ignored (and noted as a problem). This is safe only if our
  server always adds its header, and RFC 8601 §5 requires it to remove incoming headers that
  claim its id: OpenDKIM/OpenDMARC behind Postfix, rspamd and Dovecot's Pigeonhole setups do.
  Results split by our server over several headers with the same id are not combined: configure
  it to write SPF and DMARC in one header (rspamd and OpenDMARC with SPF checking do). With
  REPLY_AUTHSERV_ID empty nothing is believed: any sender can write "dmarc=pass".

`check_sender` never raises on hostile input: what cannot be checked is a result or a problem.
"""

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from email.utils import getaddresses
from functools import partial
from typing import Any

import authres  # type: ignore[import-untyped]
import authres.core  # type: ignore[import-untyped]
import dkim  # type: ignore[import-untyped]
import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver
from django.conf import settings

from warnings_app.domain.sender_trust import normalise_domain

MAX_SIGNATURES = 5  # each costs a DNS query and a hash of the message; senders use one or two
MAX_SIGNATURE_BYTES = 8_192  # real signatures stay under 2 KB; a bigger one is not parsed
MAX_RESULTS_CHARS = 8_000  # authres parses by rewriting its input: keep hostile headers small

# A DNS TXT lookup: the record's text for a name like b"s1._domainkey.company.test.", None
# when no record exists; any exception means the question could not be answered.
DnsLookup = Callable[[bytes], bytes | None]

# dkimpy logs every failed verification as an error; the outcome is in the evidence instead.
_DKIMPY_LOG = logging.getLogger(f"{__name__}.dkimpy")
_DKIMPY_LOG.setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class DkimResult:
    domain: str  # d=, normalised ("" when unreadable)
    selector: str  # s=
    result: str  # "pass", "fail", "policy", "temperror" or "permerror"
    reason: str


@dataclass(frozen=True)
class SenderEvidence:
    from_address: str  # the single From's addr-spec, lower case; "" when none or several
    from_domain: str
    dkim: tuple[DkimResult, ...]
    spf: str  # as our server reported it; "" when it did not
    spf_domain: str  # smtp.mailfrom's domain, as our server saw it
    dmarc: str
    dmarc_domain: str  # header.from, as our server saw it
    authserv_id: str  # the id of the header believed; "" when none was
    problems: tuple[str, ...]

    @property
    def dkim_pass_domains(self) -> tuple[str, ...]:
        """The d= domains whose signature verified and is accepted, each once."""
        return tuple(dict.fromkeys(r.domain for r in self.dkim if r.result == "pass" and r.domain))

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> "SenderEvidence":
        """Tolerates missing keys (stored before a field existed): they read as empty."""
        signatures = data.get("dkim")
        return cls(
            from_address=_text(data.get("from_address")),
            from_domain=_text(data.get("from_domain")),
            dkim=tuple(
                DkimResult(**{key: _text(item.get(key)) for key in _DKIM_KEYS})
                for item in (signatures if isinstance(signatures, list) else [])
                if isinstance(item, dict)
            ),
            spf=_text(data.get("spf")),
            spf_domain=_text(data.get("spf_domain")),
            dmarc=_text(data.get("dmarc")),
            dmarc_domain=_text(data.get("dmarc_domain")),
            authserv_id=_text(data.get("authserv_id")),
            problems=tuple(_text(p) for p in _list(data.get("problems"))),
        )


_DKIM_KEYS = ("domain", "selector", "result", "reason")


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def check_sender(
    raw: bytes, *, dnsfunc: DnsLookup | None = None, timeout: float = 5
) -> SenderEvidence:
    """The sender evidence of one raw message. `dnsfunc` answers the DKIM key lookups (default:
    the system's resolver, each query limited to `timeout` seconds). Never raises."""
    problems: list[str] = []
    try:
        headers, _ = dkim.rfc822_parse(raw)
    except Exception as exc:  # one parser for DKIM and From alike, or the two could disagree
        problems.append(f"the headers could not be parsed ({_short(exc)}): nothing verified")
        return SenderEvidence("", "", (), "", "", "", "", "", tuple(problems))
    fields = [(bytes(name).lower(), _unfold(bytes(value))) for name, value in headers]
    from_address = _single_from(fields, problems)
    lookup = dnsfunc or txt_lookup(timeout=timeout)
    signatures = _check_signatures(raw, fields, lookup, timeout, problems)
    reported = _reported_by_us(fields, problems)
    from_domain = normalise_domain(from_address.rpartition("@")[2])
    dmarc_domain = reported.get("dmarc_domain", "")
    if dmarc_domain and from_domain and dmarc_domain != from_domain:
        problems.append(f"our server saw the From domain as {dmarc_domain}, not {from_domain}")
    return SenderEvidence(
        from_address=from_address,
        from_domain=from_domain,
        dkim=signatures,
        spf=reported.get("spf", ""),
        spf_domain=reported.get("spf_domain", ""),
        dmarc=reported.get("dmarc", ""),
        dmarc_domain=dmarc_domain,
        authserv_id=reported.get("authserv_id", ""),
        problems=tuple(problems),
    )


def _unfold(value: bytes) -> str:
    return re.sub(r"\r?\n(?=[ \t])", "", value.decode("utf-8", "replace")).strip()


def _short(exc: Exception) -> str:
    return f"{exc.__class__.__name__}: {str(exc)[:200]}"


def _single_from(fields: list[tuple[bytes, str]], problems: list[str]) -> str:
    """DMARC, and any reader, can only judge a message with one From holding one address."""
    values = [value for name, value in fields if name == b"from"]
    if len(values) != 1:
        problems.append(f"{len(values)} From headers: the sender cannot be established")
        return ""
    # "@" skips the stray word an unquoted comma in a display name makes ("Smith, John <j@x>").
    addresses = [address for _, address in getaddresses(values) if "@" in address]
    local, at, domain = addresses[0].rpartition("@") if len(addresses) == 1 else ("", "", "")
    if not (local and at and domain):
        problems.append(f"the From header does not hold one address: {values[0][:200]!r}")
        return ""
    return addresses[0].lower()[:320]


def _check_signatures(
    raw: bytes,
    fields: list[tuple[bytes, str]],
    lookup: DnsLookup,
    timeout: float,
    problems: list[str],
) -> tuple[DkimResult, ...]:
    count = sum(1 for name, _ in fields if name == b"dkim-signature")
    if not count:
        return ()
    if count > MAX_SIGNATURES:
        problems.append(f"{count} DKIM signatures: only the first {MAX_SIGNATURES} were checked")
    try:
        verifier = dkim.DKIM(raw, logger=_DKIMPY_LOG, timeout=timeout)
    except Exception as exc:  # the headers parsed a moment ago; kept for a dkimpy surprise
        problems.append(f"DKIM could not be checked ({_short(exc)})")
        return ()
    values = [value for name, value in fields if name == b"dkim-signature"]
    return tuple(
        _verify(verifier, index, value, lookup)
        for index, value in enumerate(values[:MAX_SIGNATURES])
    )


class _KeyProbe:
    """The dnsfunc handed to dkimpy: it remembers what DNS said, because dkimpy reduces a DNS
    failure, a missing key and a broken key all to `False`, the same answer as a forgery."""

    def __init__(self, lookup: DnsLookup) -> None:
        self.lookup = lookup
        self.name = b""
        self.record: bytes | None = None
        self.failure = ""
        self.key_problem = ""

    def __call__(self, name: bytes, timeout: float = 5) -> bytes | None:
        self.name = name
        if not name.isascii():  # d= or s= with 8-bit bytes: no such name exists in the DNS
            self.key_problem = "the key's name is not a DNS name"
            return None
        try:
            self.record = self.lookup(name)
        except Exception as exc:
            self.failure = _short(exc)
            raise dkim.DnsTimeoutError(self.failure) from exc
        if self.record:
            try:
                dkim.evaluate_pk(name, self.record)
            except Exception as exc:  # dkimpy swallows it too; keep the reason
                self.key_problem = _short(exc)
        return self.record


def _verify(verifier: Any, index: int, header: str, lookup: DnsLookup) -> DkimResult:
    tags = _tags(header)
    domain = normalise_domain(tags.get("d", ""))[:253]
    selector = tags.get("s", "")[:200]

    def result(kind: str, reason: str) -> DkimResult:
        return DkimResult(domain=domain, selector=selector, result=kind, reason=reason[:500])

    if len(header) > MAX_SIGNATURE_BYTES:
        return result("permerror", f"signature of {len(header)} bytes: over the limit, not read")
    probe = _KeyProbe(lookup)
    try:
        verified = verifier.verify(idx=index, dnsfunc=probe)
    except dkim.ValidationError as exc:
        if "body hash mismatch" in str(exc):
            return result("fail", "the body was changed after signing (body hash mismatch)")
        return result("permerror", f"invalid signature: {str(exc)[:300]}")
    except Exception as exc:  # dkimpy raises more than DKIMException on hostile input
        return result("permerror", f"could not be checked ({_short(exc)})")
    key_name = probe.name.decode("ascii", "replace")
    if verified:
        return _accepted(tags, result)
    if probe.failure:
        return result("temperror", f"DNS lookup of {key_name} failed ({probe.failure})")
    if probe.key_problem:
        return result("permerror", f"the key at {key_name} is unusable ({probe.key_problem})")
    if not probe.record:
        return result("permerror", f"no key published at {key_name}")
    return result("fail", "the signature does not match the signed headers")


def _accepted(tags: dict[str, str], result: Callable[[str, str], DkimResult]) -> DkimResult:
    if tags.get("a", "").lower() == "rsa-sha1":
        return result("policy", "verifies, but rsa-sha1 is not accepted (RFC 8301)")
    if "l" in tags:
        return result(
            "policy",
            f"verifies, but l={tags['l'][:20]} signs only part of the body: text may "
            "have been added after signing",
        )
    return result("pass", "verified")


def _tags(header: str) -> dict[str, str]:
    """d=, s=, a=, l= read leniently, for the record even when the signature is malformed."""
    tags: dict[str, str] = {}
    for spec in header.split(";"):
        key, equals, value = spec.partition("=")
        key = key.strip().lower()
        if equals and key in ("d", "s", "a", "l") and key not in tags:
            tags[key] = re.sub(r"\s+", "", value)
    return tags


def _reported_by_us(fields: list[tuple[bytes, str]], problems: list[str]) -> dict[str, str]:
    """spf, spf_domain, dmarc, dmarc_domain and authserv_id from the topmost
    Authentication-Results header with our authserv-id (see the module docstring)."""
    ours = settings.REPLY_AUTHSERV_ID.strip().lower()
    claims = [
        value
        for name, value in fields
        if name == b"authentication-results" and ours and _authserv_id(value) == ours
    ]
    if not claims:
        return {}
    if len(claims) > 1:
        problems.append(
            f"{len(claims) - 1} more Authentication-Results header(s) claiming {ours} below ours: "
            "ignored (our receiving server should remove them)"
        )
    if len(claims[0]) > MAX_RESULTS_CHARS:
        problems.append(f"our Authentication-Results header is over {MAX_RESULTS_CHARS} chars")
        return {}
    try:
        parsed = _StrictResults.parse_value(authres.core_features(), claims[0])
    except Exception as exc:  # authres's own SyntaxError, or RecursionError on deep comments
        problems.append(f"our Authentication-Results header could not be read ({_short(exc)})")
        return {}
    reported = {"authserv_id": ours}
    for method, prop in (("spf", "smtp.mailfrom"), ("dmarc", "header.from")):
        found = next((r for r in parsed.results if str(r.method).lower() == method), None)
        if found is not None:
            reported[method] = str(found.result).lower()[:20]
            value = next((str(p.value) for p in found.properties if _prop(p) == prop), "")
            reported[f"{method}_domain"] = normalise_domain(value.rpartition("@")[2])[:253]
    return reported


class _StrictResults(authres.core.AuthenticationResultsHeader):  # type: ignore[misc]
    """authres, unless strict, drops a result's property it cannot parse and, with it, the rest
    of the header (`spf=pass smtp.mailfrom=x (unclosed; dmarc=fail` reads as `spf=pass`): a
    header we cannot read whole is not believed at all."""

    def __init__(self, feature_context: object) -> None:
        super().__init__(feature_context, strict=True)


def _prop(prop: object) -> str:
    return f"{getattr(prop, 'type', '')}.{getattr(prop, 'name', '')}".lower()


def _authserv_id(value: str) -> str:
    match = re.match(r"\s*([^\s;(]+)", value)
    return match.group(1).lower() if match else ""


def txt_lookup(
    *, nameservers: tuple[str, ...] = (), port: int = 53, timeout: float = 5
) -> DnsLookup:
    """A DnsLookup over DNS: the system's resolver, or `nameservers` on `port`. Unlike dkimpy's
    own lookup, which turns a server failure (SERVFAIL, no server answering) into "no record",
    only NXDOMAIN and an empty answer read as "no record"; anything else raises, so a broken
    resolver gives temperror and not a permanent verdict on the sender."""
    return partial(_txt, nameservers, port, timeout)


def _txt(nameservers: tuple[str, ...], port: int, timeout: float, name: bytes) -> bytes | None:
    try:
        qname = dns.name.from_text(name.decode("ascii"))
    except (UnicodeDecodeError, dns.exception.DNSException):
        return None  # no such name can exist in the DNS
    # Made for each query, inside the lookup: a missing /etc/resolv.conf raises here, where it
    # reads as a DNS failure (temperror), not in the caller.
    resolver = dns.resolver.Resolver(configure=not nameservers)
    if nameservers:
        resolver.nameservers = list(nameservers)
        resolver.port = port
    try:
        answer = resolver.resolve(
            qname, dns.rdatatype.TXT, lifetime=timeout, raise_on_no_answer=False
        )
    except dns.resolver.NXDOMAIN:
        return None
    if answer.rrset is None:
        return None
    first = next(iter(answer.rrset))  # several key records are an error of theirs: take one
    return b"".join(first.strings)
