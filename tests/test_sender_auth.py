"""Sender evidence for inbound mail: DKIM verified on the raw bytes with keys generated here
(dkimpy's key tool, openssl) and served by a resolver function or by a DNS server on loopback,
never the network; SPF and DMARC believed only from our own server's header."""

import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import dkim
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from dkim import dknewkey

from warnings_app.domain.sender_trust import (
    aligned,
    authenticated_domains,
    organisational_domain,
    spf_pass_for,
)
from warnings_app.integrations.sender_auth import (
    MAX_SIGNATURES,
    SenderEvidence,
    check_sender,
    txt_lookup,
)

OUR_ID = "mx.rights-holder.test"

REPLY = (
    b"From: CEO <ceo@company.test>\r\n"
    b"To: legal@rights-holder.test\r\n"
    b"Subject: Re: Notice WL-2026-0042\r\n"
    b"Message-ID: <reply-1@company.test>\r\n"
    b"Date: Tue, 3 Mar 2026 10:00:00 +0000\r\n"
    b"\r\n"
    b"We have removed the works listed in your letter.\r\n"
)


@dataclass(frozen=True)
class Key:
    private: bytes
    record: bytes  # the TXT record: b"v=DKIM1; k=rsa; ...; p=..."


def _new_key(folder: Path) -> Key:
    dknewkey.GenRSAKeys(str(folder / "key.pem"), verbose=False)
    dknewkey.ExtractRSADnsPublicKey(str(folder / "key.pem"), str(folder / "key.dns"), False)
    return Key((folder / "key.pem").read_bytes(), (folder / "key.dns").read_bytes())


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Key]:
    """One key for the company, one for an unrelated domain (2048-bit RSA each)."""
    return {
        name: _new_key(tmp_path_factory.mktemp(name)) for name in ("company.test", "evil.example")
    }


def _sign(message: bytes, key: Key, domain: str, selector: str = "s1", **options) -> bytes:
    header = dkim.sign(message, selector.encode(), domain.encode(), key.private, **options)
    return header + message


def _dns(records: dict[str, bytes]) -> Callable[[bytes], bytes | None]:
    """A resolver function: the record for a name, None when the name has none."""
    return lambda name: records.get(name.decode())


@pytest.fixture
def company_dns(keys: dict[str, Key]) -> Callable[[bytes], bytes | None]:
    return _dns(
        {
            "s1._domainkey.company.test.": keys["company.test"].record,
            "s1._domainkey.evil.example.": keys["evil.example"].record,
        }
    )


@pytest.fixture
def our_server(settings) -> str:
    settings.REPLY_AUTHSERV_ID = OUR_ID
    return OUR_ID


def _with_results(message: bytes, *values: str) -> bytes:
    """The message as delivered: each value an Authentication-Results header, topmost first."""
    return b"".join(f"Authentication-Results: {v}\r\n".encode() for v in values) + message


# DKIM


def test_a_reply_signed_by_its_from_domain_passes_and_authenticates_that_domain(keys, company_dns):
    signed = _sign(REPLY, keys["company.test"], "company.test")

    evidence = check_sender(signed, dnsfunc=company_dns)

    assert evidence.from_address == "ceo@company.test"
    assert evidence.from_domain == "company.test"
    assert [(r.domain, r.selector, r.result) for r in evidence.dkim] == [
        ("company.test", "s1", "pass")
    ]
    assert evidence.dkim_pass_domains == ("company.test",)
    assert authenticated_domains(evidence) == {"company.test"}
    assert evidence.problems == ()


def test_one_changed_body_byte_fails_the_signature(keys, company_dns):
    signed = _sign(REPLY, keys["company.test"], "company.test")
    altered = signed.replace(b"removed the works", b"removed the workz")

    evidence = check_sender(altered, dnsfunc=company_dns)

    assert evidence.dkim[0].result == "fail"
    assert "body hash mismatch" in evidence.dkim[0].reason
    assert authenticated_domains(evidence) == set()


def test_a_changed_signed_header_fails_the_signature(keys, company_dns):
    signed = _sign(REPLY, keys["company.test"], "company.test")
    altered = signed.replace(b"Subject: Re: Notice", b"Subject: Fw: Notice")

    evidence = check_sender(altered, dnsfunc=company_dns)

    assert evidence.dkim[0].result == "fail"
    assert evidence.dkim_pass_domains == ()


def test_a_key_missing_from_dns_is_a_permerror_where_dkimpy_says_only_false(keys):
    signed = _sign(REPLY, keys["company.test"], "company.test")
    no_records = _dns({})

    evidence = check_sender(signed, dnsfunc=no_records)

    # dkimpy's own verify() gives False, the same answer as a forged signature.
    assert dkim.verify(signed, dnsfunc=lambda name, timeout=5: None) is False
    assert evidence.dkim[0].result == "permerror"
    assert "no key published at s1._domainkey.company.test." in evidence.dkim[0].reason


def test_a_dns_failure_is_a_temperror_not_a_fail(keys):
    signed = _sign(REPLY, keys["company.test"], "company.test")

    def broken_resolver(name: bytes) -> bytes | None:
        raise TimeoutError("no answer in 5 s")

    evidence = check_sender(signed, dnsfunc=broken_resolver)

    assert evidence.dkim[0].result == "temperror"
    assert "no answer in 5 s" in evidence.dkim[0].reason


def test_a_broken_key_in_dns_is_a_permerror(keys):
    signed = _sign(REPLY, keys["company.test"], "company.test")
    broken = _dns({"s1._domainkey.company.test.": b"v=DKIM1; k=rsa; p=bm90IGEga2V5"})

    evidence = check_sender(signed, dnsfunc=broken)

    assert evidence.dkim[0].result == "permerror"
    assert "unusable" in evidence.dkim[0].reason


def test_a_signature_by_another_domain_passes_for_it_but_does_not_authenticate_the_from(
    keys, company_dns
):
    signed = _sign(REPLY, keys["evil.example"], "evil.example")

    evidence = check_sender(signed, dnsfunc=company_dns)

    assert evidence.from_domain == "company.test"
    assert evidence.dkim_pass_domains == ("evil.example",)
    assert authenticated_domains(evidence) == set()


def test_a_subdomain_signature_authenticates_the_from_domain_by_relaxed_alignment(keys):
    signed = _sign(REPLY, keys["company.test"], "mail.company.test")
    records = _dns({"s1._domainkey.mail.company.test.": keys["company.test"].record})

    evidence = check_sender(signed, dnsfunc=records)

    assert evidence.dkim_pass_domains == ("mail.company.test",)
    assert authenticated_domains(evidence) == {"company.test"}


def test_every_signature_is_checked_not_only_the_first(keys, company_dns):
    by_company = _sign(REPLY, keys["company.test"], "company.test")
    # A mailing list or forwarder adds its signature on top, then changes nothing else.
    both = _sign(by_company, keys["evil.example"], "evil.example")

    evidence = check_sender(both, dnsfunc=company_dns)

    assert [(r.domain, r.result) for r in evidence.dkim] == [
        ("evil.example", "pass"),
        ("company.test", "pass"),
    ]
    assert authenticated_domains(evidence) == {"company.test"}


def test_only_the_first_five_signatures_are_checked_and_the_rest_is_a_problem(keys, company_dns):
    signed = REPLY
    for _ in range(MAX_SIGNATURES + 2):
        signed = _sign(signed, keys["company.test"], "company.test")
    asked: list[bytes] = []

    def counting(name: bytes) -> bytes | None:
        asked.append(name)
        return company_dns(name)

    evidence = check_sender(signed, dnsfunc=counting)

    assert len(evidence.dkim) == MAX_SIGNATURES
    assert len(asked) == MAX_SIGNATURES
    assert any("7 DKIM signatures" in p for p in evidence.problems)


def test_an_rsa_sha1_signature_verifies_but_is_not_accepted(keys, company_dns):
    signed = _sign(REPLY, keys["company.test"], "company.test", signature_algorithm=b"rsa-sha1")

    evidence = check_sender(signed, dnsfunc=company_dns)

    assert evidence.dkim[0].result == "policy"
    assert "RFC 8301" in evidence.dkim[0].reason
    assert authenticated_domains(evidence) == set()


def test_a_signature_over_part_of_the_body_does_not_vouch_for_text_added_below(keys, company_dns):
    signed = _sign(REPLY, keys["company.test"], "company.test", length=True)
    extended = signed + b"P.S. We also agree to pay 1,000,000 EUR.\r\n"

    evidence = check_sender(extended, dnsfunc=company_dns)

    assert evidence.dkim[0].result == "policy"
    assert "l=" in evidence.dkim[0].reason
    assert authenticated_domains(evidence) == set()


@pytest.mark.parametrize(
    "signature",
    [
        b"DKIM-Signature: garbage\r\n",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=company.test; s=s1; b=!!!; bh=???; h=from\r\n",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=company.test; d=again.test; s=s1\r\n",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=com(pany.test; s=s1; h=from; bh=AAAA; b=AAAA\r\n",
        b"DKIM-Signature: v=1; a=rsa-sha256; c=odd/odd; d=company.test; s=s1; h=from;"
        b" bh=AAAA; b=AAAA\r\n",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=\xff\xfe.test; s=s1; h=from; bh=AAAA; b=AAAA\r\n",
        b"DKIM-Signature: v=1; d=company.test; s=s1; h=" + b"from:" * 20_000 + b"\r\n",
    ],
    ids=["no-tags", "bad-base64", "duplicate-tag", "bad-domain", "bad-c", "8-bit", "huge"],
)
def test_a_hostile_signature_is_a_permerror_and_never_an_exception(signature, company_dns):
    evidence = check_sender(signature + REPLY, dnsfunc=company_dns)

    assert [r.result for r in evidence.dkim] == ["permerror"]
    assert evidence.from_address == "ceo@company.test"


def test_headers_dkim_cannot_parse_are_a_problem_and_nothing_is_believed(our_server):
    raw = _with_results(b"not a header line\r\n" + REPLY, f"{OUR_ID}; dmarc=pass")

    evidence = check_sender(raw, dnsfunc=_dns({}))

    assert evidence.from_address == ""
    assert evidence.dmarc == ""
    assert "could not be parsed" in evidence.problems[0]


# From


def test_two_from_headers_leave_no_sender_and_say_why(keys, company_dns):
    signed = _sign(REPLY, keys["company.test"], "company.test")
    doubled = b"From: ceo@evil.example\r\n" + signed

    evidence = check_sender(doubled, dnsfunc=company_dns)

    assert evidence.from_address == ""
    assert evidence.from_domain == ""
    assert "2 From headers" in evidence.problems[0]
    assert authenticated_domains(evidence) == set()


@pytest.mark.parametrize(
    "from_header",
    [b"From: ceo@company.test, cfo@company.test\r\n", b"From: undisclosed\r\n"],
    ids=["two-addresses", "no-address"],
)
def test_a_from_without_exactly_one_address_leaves_no_sender(from_header):
    raw = REPLY.replace(b"From: CEO <ceo@company.test>\r\n", from_header)

    evidence = check_sender(raw, dnsfunc=_dns({}))

    assert evidence.from_address == ""
    assert "does not hold one address" in evidence.problems[0]


def test_an_unquoted_comma_in_the_display_name_still_gives_the_one_address():
    raw = REPLY.replace(b"From: CEO <", b"From: Smith, John <")

    evidence = check_sender(raw, dnsfunc=_dns({}))

    assert evidence.from_address == "ceo@company.test"
    assert evidence.problems == ()


def test_a_missing_from_is_a_problem():
    raw = REPLY.replace(b"From: CEO <ceo@company.test>\r\n", b"")

    evidence = check_sender(raw, dnsfunc=_dns({}))

    assert evidence.from_address == ""
    assert "0 From headers" in evidence.problems[0]


# Authentication-Results


GOOD_RESULTS = (
    f"{OUR_ID}; spf=pass smtp.mailfrom=bounces@company.test;"
    " dkim=pass header.d=company.test; dmarc=pass (p=reject) header.from=company.test"
)


def test_our_servers_results_are_believed(our_server):
    raw = _with_results(REPLY, GOOD_RESULTS)

    evidence = check_sender(raw, dnsfunc=_dns({}))

    assert (evidence.spf, evidence.spf_domain) == ("pass", "company.test")
    assert (evidence.dmarc, evidence.dmarc_domain) == ("pass", "company.test")
    assert evidence.authserv_id == OUR_ID
    assert authenticated_domains(evidence) == {"company.test"}
    assert spf_pass_for(evidence, "CEO@company.test")
    assert not spf_pass_for(evidence, "cfo@company.test")


def test_results_written_by_another_server_are_ignored(our_server):
    raw = _with_results(REPLY, GOOD_RESULTS.replace(OUR_ID, "mx.company.test"))

    evidence = check_sender(raw, dnsfunc=_dns({}))

    assert (evidence.spf, evidence.dmarc, evidence.authserv_id) == ("", "", "")
    assert authenticated_domains(evidence) == set()
    assert not spf_pass_for(evidence, "ceo@company.test")


def test_a_header_claiming_our_id_below_ours_is_ignored_and_noted(our_server):
    ours = f"{OUR_ID}; spf=fail smtp.mailfrom=company.test; dmarc=fail header.from=company.test"
    raw = _with_results(REPLY, ours, GOOD_RESULTS)

    evidence = check_sender(raw, dnsfunc=_dns({}))

    assert (evidence.spf, evidence.dmarc) == ("fail", "fail")
    assert authenticated_domains(evidence) == set()
    assert any("claiming mx.rights-holder.test below ours" in p for p in evidence.problems)


def test_ours_is_found_below_a_header_from_another_id(our_server):
    raw = _with_results(REPLY, "filter.internal.test; none", GOOD_RESULTS)

    evidence = check_sender(raw, dnsfunc=_dns({}))

    assert evidence.dmarc == "pass"


def test_without_our_authserv_id_configured_nothing_is_believed(settings):
    settings.REPLY_AUTHSERV_ID = ""
    raw = _with_results(REPLY, GOOD_RESULTS)

    evidence = check_sender(raw, dnsfunc=_dns({}))

    assert (evidence.spf, evidence.dmarc, evidence.authserv_id) == ("", "", "")
    assert authenticated_domains(evidence) == set()


def test_dmarc_pass_for_another_domain_does_not_authenticate_the_from(our_server):
    raw = _with_results(REPLY, f"{OUR_ID}; dmarc=pass header.from=evil.example")

    evidence = check_sender(raw, dnsfunc=_dns({}))

    assert evidence.dmarc_domain == "evil.example"
    assert authenticated_domains(evidence) == set()
    assert any("saw the From domain as evil.example" in p for p in evidence.problems)


def test_spf_pass_for_an_unaligned_envelope_does_not_vouch_for_the_from(our_server):
    raw = _with_results(REPLY, f"{OUR_ID}; spf=pass smtp.mailfrom=bulk@mailer.example")

    evidence = check_sender(raw, dnsfunc=_dns({}))

    assert evidence.spf == "pass"
    assert not spf_pass_for(evidence, "ceo@company.test")


@pytest.mark.parametrize(
    "value",
    [
        f"{OUR_ID}; spf=pass smtp.mailfrom=company.test (unclosed",
        f"{OUR_ID}; " + "(" * 5_000 + ")" * 5_000,
        f"{OUR_ID}; dmarc=pass header.from=company.test; " + "x" * 20_000,
    ],
    ids=["unclosed-comment", "deep-nesting", "huge"],
)
def test_an_unreadable_header_of_ours_believes_nothing_and_says_why(our_server, value):
    raw = _with_results(REPLY, value)

    evidence = check_sender(raw, dnsfunc=_dns({}))

    assert (evidence.spf, evidence.dmarc) == ("", "")
    assert any("Authentication-Results" in p for p in evidence.problems)


# Storage


def test_evidence_survives_a_json_round_trip(our_server, keys, company_dns):
    signed = _sign(REPLY, keys["company.test"], "company.test")
    raw = _with_results(b"From: x@evil.example\r\n" + signed, GOOD_RESULTS)
    evidence = check_sender(raw, dnsfunc=company_dns)

    stored = json.loads(json.dumps(evidence.to_json()))

    assert SenderEvidence.from_json(stored) == evidence
    assert evidence.dkim
    assert evidence.problems
    assert evidence.spf == "pass"


def test_evidence_stored_with_fewer_fields_reads_as_empty():
    evidence = SenderEvidence.from_json({"from_address": "ceo@company.test", "dkim": [{}]})

    assert evidence.from_address == "ceo@company.test"
    assert evidence.dkim[0].result == ""
    assert evidence.dkim_pass_domains == ()


# A real DNS server on loopback, for the default lookup


@dataclass
class LoopbackDns:
    port: int
    records: dict[str, bytes]
    servfail: set[str]


@pytest.fixture
def loopback_dns() -> Iterator[LoopbackDns]:
    """A UDP DNS server on 127.0.0.1: TXT answers from `records`, SERVFAIL for `servfail`,
    NXDOMAIN for anything else."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    server = LoopbackDns(port=sock.getsockname()[1], records={}, servfail=set())
    stop = threading.Event()

    def answer() -> None:
        while not stop.is_set():
            try:
                data, client = sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            name = query.question[0].name.to_text()
            if name in server.servfail:
                response.set_rcode(dns.rcode.SERVFAIL)
            elif name in server.records:
                text = server.records[name]
                chunks = " ".join(
                    f'"{text[i : i + 255].decode()}"' for i in range(0, len(text), 255)
                )
                response.answer.append(dns.rrset.from_text(name, 60, "IN", "TXT", chunks))
            else:
                response.set_rcode(dns.rcode.NXDOMAIN)
            sock.sendto(response.to_wire(), client)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    yield server
    stop.set()
    thread.join(timeout=2)
    sock.close()


def test_the_dns_lookup_reads_a_key_split_over_several_strings(keys, loopback_dns):
    loopback_dns.records["s1._domainkey.company.test."] = keys["company.test"].record
    signed = _sign(REPLY, keys["company.test"], "company.test")
    lookup = txt_lookup(nameservers=("127.0.0.1",), port=loopback_dns.port, timeout=2)

    evidence = check_sender(signed, dnsfunc=lookup)

    assert len(keys["company.test"].record) > 255  # a 2048-bit key needs two strings
    assert evidence.dkim[0].result == "pass"


def test_a_server_failure_is_a_temperror_and_no_such_name_a_permerror(keys, loopback_dns):
    loopback_dns.servfail.add("s1._domainkey.company.test.")
    signed = _sign(REPLY, keys["company.test"], "company.test")
    unknown = _sign(REPLY, keys["company.test"], "company.test", selector="gone")
    lookup = txt_lookup(nameservers=("127.0.0.1",), port=loopback_dns.port, timeout=2)

    failing = check_sender(signed, dnsfunc=lookup)
    missing = check_sender(unknown, dnsfunc=lookup)

    assert failing.dkim[0].result == "temperror"
    assert missing.dkim[0].result == "permerror"
    assert "no key published at gone._domainkey.company.test." in missing.dkim[0].reason


def test_a_dns_server_that_never_answers_is_a_temperror(keys):
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    signed = _sign(REPLY, keys["company.test"], "company.test")
    lookup = txt_lookup(nameservers=("127.0.0.1",), port=silent.getsockname()[1], timeout=0.5)

    try:
        evidence = check_sender(signed, dnsfunc=lookup)
    finally:
        silent.close()

    assert evidence.dkim[0].result == "temperror"
    assert "Timeout" in evidence.dkim[0].reason


# Organisational domains and alignment


@pytest.mark.parametrize(
    ("domain", "organisational"),
    [
        ("mail.company.co.uk", "company.co.uk"),
        ("company.co.uk", "company.co.uk"),
        ("co.uk", "co.uk"),
        ("a.b.company.com.au", "company.com.au"),
        ("MAIL.Company.Test.", "company.test"),
        ("tenant.github.io", "tenant.github.io"),
        ("münchen.de", "xn--mnchen-3ya.de"),
        ("a..b.com", "a..b.com"),
        ("", ""),
    ],
)
def test_organisational_domain(domain, organisational):
    assert organisational_domain(domain) == organisational


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("mail.company.co.uk", "company.co.uk", True),
        ("company.co.uk", "other.co.uk", False),
        ("co.uk", "company.co.uk", False),
        ("one.github.io", "two.github.io", False),
        ("bounce.company.test", "COMPANY.test", True),
        ("company.test", "company.test.evil.example", False),
        ("xn--mnchen-3ya.de", "mail.münchen.de", True),
        ("", "", False),
    ],
)
def test_aligned(a, b, expected):
    assert aligned(a, b) is expected
