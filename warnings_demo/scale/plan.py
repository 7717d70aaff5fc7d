"""What a scale seed is made of: the constants it draws on, how many rows of each kind it
makes (`target_counts`), the rows the command makes first (`Fixed`), what `build()` returns
(`Table`, `Seed`), and the plain records the builder plays histories with."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from math import ceil
from typing import Any, TypeVar

from django.db import models

from warnings_app.domain.deadlines import Deadline
from warnings_app.models import (
    AuditEvent,
    Campaign,
    Company,
    Contact,
    DeliveryAttempt,
    LadderStep,
    Notice,
    Response,
)
from warnings_app.models.lifecycle import NoticeStatus

S = NoticeStatus
Row = dict[str, Any]  # a table row: its model's attribute names and values
_T = TypeVar("_T")
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
    rows: Iterable[Row]


@dataclass
class Seed:
    tables: list[Table]
    last_reference: dict[int, int]  # year -> last reference number used


def played(value: _T | None, what: str) -> _T:
    """A record's field that its history sets before anything reads it."""
    if value is None:
        raise ValueError(f"seed bug: {what} is read before the history set it")
    return value


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
    target: "_Letter | _Reply | _Campaign"
    from_state: str = ""
    to_state: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    dropped: bool = False


@dataclass(eq=False, slots=True)
class _Attempt:
    letter: "_Letter"
    outcome: str
    recipient: str
    reply: str
    started_at: datetime
    finished_at: datetime
    pk: int = 0


@dataclass(eq=False, slots=True)
class _Reply:
    letter: "_Letter"
    received_at: datetime
    ingested_at: datetime
    tone: str = "acknowledged"  # what the text says, whether or not anyone classified it
    outcome: str = "unclassified"
    classified_at: datetime | None = None
    classified_by: int | None = None
    demands: dict[str, str] = field(default_factory=dict)  # demand -> answer
    pk: int = 0

    @property
    def classified(self) -> datetime:
        return played(self.classified_at, "classified_at")


@dataclass(eq=False, slots=True)
class _FollowUp:
    letter: "_Letter"
    step: int
    due_at: datetime
    status: str
    processed_at: datetime | None = None
    reason: str = ""
    result: "_Letter | None" = None


@dataclass(eq=False, slots=True)
class _Letter:
    campaign: _Campaign
    company: _Company
    created_by: int | None
    follows: "_Letter | None" = None
    created_at: datetime | None = None
    # The plan, chosen before the history is played.
    fate: str = "sent"  # sent, failed, withdrawn (before approval), withdrawn_approved
    delivery: str = "ok"  # ok, bounced (and left so), bounced_retried (then resent)
    extra_failures: int = 0  # transient failures before the last attempt
    reminder: "_Letter | None" = None
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

    # The moments its history has set by the time they are read.
    @property
    def created(self) -> datetime:
        return played(self.created_at, "created_at")

    @property
    def changed(self) -> datetime:
        return played(self.status_changed_at, "status_changed_at")

    @property
    def rendered(self) -> datetime:
        return played(self.rendered_at, "rendered_at")

    @property
    def sent(self) -> datetime:
        return played(self.sent_at, "sent_at")

    @property
    def due(self) -> Deadline:
        return played(self.deadline, "deadline")
