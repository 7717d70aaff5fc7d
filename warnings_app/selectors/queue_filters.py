"""Narrowing one section of the work queue: mine, age, deadline, campaign and a search. The same
filter gives the rows a page lists, the count it shows, and the reply "save and next" opens, so
a number and the rows it links to never disagree."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.utils import timezone

from warnings_app.domain.matters import week_of
from warnings_app.models import Notice, Response
from warnings_app.selectors.work_queue import BY_KEY, SECTIONS, section_items

if TYPE_CHECKING:
    from collections.abc import Mapping

    from django.contrib.auth.models import AnonymousUser, User

# Older than: the choices of the age filter, in days.
AGES = (("", "Any age"), ("2", "Over 2 days"), ("7", "Over a week"), ("30", "Over 30 days"))
DEADLINES = (("", "Any deadline"), ("passed", "Passed"), ("week", "This week"))


@dataclass(frozen=True)
class QueueFilter:
    section: str = ""
    mine: bool = False  # replies assigned to the person looking
    age: int = 0  # waiting longer than this many days (0: any)
    deadline: str = ""  # the letter's reply-by date: "passed" or "week" ("": any)
    campaign: int | None = None
    q: str = ""

    @classmethod
    def from_query(cls, query: "Mapping[str, str]") -> "QueueFilter":
        """From the page's query string; a value it does not know is ignored, not an error."""
        age = query.get("age", "")
        campaign = query.get("campaign", "")
        return cls(
            section=query.get("section", "") if query.get("section") in BY_KEY else "",
            mine=query.get("mine") == "1",
            age=int(age) if age in dict(AGES) and age else 0,
            deadline=query.get("deadline", "") if query.get("deadline") in dict(DEADLINES) else "",
            campaign=int(campaign) if campaign.isdigit() else None,
            q=query.get("q", "").strip()[:200],
        )

    @property
    def narrows(self) -> bool:
        return bool(self.mine or self.age or self.deadline or self.campaign or self.q)

    def query(self, section: str) -> str:
        """The query string of this filter on `section` (empty values left out)."""
        values = {
            "section": section,
            "mine": "1" if self.mine else "",
            "age": str(self.age or ""),
            "deadline": self.deadline,
            "campaign": str(self.campaign or ""),
            "q": self.q,
        }
        return urlencode({k: v for k, v in values.items() if v})


def _on_replies(
    qs: "QuerySet[Response]", f: QueueFilter, user: "User | AnonymousUser", today: date
) -> "QuerySet[Response]":
    if f.mine:
        qs = qs.filter(assigned_to=user if user.is_authenticated else None)
    if f.age:
        qs = qs.filter(received_at__lt=timezone.now() - timedelta(days=f.age))
    if f.deadline == "passed":
        qs = qs.filter(notice__due_date__lt=today)
    elif f.deadline == "week":
        qs = qs.filter(notice__due_date__range=week_of(today))
    if f.campaign:
        qs = qs.filter(notice__campaign_id=f.campaign)
    if f.q:
        qs = qs.filter(
            Q(subject__icontains=f.q)
            | Q(sender__icontains=f.q)
            | Q(notice__reference__icontains=f.q)
            | Q(company__legal_name__icontains=f.q)
        )
    return qs


def _on_notices(qs: "QuerySet[Notice]", f: QueueFilter, today: date) -> "QuerySet[Notice]":
    if f.age:
        qs = qs.filter(status_changed_at__lt=timezone.now() - timedelta(days=f.age))
    if f.deadline == "passed":
        qs = qs.filter(due_date__lt=today)
    elif f.deadline == "week":
        qs = qs.filter(due_date__range=week_of(today))
    if f.campaign:
        qs = qs.filter(campaign_id=f.campaign)
    if f.q:
        qs = qs.filter(Q(reference__icontains=f.q) | Q(company__legal_name__icontains=f.q))
    return qs


def queue_rows(
    key: str, f: QueueFilter, user: "User | AnonymousUser", *, today: date | None = None
) -> "QuerySet[Response] | QuerySet[Notice]":
    """The rows of section `key` that the filter keeps, in the section's order. "Mine" applies
    to replies only: letters have no assignee."""
    today = today or timezone.localdate()
    rows = section_items(key, today=today)
    if BY_KEY[key].kind == "reply":
        return _on_replies(rows, f, user, today)  # type: ignore[arg-type]
    return _on_notices(rows, f, today)  # type: ignore[arg-type]


def queue_counts(
    f: QueueFilter, user: "User | AnonymousUser", *, today: date | None = None
) -> dict[str, int]:
    return {s.key: queue_rows(s.key, f, user, today=today).count() for s in SECTIONS}


def first_section(counts: "Mapping[str, int]") -> str:
    """Where the queue opens when no section is asked for: the first with something in it."""
    return next((s.key for s in SECTIONS if counts[s.key]), SECTIONS[0].key)


def next_reply(
    key: str, f: QueueFilter, user: "User | AnonymousUser", *, after: int
) -> Response | None:
    """The reply "save and next" opens: the first of the section (with the filter) that is not
    the one just saved. A saved reply usually leaves its section, so the first is the next."""
    if key not in BY_KEY or BY_KEY[key].kind != "reply":
        return None
    rows = queue_rows(key, f, user).exclude(pk=after)
    found = rows.first()
    return found if isinstance(found, Response) else None
