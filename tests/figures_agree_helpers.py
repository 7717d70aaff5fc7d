"""The register the figures-agree tests read (seed_scale's 2,000 letters plus the cases it does
not make), built once per test module, and the figures every page should show for a filter,
worked out in plain Python over the rows from the business wording (domain/matters.py, the
dashboard's labels, selectors/letter_filters.py), never by calling the code that shows them."""

import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from functools import cache
from typing import Any

import holidays
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from tests.factories import CompanyFactory, UserFactory, make_notice
from warnings_app.domain.matters import overdue_matters
from warnings_app.models import Company, DeliveryAttempt, FollowUp, Notice, Response
from warnings_app.reports.dashboard.rollup import figures_refresh
from warnings_app.services.outcomes import notices_hold
from warnings_app.services.replies import reply_ingest

NOTICES = 2000
OUTSIDE_COUNTRY = "GB"  # where the edge cases and the letters outside any campaign go
EDGE_COMPANY = "Edge Cases Ltd"


@contextmanager
def register_built(django_db_blocker: Any) -> Iterator[None]:
    """The register, inside a transaction rolled back when the module's tests are done (each
    test's own transaction nests in it as a savepoint)."""
    with django_db_blocker.unblock(), transaction.atomic():
        build_register()
        yield
        transaction.set_rollback(True)


def build_register() -> None:
    call_command("seed_scale", notices=NOTICES, stdout=io.StringIO())
    overdue = list(overdue_matters(timezone.localdate())[:40])
    _mail_from_company_domains(overdue[:25])
    # Held letters stay overdue: a hold stops the chasing, not the deadline.
    notices_hold(notices=overdue[20:40], by=UserFactory(role="Legal"), reason="settlement talks")
    _edge_cases(overdue[0])
    figures_refresh()
    for role, username in (("Manager", "agree-manager"), ("Paralegal", "agree-paralegal")):
        UserFactory(username=username, role=role)


def _mail_from_company_domains(letters: list[Notice]) -> None:
    """Mail from each letter's company with no reference: the inbox ties it to the company by
    its domain only, which is no answer until a person ties it to the letter."""
    for n, letter in enumerate(letters):
        message = EmailMessage()
        message["From"] = f"someone@{letter.company.domain}"
        message["To"] = settings.NOTICE_REPLY_MAILBOX
        message["Subject"] = "About your letter"
        message["Message-ID"] = f"<domain-only-{n}@{letter.company.domain}>"
        message.set_content("We are looking into it.")
        reply_ingest(raw=message.as_bytes(), source="test")


def _edge_cases(overdue: Notice) -> None:
    """What seed_scale does not make, for a company of its own: letters on each side of the
    rules' edges in one campaign (answered on the deadline day, which is not late; due today,
    which is not overdue yet; due yesterday with only a reply guessed from the sender's domain
    and tied to it, which is, and its ladder steps due this week and next), letters outside any
    campaign (answered after the deadline; overdue with only a bounce report and an
    out-of-office; never sent), a message in triage, and a reply to classify snoozed."""
    today, approver = timezone.localdate(), UserFactory(role="Legal")
    company = CompanyFactory(legal_name=EDGE_COMPANY, country=OUTSIDE_COUNTRY, segment="platform")
    yesterday = today - timedelta(days=1)

    def at(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(12)))

    def letter(status: str, due: date, in_campaign: bool = True) -> Notice:
        campaign = overdue.campaign if in_campaign else None
        made, sent_at = make_notice(company=company, campaign=campaign), at(today - timedelta(60))
        Notice.objects.filter(pk=made.pk).update(
            status=status, sent_at=sent_at, approved_by=approver, due_date=due
        )
        DeliveryAttempt.objects.create(
            notice=made, channel="email", outcome="accepted", idempotency_key=f"x-{made.pk}",
            started_at=sent_at,
        )  # fmt: skip
        return made

    def message(notice: Notice | None, kind: str, **facts: Any) -> None:
        facts.setdefault("received_at", at(yesterday))
        Response.objects.create(
            notice=notice, company=company, channel="email", kind=kind, **facts
        )  # fmt: skip

    on_time = letter("responded", yesterday)
    message(on_time, "reply", matched_by="reference", outcome="complied")
    letter("delivered", today)
    guessed = letter("delivered", yesterday)
    message(guessed, "reply", matched_by="domain")  # tied by the sender's domain: no answer yet
    monday = at(today - timedelta(days=today.weekday()))
    steps = overdue.campaign.steps.order_by("order")  # the first this week, the next one next
    for step, days in zip(steps, (1, 8), strict=True):
        FollowUp.objects.create(notice=guessed, step=step, due_at=monday + timedelta(days=days))
    late = letter("responded", today - timedelta(30), in_campaign=False)
    message(late, "reply", matched_by="thread", outcome="disputes")
    unanswered = letter("delivered", yesterday, in_campaign=False)
    message(unanswered, "bounce", matched_by="thread")
    message(unanswered, "automatic", matched_by="thread")
    make_notice(company=company)  # a draft, never sent
    message(None, "reply", matched_by="unmatched", received_at=timezone.now())
    message(overdue, "reply", matched_by="reply_address", snoozed_until=today + timedelta(7))


# --- The rows, read plainly -----------------------------------------------------------------


@dataclass
class Letter:
    pk: int
    reference: str
    company: int
    campaign: int | None
    segment: str
    country: str
    status: str
    sent_on: date | None  # the local day it went out
    due: date | None
    follows: int | None
    first: bool  # a first letter (no ladder step): a matter


@dataclass
class Rows:
    today: date
    letters: dict[int, Letter]
    replies: list[dict[str, Any]]
    accepted: set[int]
    bounced: set[int]
    follow_ups: list[tuple[int, str, datetime]]
    companies: int
    edge_company: int

    def matter_of(self, letter: Letter) -> Letter:
        """A reminder belongs to the first letter it follows."""
        return self.letters[letter.follows] if letter.follows else letter


def rows_read() -> Rows:
    def day(moment: datetime | None) -> date | None:
        return timezone.localtime(moment).date() if moment else None

    fields = (
        "pk", "reference", "company_id", "campaign_id", "company__segment", "company__country",
        "status", "sent_at", "due_date", "follows_id", "ladder_step_id",
    )  # fmt: skip
    letters = {
        pk: Letter(pk, ref, co, campaign, seg, country, status, day(sent), due, follows, not step)
        for pk, ref, co, campaign, seg, country, status, sent, due, follows, step in (
            Notice.objects.values_list(*fields)
        )
    }
    attempts = DeliveryAttempt.objects.values_list("notice_id", "outcome")
    return Rows(
        today=timezone.localdate(),
        letters=letters,
        replies=list(
            Response.objects.values(
                "pk", "notice_id", "kind", "matched_by", "outcome", "received_at", "snoozed_until"
            )
        ),
        accepted={pk for pk, outcome in attempts if outcome == "accepted"},
        bounced={pk for pk, outcome in attempts if outcome == "bounced"},
        follow_ups=list(FollowUp.objects.values_list("notice_id", "status", "due_at")),
        companies=Company.objects.count(),
        edge_company=Company.objects.get(legal_name=EDGE_COMPANY).pk,
    )


# --- A filter, in the business's words (selectors/letter_filters.py) -----------------------


@dataclass(frozen=True)
class Choice:
    name: str
    campaign: int | None = None
    segment: str = ""
    country: str = ""
    status: str = ""
    since: date | None = None
    until: date | None = None

    def query(self) -> dict[str, str]:
        values = {
            "campaign": self.campaign, "segment": self.segment, "country": self.country,
            "status": self.status, "since": self.since, "until": self.until,
        }  # fmt: skip
        return {k: str(v) for k, v in values.items() if v}

    @property
    def anything(self) -> bool:
        return bool(self.query())

    def chooses(self, rows: Rows, letter: Letter, *, with_status: bool = True) -> bool:
        """Campaign, segment and jurisdiction of the letter; its own status; and the day its
        matter's first letter went out (a reminder comes with its first letter)."""
        if self.campaign and letter.campaign != self.campaign:
            return False
        if (self.segment and letter.segment != self.segment) or (
            self.country and letter.country != self.country
        ):
            return False
        if with_status and self.status and letter.status != self.status:
            return False
        if self.since or self.until:
            sent = rows.matter_of(letter).sent_on
            if sent is None or (self.since and sent < self.since):
                return False
            if self.until and sent > self.until:
                return False
        return True


# --- What the pages should show ----------------------------------------------------------------


def _is_answer(reply: dict[str, Any]) -> bool:
    """A reply tied to a letter; not a bounce report, not an automatic reply, and not matched by
    the sender's domain alone."""
    return reply["kind"] == "reply" and reply["notice_id"] and reply["matched_by"] != "domain"


@cache
def _public_holidays(country: str, first_year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=range(first_year, first_year + 3))


def business_days(start: date, end: date, country: str) -> int:
    """Business days of `country` after `start` up to and including `end` (weekends and its
    public holidays are not)."""
    calendar = _public_holidays(country, start.year)
    return sum(
        1
        for n in range(1, (end - start).days + 1)
        if (start + timedelta(n)).weekday() < 5 and start + timedelta(n) not in calendar
    )


def _monday(moment: datetime) -> date:
    local = timezone.localtime(moment).date()
    return local - timedelta(days=local.weekday())


@dataclass
class Expected:
    matters: list[Letter] = field(default_factory=list)  # sent first letters chosen
    totals: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    reply_days: list[int] = field(default_factory=list)
    reply_weeks: Counter[date] = field(default_factory=Counter)
    by_segment: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_country: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_campaign: dict[int | None, list[int]] = field(default_factory=lambda: defaultdict(list))
    issued_by_campaign: Counter[int | None] = field(default_factory=Counter)
    overdue: set[int] = field(default_factory=set)
    replied: set[int] = field(default_factory=set)
    late: set[int] = field(default_factory=set)
    steps_due_this_week: int = 0

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.reply_days) if self.reply_days else None


def expected_figures(rows: Rows, choice: Choice) -> Expected:
    """The dashboard's figures for the choice (it counts matters whose first letter went out;
    it has no status filter, so a status choice is ignored here as it is there)."""
    answers: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for reply in rows.replies:
        if _is_answer(reply):
            answers[rows.matter_of(rows.letters[reply["notice_id"]]).pk].append(reply)
    out = Expected()
    for m in rows.letters.values():
        if not (m.first and m.sent_on and choice.chooses(rows, m, with_status=False)):
            continue
        out.matters.append(m)
        got = sorted(answers.get(m.pk, []), key=lambda r: (r["received_at"], r["pk"]))
        classified = [r["outcome"] for r in got if r["outcome"] != "unclassified"]
        overdue = m.status in {"sent", "delivered", "bounced"} and bool(
            m.due and m.due < rows.today and not got
        )
        first_reply = timezone.localtime(got[0]["received_at"]).date() if got else None
        counts = {
            "issued": 1,
            "delivered": m.pk in rows.accepted,
            "bounced": m.pk in rows.bounced and m.pk not in rows.accepted,
            "replied": bool(got),
            "replied_late": bool(got and m.due and first_reply > m.due),
            "resolved": m.status in {"resolved", "closed"},
            "overdue": overdue,
        }
        out.totals.update({k: int(v) for k, v in counts.items()})
        out.statuses[m.status] += 1
        out.issued_by_campaign[m.campaign] += 1
        for group in (out.by_segment[m.segment], out.by_country[m.country]):
            group["issued"] += 1
            group["replied"] += 0  # shown as 0, not left out
        if overdue:
            out.overdue.add(m.pk)
        if not got:
            continue
        out.replied.add(m.pk)
        if counts["replied_late"]:
            out.late.add(m.pk)
        outcome = classified[-1] if classified else "unclassified"
        out.outcomes[outcome] += 1
        for group in (out.by_segment[m.segment], out.by_country[m.country]):
            group["replied"] += 1
            group[outcome] += 1
        days = business_days(m.sent_on, first_reply, m.country)
        out.reply_days.append(days)
        out.by_campaign[m.campaign].append(days)
        out.reply_weeks.update(_monday(r["received_at"]) for r in got)
    chosen = {
        pk for pk, letter in rows.letters.items() if choice.chooses(rows, letter, with_status=False)
    }
    monday = rows.today - timedelta(days=rows.today.weekday())
    out.steps_due_this_week = sum(
        1
        for notice, status, due in rows.follow_ups
        if notice in chosen
        and status in {"scheduled", "awaiting_approval"}
        and monday <= timezone.localtime(due).date() < monday + timedelta(days=7)
    )
    return out


def expected_rows(rows: Rows, choice: Choice) -> dict[str, int]:
    """Data rows of each export: every letter the choice picks (reminders and letters never
    sent included), their delivery attempts, and the messages tied to them (with no filter,
    every message, those in triage too)."""
    letters = {pk for pk, letter in rows.letters.items() if choice.chooses(rows, letter)}
    attempts = DeliveryAttempt.objects.values_list("notice_id", flat=True)
    return {
        "notices": len(letters),
        "deliveries": sum(1 for notice in attempts if notice in letters),
        "replies": sum(1 for r in rows.replies if r["notice_id"] in letters or not choice.anything),
    }
