"""A register at scale, for load, dashboard and export work. `build()` makes, in memory and from
one seeded random generator (the same seed and day give the same rows):

- N/20 companies (at least 12) in 20 jurisdictions and every segment, each with a legal-notices
  contact;
- 12 campaigns sent over the past ten months, each with a two-step ladder (a reminder after 10
  business days, a hand-off to counsel after 25);
- N notices: 60 % first letters, the rest reminders that follow a first letter;
- on average 2.5 delivery attempts, 0.4 replies and 10 audit events per notice, a few demand
  answers, and the ladder's follow-ups.

Each letter's history is played through the real state machine (`lifecycle.TRANSITIONS`); the
notice's fields, its delivery attempts and its audit events are all read off that one history,
so they agree. Nothing happens after `now`. Primary keys are handed out in time order, so ids,
references and the audit log run in the order things happened.

The fixed totals cannot all hold a complete audit trail: 2.5 attempts per notice already cost
five claim-and-outcome events per notice. Where the audit budget runs short, some retries after
a transient failure (a claim and its release) are left out of the log; where it is not used up,
lawyers' PDF downloads fill it.

Longer than most modules: a letter's history has many branches, and splitting it would scatter
one story over several files. Each method plays one part of it."""

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from math import ceil
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from warnings_app import demo_data
from warnings_app.deadlines import Deadline, business_days_after
from warnings_app.lifecycle import TRANSITIONS, NoticeStatus
from warnings_app.models import (
    AuditEvent,
    Campaign,
    Company,
    Contact,
    DeliveryAttempt,
    DemandAnswer,
    FollowUp,
    LadderStep,
    Notice,
    Response,
)
from warnings_app.normalise import company_name_key

S = NoticeStatus
OUT = (S.SENT, S.DELIVERED, S.BOUNCED)
CAMPAIGNS = 12
REMINDER_AFTER, HANDOFF_AFTER, WINDOW = 10, 25, 15
# Models whose primary keys the seed chooses, because other rows point at them.
ID_MODELS = (Company, Contact, Campaign, LadderStep, Notice, DeliveryAttempt, Response, AuditEvent)

# Jurisdiction: (weight, legal form, city). Every one has a calendar in the `holidays` package.
COUNTRIES = {
    "US": (26, "Inc.", "Springfield"),
    "GB": (12, "Ltd", "Ashford"),
    "DE": (9, "GmbH", "Neustadt"),
    "FR": (7, "SAS", "Villeneuve"),
    "NL": (4, "B.V.", "Hoorn"),
    "IE": (3, "Ltd", "Kilmore"),
    "SE": (3, "AB", "Lund"),
    "ES": (3, "S.L.", "Villanueva"),
    "IT": (3, "S.r.l.", "Borgo"),
    "CA": (4, "Inc.", "Riverton"),
    "AU": (3, "Pty Ltd", "Newtown"),
    "JP": (4, "K.K.", "Minato"),
    "KR": (4, "Co., Ltd.", "Jung-gu"),
    "IN": (4, "Pvt Ltd", "Nagar"),
    "BR": (3, "Ltda.", "Campinas"),
    "CH": (2, "AG", "Oberdorf"),
    "NO": (2, "AS", "Moss"),
    "DK": (2, "ApS", "Nordby"),
    "FI": (2, "Oy", "Kallio"),
    "PL": (2, "sp. z o.o.", "Zielona"),
}
MORE_KINDS = ["Studio", "Research", "Digital", "Cloud", "Signal", "Collective"]
THEMES = [
    "Generative music services",
    "Foundation models, first wave",
    "Voice cloning apps",
    "Streaming and UGC platforms",
    "Dataset brokers",
    "Generative music, second wave",
    "Foundation models, second wave",
    "Voice cloning, follow-up",
    "Platforms, catalogue audit",
    "Dataset scrapers",
    "Lyrics and stem generators",
    "Autumn sweep",
]
# How often a company's mail server says "try again later" (weight: share of companies).
FLAKINESS = {0: 35, 1: 45, 3: 15, 8: 5}
TRANSIENT_REPLIES = [
    "451 4.7.1 Greylisted, please try again later",
    "421 4.4.2 mx1: connection timed out",
    "450 4.2.0 Mailbox temporarily unavailable",
    "connection failed before the message was handed over: TimeoutError('timed out')",
]
REFUSED = "550 5.1.1 <{}>: Recipient address rejected: User unknown in virtual mailbox table"
BOUNCE_REPORT = "bounced: 5.1.1 The email account that you tried to reach does not exist"
UNCLASSIFIED_SHARE = 0.15
# What replies say (weights), and a few sentences of each.
TONES = {
    "acknowledged": (20, "We acknowledge receipt of your letter {ref}. Our legal team is "
                     "reviewing it and will respond in due course."),
    "complied": (15, "Further to your letter {ref}, we confirm that none of the listed works "
                 "was used to train our models. We have deleted the copies we held."),
    "disputes": (12, "We reject the allegations in your letter {ref}. Our training data was "
                 "lawfully obtained and no reservation of rights applied to it."),
    "claims_licence": (10, "Your letter {ref} overlooks that we use the works under a licence "
                       "from a collecting society. We can share the agreement on request."),
    "requests_talks": (12, "Thank you for your letter {ref}. We would welcome a conversation "
                       "about licensing your clients' catalogue for model training."),
    "refers_to_counsel": (10, "Please direct all further correspondence about {ref} to our "
                          "outside counsel, who are copied on this e-mail."),
    "other": (6, "Could you send us the schedule of works referred to in {ref} as a "
              "spreadsheet? The PDF did not open on our side."),
}  # fmt: skip


def target_counts(notices: int) -> dict[str, int]:
    """How many rows of each scaling kind a seed of `notices` notices makes."""
    return {
        "companies": max(CAMPAIGNS, ceil(notices / 20)),
        "campaigns": CAMPAIGNS,
        "notices": notices,
        "first_letters": round(notices * 0.6),
        "delivery_attempts": round(notices * 2.5),
        "replies": round(notices * 0.4),
        "audit_events": notices * 10,
    }


@dataclass(frozen=True)
class Fixed:
    """The few rows the command makes first, through the ORM."""

    lawyers: tuple[int, int]
    initial_version: int
    reminder_version: int
    initial_subject: str
    reminder_subject: str
    principal: int
    works: tuple[int, ...]


@dataclass
class Table:
    """Rows of one model, as dicts keyed by attribute name; `rows` may be a generator."""

    model: type[models.Model]
    rows: Any


@dataclass
class Seed:
    tables: list[Table]
    last_reference: dict[int, int]  # year -> last reference number used


@dataclass(eq=False, slots=True)
class _Company:
    pk: int
    legal_name: str
    domain: str
    country: str
    person: str
    flakiness: int
    contact: int


@dataclass(eq=False, slots=True)
class _Campaign:
    pk: int
    name: str
    author: int
    approver: int
    start: date
    status: str
    works: tuple[int, ...]
    steps: tuple[int, int]
    created_at: datetime
    generated_at: datetime
    approved_at: datetime
    queued_at: datetime
    send_days: int


@dataclass(eq=False, slots=True)
class _Event:
    at: datetime
    verb: str
    actor: int | None
    target: Any
    from_state: str = ""
    to_state: str = ""
    data: dict = field(default_factory=dict)
    dropped: bool = False


@dataclass(eq=False, slots=True)
class _Attempt:
    letter: Any
    outcome: str
    recipient: str
    reply: str
    started_at: datetime
    finished_at: datetime
    pk: int = 0


@dataclass(eq=False, slots=True)
class _Reply:
    letter: Any
    received_at: datetime
    ingested_at: datetime
    tone: str = "acknowledged"  # what the text says, whether or not anyone classified it
    outcome: str = "unclassified"
    classified_at: datetime | None = None
    classified_by: int | None = None
    demands: dict = field(default_factory=dict)
    pk: int = 0


@dataclass(eq=False, slots=True)
class _FollowUp:
    letter: Any
    step: int
    due_at: datetime
    status: str
    processed_at: datetime | None = None
    reason: str = ""
    result: Any = None


@dataclass(eq=False, slots=True)
class _Letter:
    campaign: _Campaign
    company: _Company
    created_by: int | None
    follows: Any = None
    created_at: datetime | None = None
    # The plan, chosen before the history is played.
    fate: str = "sent"  # sent, failed, withdrawn (before approval), withdrawn_approved
    delivery: str = "ok"  # ok, bounced (and left so), bounced_retried (then resent)
    extra_failures: int = 0  # transient failures before the last attempt
    reminder: Any = None
    reply_plan: str = ""  # "", early (to the first letter), late (to the reminder)
    more_replies: int = 0
    ending: str = "open"  # for a matter nobody answered: open, escalated or closed
    # What the history made of it.
    status: str = S.DRAFT
    status_changed_at: datetime | None = None
    rendered_at: datetime | None = None
    approved_at: datetime | None = None
    approved_by: int | None = None
    sent_at: datetime | None = None
    enqueued_at: datetime | None = None
    deadline: Deadline | None = None
    sha256: str = ""
    pages: int = 0
    size: int = 0
    pk: int = 0
    reference: str = ""


@cache
def _business_days(start: date, days: int, country: str) -> Deadline:
    # A campaign sends over one to three days: a few thousand distinct questions at most.
    return business_days_after(start, days, country)


def _at(day: date, hours: float) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()) + timedelta(hours=hours))


def _day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


class _Builder:
    def __init__(self, *, notices, seed, fixed, first_ids, last_reference, taken, now):
        self.rng = random.Random(seed)  # noqa: S311 — reproducible fake data, not secrets
        self.n, self.fixed, self.now = notices, fixed, now
        self.latest = now - timedelta(hours=1)  # nothing is played closer to now than this
        self.counts = target_counts(notices)
        self.ids = dict(first_ids)
        self.last_reference = dict(last_reference)
        self.taken_domains, self.taken_names = taken
        self.company_rows: list[dict] = []
        self.contact_rows: list[dict] = []
        self.events: list[_Event] = []
        self.attempts: list[_Attempt] = []
        self.replies: list[_Reply] = []
        self.follow_ups: list[_FollowUp] = []
        self.retry_pairs: list[tuple[_Event, _Event]] = []

    def take_id(self, model: type[models.Model]) -> int:
        pk = self.ids[model]
        self.ids[model] = pk + 1
        return pk

    def lawyer(self) -> int:
        return self.rng.choice(self.fixed.lawyers)

    def between(self, start: datetime, end: datetime) -> datetime:
        return start + (end - start) * self.rng.random()

    def before_now(self, moment: datetime, earliest: datetime) -> datetime:
        """`moment`, or a time between `earliest` and now if `moment` lies in the future."""
        return moment if moment < self.latest else self.between(earliest, self.latest)

    # --- history primitives ----------------------------------------------------------------

    def move(self, letter, name: str, at: datetime, actor, data: dict | None = None) -> _Event:
        """One transition of the real state machine, with its audit event."""
        step = TRANSITIONS[name]
        if not step.allows(letter.status):
            raise ValueError(f"seed bug: {name} is not allowed from {letter.status}")
        event = _Event(at, step.verb, actor, letter, letter.status, step.target, data or {})
        self.events.append(event)
        letter.status, letter.status_changed_at = step.target, at
        return event

    def note(self, at: datetime, verb: str, actor, target, data: dict) -> None:
        self.events.append(_Event(at, verb, actor, target, data=data))

    def finish(self, letter: _Letter, name: str, attempt: _Attempt) -> _Event:
        data = {"attempt_id": attempt, "reply": attempt.reply, "recipient": attempt.recipient}
        return self.move(letter, name, attempt.finished_at, None, data)

    # --- register --------------------------------------------------------------------------

    def companies(self) -> list[_Company]:
        """Distinct invented names; every jurisdiction and segment is used at least once."""
        rng, count = self.rng, self.counts["companies"]
        parts = (demo_data.NAME_HEADS, demo_data.NAME_TAILS, demo_data.NAME_KINDS + MORE_KINDS)
        combos = [f"{head}{tail} {kind}" for head, tail, kind in itertools.product(*parts)]
        names = rng.sample(combos, min(count, len(combos)))
        names += [f"{rng.choice(combos)} {n}" for n in range(len(names), count)]
        weights = [weight for weight, _, _ in COUNTRIES.values()]
        countries = (list(COUNTRIES) + rng.choices(list(COUNTRIES), weights, k=count))[:count]
        segment_weights = demo_data.SEGMENT_WEIGHTS
        segments = list(Company.Segment.values) + rng.choices(
            list(segment_weights), list(segment_weights.values()), k=count
        )
        segments = segments[:count]
        rng.shuffle(countries)
        rng.shuffle(segments)
        return [self.company(*row) for row in zip(names, countries, segments, strict=True)]

    def company(self, base: str, country: str, segment: str) -> _Company:
        rng = self.rng
        _, form, city = COUNTRIES[country]
        domain, suffix = f"{demo_data.slug(base)}.example", 2
        while domain in self.taken_domains:
            domain, suffix = f"{demo_data.slug(base)}-{suffix}.example", suffix + 1
        self.taken_domains.add(domain)
        person = rng.choice(demo_data.PEOPLE)
        flakiness = rng.choices(list(FLAKINESS), list(FLAKINESS.values()))[0]
        company = _Company(
            self.take_id(Company), f"{base} {form}", domain, country, person, flakiness,
            contact=self.take_id(Contact),
        )  # fmt: skip
        added = _at(self.now.date() - timedelta(days=rng.randint(320, 420)), rng.uniform(9, 18))
        earlier = self.company_rows and rng.random() < 0.03  # a few affiliates
        self.company_rows.append({
            "id": company.pk, "legal_name": company.legal_name, "aliases": base,
            "name_key": company_name_key(company.legal_name), "domain": domain,
            "website": f"https://{domain}/", "country": country, "segment": segment,
            "parent_id": rng.choice(self.company_rows)["id"] if earlier else None,
            "created_at": added, "updated_at": added, "created_by_id": self.fixed.lawyers[0],
        })  # fmt: skip
        self.contact_rows.append({
            "id": company.contact, "company_id": company.pk, "role": "legal_notices",
            "name": "Legal Department", "email": f"legal@{domain}",
            "address_line1": f"{rng.randint(1, 240)} {rng.choice(demo_data.STREETS)} Street",
            "city": city, "postal_code": f"{rng.randint(10000, 99999)}", "country": country,
            "created_at": added, "updated_at": added,
        })  # fmt: skip
        return company

    def campaigns(self) -> list[_Campaign]:
        """Twelve campaigns, one every 23 days, each generated on a Wednesday, approved on the
        Monday and sent from the Tuesday; the last one started about seven weeks ago."""
        rng, today = self.rng, timezone.localdate(self.now)
        made = []
        for k in range(CAMPAIGNS):
            start = today - timedelta(days=300 - 23 * k)
            start -= timedelta(days=(start.weekday() - 1) % 7)
            name = f"Wave {k + 1:02d}: {THEMES[k]}"
            while name in self.taken_names:
                name += " (scale)"
            lawyers, works = self.fixed.lawyers, self.fixed.works
            made.append(
                _Campaign(
                    self.take_id(Campaign), name, lawyers[k % 2], lawyers[(k + 1) % 2], start,
                    status="completed" if k < CAMPAIGNS - 2 else "sending",
                    works=tuple(works[(k + j) % len(works)] for j in range(3)),
                    steps=(self.take_id(LadderStep), self.take_id(LadderStep)),
                    created_at=_at(start - timedelta(days=8), rng.uniform(9, 12)),
                    generated_at=_at(start - timedelta(days=6), rng.uniform(10, 12)),
                    approved_at=_at(start - timedelta(days=1), rng.uniform(14, 17)),
                    queued_at=_at(start, 9.5),
                    send_days=rng.randint(1, 3),
                )
            )  # fmt: skip
        return made

    # --- plans -----------------------------------------------------------------------------

    def first_letters(self, campaigns, companies) -> dict[_Campaign, list[_Letter]]:
        """Each campaign writes once to each of its companies; a few letters never go out."""
        rng, total = self.rng, self.counts["first_letters"]
        sizes = [total // CAMPAIGNS] * CAMPAIGNS
        for k in rng.sample(range(CAMPAIGNS), total % CAMPAIGNS):
            sizes[k] += 1
        letters = {
            campaign: [_Letter(campaign, c, campaign.author) for c in rng.sample(companies, size)]
            for campaign, size in zip(campaigns, sizes, strict=True)
        }
        everyone = [letter for group in letters.values() for letter in group]
        unsent = 3 * max(1, round(total * 0.006))
        for i, letter in enumerate(rng.sample(everyone, unsent)):
            letter.fate = ("withdrawn", "withdrawn_approved", "failed")[i % 3]
        for letter in everyone:
            letter.delivery = self.delivery_pattern(bounced=0.04, retried=0.03)
        return letters

    def delivery_pattern(self, *, bounced: float, retried: float) -> str:
        roll = self.rng.random()
        if roll < bounced:
            return "bounced"
        return "bounced_retried" if roll < bounced + retried else "ok"

    def plan_reminders(self, firsts: list[_Letter]) -> list[_Letter]:
        wanted = self.n - len(firsts)
        pool = [f for f in firsts if f.fate == "sent" and f.delivery != "bounced"]
        if len(pool) < wanted:
            raise ValueError(f"only {len(pool)} letters can have reminders, {wanted} wanted")
        for first in self.rng.sample(pool, wanted):
            first.reminder = _Letter(first.campaign, first.company, None, follows=first)
            first.reminder.delivery = self.delivery_pattern(bounced=0.02, retried=0.02)
        return [f.reminder for f in firsts if f.reminder]

    def plan_replies(self, firsts: list[_Letter]) -> None:
        """Most matters without a reminder were answered before it fell due; about 60 % of the
        others answered the reminder. The rest of the replies are second replies."""
        rng, total = self.rng, self.counts["replies"]
        sent = [f for f in firsts if f.fate == "sent"]
        early = [f for f in sent if f.reminder is None and f.delivery != "bounced"]
        late = [f for f in sent if f.reminder and f.reminder.delivery != "bounced"]
        early = rng.sample(early, min(round(0.9 * len(early)), total))
        late = rng.sample(late, min(round(0.6 * len(late)), total - len(early)))
        for letter in early:
            letter.reply_plan = "early"
        for letter in late:
            letter.reply_plan = "late"
        if total > len(early + late) and not early + late:
            raise ValueError("no letter can be replied to")
        for letter in rng.choices(early + late, k=total - len(early + late)):
            letter.more_replies += 1
        for letter in (f for f in sent if not f.reply_plan):
            if letter.reminder:
                letter.ending = rng.choices(["escalated", "closed", "open"], [40, 15, 45])[0]
            elif letter.delivery == "bounced":
                letter.ending = rng.choices(["open", "closed"], [70, 30])[0]
            else:
                letter.ending = "closed"

    def spread_failures(self, letters: list[_Letter]) -> None:
        """Transient failures, so that the attempts add up exactly; flaky servers get more."""
        tried = [x for x in letters if x.fate in ("sent", "failed")]
        base = sum(1 + (x.fate == "sent" and x.delivery == "bounced_retried") for x in tried)
        remaining = self.counts["delivery_attempts"] - base
        if remaining < 0:
            raise ValueError("more letters were tried than there are attempts to give them")
        cap = settings.DELIVERY_MAX_ATTEMPTS - 1
        weights = [x.company.flakiness + 0.25 for x in tried]
        while remaining:
            for letter in self.rng.choices(tried, weights, k=remaining):
                if letter.extra_failures < cap and remaining:
                    letter.extra_failures += 1
                    remaining -= 1

    # --- histories -------------------------------------------------------------------------

    def campaign_history(self, camp: _Campaign, letters: list[_Letter]) -> None:
        rng, at = self.rng, camp.generated_at
        for letter in letters:
            at += _seconds(rng.uniform(0.02, 0.08))
            letter.created_at = at
        for letter in letters:
            at += _seconds(rng.uniform(0.05, 0.15))  # two render workers, ~0.2 s a letter
            self.prepare(letter, at, self.fixed.initial_version, rng.randint(3, 5))
        approved = sum(x.fate != "withdrawn" for x in letters)
        queued = sum(x.fate not in ("withdrawn", "withdrawn_approved") for x in letters)
        self.note(camp.created_at, "campaign.created", camp.author, camp, {"name": camp.name})
        rendered = at
        for when, actor, verb, source, target, data in [
            (camp.generated_at, camp.author, "generating", "draft", "generating",
             {"included": len(letters), "excluded": []}),
            (rendered + _seconds(1), None, "generated", "generating", "in_review", {}),
            (camp.approved_at, camp.approver, "approved", "in_review", "approved",
             {"approved": approved}),
            (camp.queued_at, camp.author, "sending", "approved", "sending",
             {"queued": queued, "blocked": 0}),
        ]:  # fmt: skip
            self.events.append(_Event(when, f"campaign.{verb}", actor, camp, source, target, data))
        for letter in letters:
            self.first_letter_history(letter)

    def prepare(self, letter: _Letter, rendered_at: datetime, version: int, pages: int) -> None:
        """Created, then rendered: the PDF's hash, and the deadline from the letter's date."""
        data = {"company_id": letter.company.pk, "template_version_id": version}
        self.events.append(
            _Event(
                letter.created_at, "notice.created", letter.created_by, letter, "", S.DRAFT, data
            )
        )
        letter.status_changed_at = letter.created_at
        letter.sha256 = f"{self.rng.getrandbits(256):064x}"
        letter.pages, letter.size = pages, pages * self.rng.randint(30_000, 45_000)
        data = {"sha256": letter.sha256, "size": letter.size, "pages": pages}
        data |= {"template_version_id": version, "replaces_sha256": None}
        self.move(letter, "render", rendered_at, None, data)
        letter.rendered_at = rendered_at
        letter.deadline = _business_days(_day(rendered_at), WINDOW, letter.company.country)

    def first_letter_history(self, letter: _Letter) -> None:
        rng, camp = self.rng, letter.campaign
        if letter.fate == "withdrawn":
            at = camp.approved_at - _seconds(rng.uniform(3600, 20 * 3600))
            self.move(letter, "withdraw", at, camp.approver, {"reason": "licence confirmed"})
            return
        self.approve(letter, camp.approved_at, camp.approver)
        if letter.fate == "withdrawn_approved":
            at = camp.queued_at - _seconds(rng.uniform(1800, 12 * 3600))
            self.move(letter, "withdraw", at, camp.author, {"reason": "settlement talks began"})
            return
        day = camp.start + timedelta(days=rng.randrange(camp.send_days))
        self.send(letter, camp.queued_at, _at(day, rng.uniform(9.6, 17.5)), camp.author)
        if letter.fate == "sent":
            self.after_sending(letter)
            self.matter(letter)

    def approve(self, letter: _Letter, at: datetime, by: int) -> None:
        self.move(letter, "approve", at, by)
        letter.approved_at, letter.approved_by = at, by

    def send(self, letter: _Letter, queued_at: datetime, at: datetime, by) -> None:
        """Queued, then claimed and tried until the server accepts (or refuses for good), with
        the delivery service's backoff between tries."""
        rng, recipient = self.rng, f"legal@{letter.company.domain}"
        self.move(letter, "queue", queued_at, by)
        letter.enqueued_at = queued_at
        for failures in range(1, letter.extra_failures + 1):
            claim = self.move(letter, "claim", at, None)
            usual = TRANSIENT_REPLIES[min(letter.company.flakiness, 3)]
            reply = usual if failures == 1 else rng.choice(TRANSIENT_REPLIES)
            attempt = self.attempt(letter, "failed", recipient, reply, at)
            self.retry_pairs.append((claim, self.finish(letter, "release", attempt)))
            ceiling = min(600, 30 * 2 ** (failures - 1))
            at = attempt.finished_at + _seconds(rng.uniform(ceiling / 2, ceiling) + 5)
        self.move(letter, "claim", at, None)
        if letter.fate == "failed":
            attempt = self.attempt(letter, "failed", recipient, REFUSED.format(recipient), at)
            self.finish(letter, "mark_failed", attempt)
        else:
            self.accepted(letter, recipient, at)

    def accepted(self, letter: _Letter, recipient: str, at: datetime) -> None:
        reply = f"250 2.0.0 Ok: queued as {self.rng.getrandbits(40):010X}"
        letter.sent_at = self.finish(
            letter, "mark_sent", self.attempt(letter, "accepted", recipient, reply, at)
        ).at

    def attempt(self, letter, outcome: str, recipient: str, reply: str, at) -> _Attempt:
        took = self.rng.uniform(0.3, 2.5) + (30 if "timed out" in reply else 0)
        attempt = _Attempt(letter, outcome, recipient, reply, at, at + _seconds(took))
        self.attempts.append(attempt)
        return attempt

    def after_sending(self, letter: _Letter) -> None:
        """A delivery notification, or a bounce report (and for some a corrected resend)."""
        rng = self.rng
        if letter.delivery == "ok":
            if rng.random() < 0.35:
                at = letter.sent_at + _seconds(rng.uniform(300, 4 * 3600))
                self.move(letter, "mark_delivered", at, None, {"source": "delivery notification"})
            return
        attempt = next(a for a in reversed(self.attempts) if a.letter is letter)
        at = letter.sent_at + _seconds(rng.uniform(60, 1800))
        attempt.outcome, attempt.reply = "bounced", f"{attempt.reply}\nthen {BOUNCE_REPORT}"
        data = {"attempt_id": attempt, "report": BOUNCE_REPORT, "recipient": attempt.recipient}
        self.note(at, "delivery.bounced", None, letter, data)
        self.move(letter, "mark_bounced", at, None, data)
        if letter.delivery == "bounced_retried":
            at += _seconds(rng.uniform(2 * 3600, 3 * 86400))
            by = letter.campaign.author
            self.move(letter, "retry", at, by, {"note": "address corrected from the website"})
            self.move(letter, "queue", at + _seconds(1), by)
            letter.enqueued_at = at + _seconds(1)
            at += _seconds(rng.uniform(2, 60))
            self.move(letter, "claim", at, None)
            self.accepted(letter, f"notices@{letter.company.domain}", at)

    def matter(self, first: _Letter) -> None:
        """What followed a first letter that went out: replies, the ladder, how it ended."""
        sent_day, country = _day(first.sent_at), first.company.country
        dues = tuple(
            _at(_business_days(sent_day, days, country).due, 9.0)
            for days in (REMINDER_AFTER, HANDOFF_AFTER)
        )
        steps, reminder = first.campaign.steps, first.reminder
        if first.reply_plan == "early":
            reply = self.replied(first, first.sent_at, (0.2, 11), first.more_replies)
            self.stop_ladder(first, steps, dues, reply.ingested_at, "a reply was logged")
        elif reminder is None:
            self.unanswered(first, steps, dues)
        else:
            reminder.created_at = dues[0] + _seconds(self.rng.uniform(5, 300))
            done = _FollowUp(first, steps[0], dues[0], "done", reminder.created_at)
            done.result = reminder
            self.follow_ups.append(done)
            self.reminder_history(reminder)
            if first.reply_plan == "late":
                self.late_reply(first, steps[1], dues[1])
            else:
                self.unanswered(first, steps[1:], dues[1:])

    def reminder_history(self, reminder: _Letter) -> None:
        """Made by the ladder job, approved in advance by the campaign's approver, sent."""
        rng = self.rng
        rendered_at = reminder.created_at + _seconds(rng.uniform(2, 90))
        self.prepare(reminder, rendered_at, self.fixed.reminder_version, rng.randint(1, 2))
        approved_at = rendered_at + _seconds(rng.uniform(0.5, 5))
        self.approve(reminder, approved_at, reminder.campaign.approver)
        self.send(reminder, approved_at, approved_at + _seconds(rng.uniform(1, 30)), None)
        self.after_sending(reminder)

    def late_reply(self, first: _Letter, handoff_step: int, handoff_due: datetime) -> None:
        reminder = first.reminder
        reply = self.replied(reminder, reminder.sent_at, (0.2, 18), first.more_replies)
        stopped = reply.ingested_at
        self.stop_ladder(first, (handoff_step,), (handoff_due,), stopped, "a reply was logged")
        if reminder.status == S.CLOSED:  # closed on the reminder's reply: close the matter
            at = reminder.status_changed_at + _seconds(self.rng.uniform(30, 600))
            self.move(first, "close", at, self.lawyer(), {"reason": "settled on the reply"})

    def unanswered(self, first: _Letter, steps: tuple, dues: tuple) -> None:
        """A matter nobody answered: handed off, closed by a lawyer, or still open with its
        last step scheduled in the coming weeks."""
        rng, reminder = self.rng, first.reminder
        if first.ending == "escalated" and dues[-1] < self.latest:
            at = dues[-1] + _seconds(rng.uniform(5, 300))
            data = {"step": "Hand-off to counsel", "reason": "handed off to litigation counsel"}
            self.move(first, "escalate", at, None, data)
            self.follow_ups.append(_FollowUp(first, steps[-1], dues[-1], "done", at))
            return
        last, until = (reminder or first).status_changed_at, min(dues[0], self.latest)
        if first.ending == "closed" and last + timedelta(days=2) < until:
            at, by = self.between(last + timedelta(days=1), until), self.lawyer()
            for letter in (first, reminder):
                if letter is not None and letter.status in OUT:
                    self.move(letter, "close", at, by, {"reason": "company dissolved"})
            self.stop_ladder(first, steps, dues, at, "the letter is closed")
            return
        if len(steps) == 2:  # an open bounced letter: its reminder waits for a new address
            reason = "the address bounced: waiting for a corrected one"
            self.stop_ladder(first, steps[:1], dues[:1], first.status_changed_at, reason)
        self.follow_ups.append(_FollowUp(first, steps[-1], self.soon(), "scheduled"))

    def soon(self) -> datetime:
        """A due time in the next three weeks; a quarter of them still this week."""
        earliest = self.now + timedelta(hours=1)
        today = timezone.localdate(self.now)
        week_end = _at(today + timedelta(days=7 - today.weekday()), 0)
        if week_end - earliest > timedelta(hours=2) and self.rng.random() < 0.25:
            return self.between(earliest, week_end)
        return self.between(earliest, earliest + timedelta(days=21))

    def stop_ladder(self, first, steps, dues, at: datetime, reason: str) -> None:
        for step, due in zip(steps, dues, strict=True):
            self.follow_ups.append(_FollowUp(first, step, due, "cancelled", at, reason))

    # --- replies ---------------------------------------------------------------------------

    def replied(self, letter: _Letter, earliest, days: tuple, more: int) -> _Reply:
        """The first reply to `letter`, which moves it to responded (a lawyer may settle it
        later), and `more` further replies that move nothing."""
        rng = self.rng
        received = self.before_now(earliest + timedelta(days=rng.uniform(*days)), earliest)
        first = self.reply(letter, received)
        data = {"response_id": first, "channel": "email"}
        self.move(letter, "record_response", first.ingested_at + _seconds(0.05), None, data)
        if self.classify(first):
            settle = rng.choices(["resolve", "close", ""], [45, 25, 30])[0]
            at = first.classified_at + timedelta(days=rng.uniform(1, 25))
            if settle and at < self.latest:
                self.move(letter, settle, at, first.classified_by)
        for _ in range(more):
            moment = first.received_at + timedelta(days=rng.uniform(1, 30))
            self.classify(self.reply(letter, self.before_now(moment, first.received_at)))
        return first

    def reply(self, letter: _Letter, received: datetime) -> _Reply:
        reply = _Reply(letter, received, received + _seconds(self.rng.uniform(30, 600)))
        self.replies.append(reply)
        data = {"source": "imap:INBOX", "matched_by": "reply_address", "notice": letter}
        self.note(reply.ingested_at, "reply.ingested", None, reply, data)
        return reply

    def classify(self, reply: _Reply) -> bool:
        """Most replies are read and classified within days; some wait in the inbox."""
        rng = self.rng
        reply.tone = rng.choices(list(TONES), [weight for weight, _ in TONES.values()])[0]
        at = reply.received_at + _seconds(rng.uniform(3600, 4 * 86400))
        if rng.random() < UNCLASSIFIED_SHARE or at >= self.latest:
            return False
        reply.outcome, reply.classified_at, reply.classified_by = reply.tone, at, self.lawyer()
        substantive = reply.tone in ("complied", "disputes", "claims_licence", "requests_talks")
        if substantive and rng.random() < 0.1:  # a few get their demands answered one by one
            demands = rng.sample(DemandAnswer.Demand.values, rng.randint(2, 4))
            reply.demands = {d: rng.choice(DemandAnswer.Answer.values) for d in demands}
        data = {"notice": reply.letter, "demands": reply.demands}
        event = _Event(at, "reply.classified", reply.classified_by, reply, data=data)
        event.from_state, event.to_state = "unclassified", reply.tone
        self.events.append(event)
        return True

    # --- the audit budget ------------------------------------------------------------------

    def balance_audit(self, letters: list[_Letter]) -> None:
        """Exactly the number of audit events asked for: leave some retries out of the log, or
        add lawyers' PDF downloads."""
        rng = self.rng
        excess = len(self.events) - self.counts["audit_events"]
        if excess > 0:
            pairs = ceil(excess / 2)
            if pairs > len(self.retry_pairs):
                raise ValueError(f"{excess} audit events too many and too few retries to omit")
            for claim, release in rng.sample(self.retry_pairs, pairs):
                claim.dropped = release.dropped = True
            excess -= 2 * pairs
        for letter in rng.choices(letters, k=max(0, -excess)):
            at = self.between(letter.rendered_at, self.latest)
            self.note(at, "notice.pdf_downloaded", self.lawyer(), letter, {"sha256": letter.sha256})

    def number(self, letters: list[_Letter]) -> None:
        """Ids and references in the order things were created."""
        prefix = settings.NOTICE_REFERENCE_PREFIX
        letters.sort(key=lambda x: x.created_at)
        for letter in letters:
            letter.pk = self.take_id(Notice)
            year = _day(letter.created_at).year
            self.last_reference[year] = number = self.last_reference.get(year, 0) + 1
            letter.reference = f"{prefix}-{year}-{number:06d}"
        self.attempts.sort(key=lambda a: a.started_at)
        for attempt in self.attempts:
            attempt.pk = self.take_id(DeliveryAttempt)
        self.replies.sort(key=lambda r: r.received_at)
        for reply in self.replies:
            reply.pk = self.take_id(Response)
        self.events = sorted((e for e in self.events if not e.dropped), key=lambda e: e.at)


def build(
    *,
    notices: int,
    seed: int,
    fixed: Fixed,
    first_ids: dict[type[models.Model], int],
    last_reference: dict[int, int],
    taken_domains: set[str],
    taken_names: set[str],
    now: datetime,
) -> Seed:
    """Every row of the seed, with primary keys from `first_ids` on and references numbered on
    from `last_reference`. Raises ValueError when `notices` is too few to hold the spread."""
    builder = _Builder(
        notices=notices,
        seed=seed,
        fixed=fixed,
        first_ids=first_ids,
        last_reference=last_reference,
        taken=(set(taken_domains), set(taken_names)),
        now=now,
    )
    companies = builder.companies()
    campaigns = builder.campaigns()
    by_campaign = builder.first_letters(campaigns, companies)
    firsts = [letter for group in by_campaign.values() for letter in group]
    reminders = builder.plan_reminders(firsts)
    builder.plan_replies(firsts)
    builder.spread_failures(firsts + reminders)
    for campaign, letters in by_campaign.items():
        builder.campaign_history(campaign, letters)
    letters = firsts + reminders
    builder.balance_audit(letters)
    builder.number(letters)
    return Seed(_tables(builder, campaigns, letters), builder.last_reference)


def _tables(b: _Builder, campaigns: list[_Campaign], letters: list[_Letter]) -> list[Table]:
    """The rows, in an order that inserts every row after the rows it points at. The big
    tables are generators, so their dicts exist only while they are written."""
    principal = b.fixed.principal
    return [
        Table(Company, b.company_rows),
        Table(Contact, b.contact_rows),
        Table(Campaign, [_campaign_row(b.fixed, c) for c in campaigns]),
        Table(Campaign.principals.through,
              [{"campaign_id": c.pk, "principal_id": principal} for c in campaigns]),
        Table(Campaign.works.through,
              [{"campaign_id": c.pk, "work_id": w} for c in campaigns for w in c.works]),
        Table(LadderStep, [row for c in campaigns for row in _step_rows(b.fixed, c)]),
        Table(Notice, (_notice_row(b.fixed, x) for x in letters)),
        Table(Notice.principals.through,
              ({"notice_id": x.pk, "principal_id": principal} for x in letters)),
        Table(Notice.works.through,
              ({"notice_id": x.pk, "work_id": w} for x in letters for w in x.campaign.works)),
        Table(DeliveryAttempt, (_attempt_row(a) for a in b.attempts)),
        Table(Response, (_reply_row(b.fixed, r) for r in b.replies)),
        Table(DemandAnswer, ({"response_id": r.pk, "demand": d, "answer": a}
                             for r in b.replies for d, a in r.demands.items())),
        Table(FollowUp, (_follow_up_row(f) for f in b.follow_ups)),
        Table(AuditEvent, _audit_rows(b)),
    ]  # fmt: skip


def _campaign_row(fixed: Fixed, c: _Campaign) -> dict:
    return {
        "id": c.pk, "name": c.name, "description": f"{c.name}: letters sent from {c.start}.",
        "status": c.status, "template_version_id": fixed.initial_version,
        "response_window_days": WINDOW, "channels": ["email"], "signatory_name": "Harriet Vale",
        "signatory_title": "General Counsel", "created_at": c.created_at,
        "created_by_id": c.author, "approved_at": c.approved_at, "approved_by_id": c.approver,
    }  # fmt: skip


def _step_rows(fixed: Fixed, c: _Campaign) -> list[dict]:
    reminder, handoff = c.steps
    return [
        {"id": reminder, "campaign_id": c.pk, "order": 1, "name": "Reminder",
         "offset_business_days": REMINDER_AFTER, "action": "letter",
         "template_version_id": fixed.reminder_version, "channels": ["email"],
         "requires_approval": False},
        {"id": handoff, "campaign_id": c.pk, "order": 2, "name": "Hand-off to counsel",
         "offset_business_days": HANDOFF_AFTER, "action": "handoff", "template_version_id": None,
         "channels": [], "requires_approval": True},
    ]  # fmt: skip


def _notice_row(fixed: Fixed, x: _Letter) -> dict:
    reminder, company = x.follows is not None, x.company
    recipient = {"legal_name": company.legal_name, "email": f"legal@{company.domain}",
                 "address_lines": [], "via_counsel": False}  # fmt: skip
    return {
        "id": x.pk, "reference": x.reference, "company_id": company.pk,
        "contact_id": company.contact, "campaign_id": x.campaign.pk,
        "ladder_step_id": x.campaign.steps[0] if reminder else None,
        "follows_id": x.follows.pk if reminder else None,
        "template_version_id": fixed.reminder_version if reminder else fixed.initial_version,
        "status": x.status, "channels": ["email"], "due_date": x.deadline.due,
        "due_date_explanation": x.deadline.explanation, "merge_data": {"recipient": recipient},
        "pdf_sha256": x.sha256, "pdf_size": x.size, "pdf_pages": x.pages,
        "rendered_at": x.rendered_at, "created_at": x.created_at, "created_by_id": x.created_by,
        "approved_at": x.approved_at, "approved_by_id": x.approved_by, "sent_at": x.sent_at,
        "status_changed_at": x.status_changed_at, "enqueued_at": x.enqueued_at,
    }  # fmt: skip


def _message_id(letter: _Letter) -> str:
    return f"<{letter.reference}.{letter.pk}@{settings.MESSAGE_ID_DOMAIN}>"


def _attempt_row(a: _Attempt) -> dict:
    letter = a.letter
    return {
        "id": a.pk, "notice_id": letter.pk, "channel": "email", "outcome": a.outcome,
        "idempotency_key": f"{letter.reference}/email", "message_id": _message_id(letter),
        "recipient": a.recipient, "server_reply": a.reply, "pdf_sha256": letter.sha256,
        "phase": "connecting" if a.outcome == "failed" else "done",
        "started_at": a.started_at, "finished_at": a.finished_at,
    }  # fmt: skip


def _reply_row(fixed: Fixed, r: _Reply) -> dict:
    letter, company = r.letter, r.letter.company
    ref, person = letter.reference, company.person
    subject = fixed.reminder_subject if letter.follows else fixed.initial_subject
    local, _, domain = settings.NOTICE_REPLY_MAILBOX.partition("@")
    body = f"{TONES[r.tone][1].format(ref=ref)}\n\nKind regards,\n{person}\n{company.legal_name}"
    return {
        "id": r.pk, "notice_id": letter.pk, "company_id": company.pk, "channel": "email",
        "kind": "reply", "matched_by": "reply_address", "received_at": r.received_at,
        "sender": f"{person} <{person.lower().replace(' ', '.')}@{company.domain}>",
        "subject": f"Re: {subject} [{ref}]", "body_text": body,
        "recipients": [f"{local}+{ref}@{domain}"], "in_reply_to": _message_id(letter),
        "message_id": f"<scale-{r.pk}@example.test>", "outcome": r.outcome,
        "classified_at": r.classified_at, "classified_by_id": r.classified_by,
        "created_at": r.ingested_at,
    }  # fmt: skip


def _follow_up_row(f: _FollowUp) -> dict:
    return {
        "notice_id": f.letter.pk, "step_id": f.step, "due_at": f.due_at, "status": f.status,
        "result_notice_id": f.result.pk if f.result is not None else None,
        "cancelled_reason": f.reason, "processed_at": f.processed_at,
    }  # fmt: skip


def _audit_rows(b: _Builder) -> Iterator[dict]:
    for e in b.events:
        kind, pk, label = _target(e.target)
        yield {
            "id": b.take_id(AuditEvent), "created_at": e.at, "actor_id": e.actor,
            "verb": e.verb, "target_type": kind, "target_id": pk, "target_repr": label,
            "from_state": e.from_state, "to_state": e.to_state,
            "data": {key: _plain(value) for key, value in e.data.items()},
        }  # fmt: skip


def _target(target: Any) -> tuple[str, str, str]:
    if isinstance(target, _Letter):
        return "warnings_app.notice", str(target.pk), target.reference
    if isinstance(target, _Reply):
        day = f"{target.received_at.astimezone(UTC):%Y-%m-%d}"
        return "warnings_app.response", str(target.pk), f"Reply {target.pk} (E-mail, {day})"
    return "warnings_app.campaign", str(target.pk), target.name


def _plain(value: Any) -> Any:
    """Audit data as stored: a letter by its reference, an attempt or a reply by its id."""
    if isinstance(value, _Letter):
        return value.reference
    if isinstance(value, _Attempt | _Reply):
        return value.pk
    return value
