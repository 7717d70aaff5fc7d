"""Which notice an inbound message belongs to, and whether its address proves it.

In order: a keyed address of ours among the recipients (a notice's Reply-To token, or a delivery
attempt's bounce address); the bare reference address of a letter sent before addresses carried
tokens; our own Message-ID in In-Reply-To/References; a notice reference quoted in the subject or
body. Only the first two prove which notice the message answers: Message-IDs and references are
predictable, so those name a notice for a person to confirm. Failing all of them, the sender's
domain suggests the company; otherwise nothing."""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

from warnings_app.domain.mail_tokens import AddressToken, read_detail
from warnings_app.integrations.mail_parse import ParsedMessage
from warnings_app.models import Company, DeliveryAttempt, Notice, Response

if TYPE_CHECKING:
    from collections.abc import Callable

Match = Response.Match
# Why a named notice is not proved (reasons shown to people, not secrets).
NO_TOKEN = "reference quoted but no token"  # noqa: S105
THREAD_NO_TOKEN = "answers our message but carries no token"  # noqa: S105
BAD_TOKEN = "the address token is not valid"  # noqa: S105
BARE_ADDRESS = "sent to the bare reference address of a letter that carried a token"


@dataclass
class Matched:
    method: str
    notice: Notice | None = None
    company: Company | None = None
    # The recipient address proves the notice (a valid token, or the bare address of a letter
    # sent before tokens): only then may the message act on it by itself.
    address_proves: bool = False
    problem: str = ""  # why the address proves nothing, when a notice is named
    attempt: DeliveryAttempt | None = None  # named by a valid bounce address


def _reference_pattern() -> re.Pattern[str]:
    prefix = re.escape(settings.NOTICE_REFERENCE_PREFIX)
    return re.compile(rf"\b{prefix}-(\d{{4}})-(\d{{6}})\b", re.IGNORECASE)


def _reference(match: re.Match[str]) -> str:
    return f"{settings.NOTICE_REFERENCE_PREFIX}-{match.group(1)}-{match.group(2)}"


def _details(recipients: list[str]) -> list[str]:
    """The "+detail" of each recipient address on our reply mailbox."""
    local, _, domain = settings.NOTICE_REPLY_MAILBOX.lower().partition("@")
    pattern = re.compile(rf"^{re.escape(local)}\+(.+)@{re.escape(domain)}$")
    found = (pattern.match(address.lower().strip()) for address in recipients)
    return list(dict.fromkeys(m.group(1) for m in found if m))


def _by_token(token: AddressToken) -> Matched | None:
    if token.attempt_id is not None:
        attempt = (
            DeliveryAttempt.objects.select_related("notice__company")
            .filter(pk=token.attempt_id, channel="email")
            .first()
        )
        if attempt is None:
            return None
        sent = attempt.notice
        if not token.valid:
            return Matched(Match.REPLY_ADDRESS, sent, sent.company, problem=BAD_TOKEN)
        return Matched(Match.REPLY_ADDRESS, sent, sent.company, True, attempt=attempt)
    notice = Notice.objects.select_related("company").filter(reference=token.reference).first()
    if notice is None:
        return None
    if not token.valid:
        return Matched(Match.REPLY_ADDRESS, notice, notice.company, problem=BAD_TOKEN)
    return Matched(Match.REPLY_ADDRESS, notice, notice.company, True)


def _by_bare_reference(detail: str) -> Matched | None:
    """An older letter's Reply-To carried the bare reference. Replies to those come for years,
    so the address still names the notice, and proves it while no letter of that notice has
    carried a token (someone who guesses a newer letter's reference proves nothing)."""
    found = _reference_pattern().fullmatch(detail)
    if found is None:
        return None
    notice = Notice.objects.select_related("company").filter(reference=_reference(found)).first()
    if notice is None:
        return None
    emailed = DeliveryAttempt.objects.filter(notice=notice, channel="email")
    if emailed.exists() and not emailed.exclude(reply_to="").exists():
        return Matched(Match.REPLY_ADDRESS, notice, notice.company, True)
    return Matched(Match.REPLY_ADDRESS, notice, notice.company, problem=BARE_ADDRESS)


def _by_address(recipients: list[str]) -> Matched | None:
    """The best of the recipient addresses: one that proves its notice, else one that names one."""
    named: Matched | None = None
    for detail in _details(recipients):
        token = read_detail(detail)
        matched = _by_token(token) if token is not None else _by_bare_reference(detail)
        if matched is not None and matched.address_proves:
            return matched
        named = named or matched
    return named


def _by_thread(parsed: ParsedMessage) -> Notice | None:
    domain = re.escape(settings.MESSAGE_ID_DOMAIN)
    ours = re.compile(rf"<[^<>@]+\.(\d{{1,18}})@{domain}>", re.IGNORECASE)
    for value in [parsed.in_reply_to, *parsed.references]:
        for found in ours.finditer(value):
            notice = Notice.objects.filter(pk=int(found.group(1))).first()
            if notice is not None and value.startswith(f"<{notice.reference}."):
                return notice
    return None


def _by_reference(parsed: ParsedMessage) -> Notice | None:
    pattern = _reference_pattern()
    for text in (parsed.subject, parsed.text[:20_000]):
        references = list(dict.fromkeys(_reference(m) for m in pattern.finditer(text)))
        if references:
            notice = Notice.objects.filter(reference__in=references[:1]).first()
            if notice is not None:
                return notice
    return None


def company_for_domain(address: str) -> Company | None:
    """The company whose domain is the address's domain or a parent of it."""
    domain = address.rpartition("@")[2].lower().strip(".")
    if not domain:
        return None
    labels = domain.split(".")
    candidates = [".".join(labels[i:]) for i in range(len(labels) - 1)]
    companies = {c.domain: c for c in Company.objects.filter(domain__in=candidates)}
    return next((companies[c] for c in candidates if c in companies), None)


def match_message(parsed: ParsedMessage) -> Matched:
    by_address = _by_address(parsed.recipients)
    if by_address is not None:
        return by_address
    finders: list[tuple[str, Callable[[], Notice | None], str]] = [
        (Match.THREAD, lambda: _by_thread(parsed), THREAD_NO_TOKEN),
        (Match.REFERENCE, lambda: _by_reference(parsed), NO_TOKEN),
    ]
    for method, finder, problem in finders:
        notice = finder()
        if notice is not None:
            return Matched(method, notice, notice.company, problem=problem)
    company = company_for_domain(parsed.sender) if parsed.sender else None
    if company is not None:  # a suggestion for a person to confirm, never a notice by itself
        return Matched(Match.DOMAIN, None, company)
    return Matched(Match.UNMATCHED)
