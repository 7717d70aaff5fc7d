"""Which letters a report is about: the filters of the dashboard (its tiles and charts), the
figures API and the exports, built here once so that all of them choose the same letters.

A filter chooses *matters* (`domain/matters.py`: a first letter and the reminders that follow
it), and every letter of a chosen matter comes with it. In the business's words:

- **campaign**: the letters of that campaign. A reminder is made by its first letter's
  campaign, so it belongs to the same one.
- **segment**: letters to companies of that segment (the company's segment as it is recorded
  now, not as it was when the letter went out).
- **jurisdiction** (`country`): letters to companies registered in that country (ISO code).
- **sent from** (`since`) and **sent until** (`until`), both days included: matters whose
  *first letter* was sent in that range, by the local calendar (settings.TIME_ZONE). A
  reminder comes with its first letter whatever day it went out itself, so "the letters sent
  in March" are the matters opened in March with all their reminders, and a reply to such a
  reminder counts for March. A letter that never went out is outside every date range.
- **status**: letters whose own status is that one (a reminder keeps its own status). Only
  the exports offer it: the dashboard shows every status side by side, and its reporting
  tables are not split by status.

Nothing chosen: every letter, and every reply, including those tied to no letter (triage).
Any filter chosen: only rows tied to a chosen letter.

The dashboard does not read letters but the reporting tables (`FigureCell`, `FigureSummary`,
rebuilt by `reports/dashboard/rollup.py` from the first letters): `figure_cells` and
`summary_key` are the same choice expressed on those tables, next to the letters' one so the
two cannot drift apart.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from warnings_app.models import (
    Campaign,
    DeliveryAttempt,
    FigureCell,
    FigureSummary,
    Notice,
    Response,
)

FIELDS = ("campaign", "segment", "country", "status", "since", "until")


@dataclass(frozen=True)
class LetterFilter:
    """The letters a report is about (module docstring); every field left empty chooses all."""

    campaign: Campaign | None = None
    segment: str = ""
    country: str = ""  # the company's jurisdiction, an ISO 3166-1 code
    status: str = ""  # the letter's own status (exports only)
    since: date | None = None  # matters whose first letter was sent on or after this day
    until: date | None = None  # ... and on or before this day

    @classmethod
    def from_chosen(cls, chosen: Mapping[str, Any]) -> "LetterFilter":
        """From a form's or a serializer's cleaned values; other keys are ignored, and a value
        that is absent or empty means "not filtered"."""
        return cls(
            campaign=chosen.get("campaign") or None,
            segment=str(chosen.get("segment") or ""),
            country=str(chosen.get("country") or ""),
            status=str(chosen.get("status") or ""),
            since=chosen.get("since") or None,
            until=chosen.get("until") or None,
        )

    @property
    def by_date(self) -> bool:
        return self.since is not None or self.until is not None

    def on_letters(self, via: str = "") -> Q:
        """The choice as a condition on notices, or on rows that reach their letter through
        `via` (e.g. "notice__" from a delivery, a reply or a follow-up)."""
        q = Q()
        if self.campaign is not None:
            q &= Q(**{f"{via}campaign": self.campaign})
        if self.segment:
            q &= Q(**{f"{via}company__segment": self.segment})
        if self.country:
            q &= Q(**{f"{via}company__country": self.country})
        if self.status:
            q &= Q(**{f"{via}status": self.status})
        if self.by_date:
            first_letter = Q(**{f"{via}follows__isnull": True}) & self._sent(via)
            q &= first_letter | self._sent(f"{via}follows__")
        return q

    def _sent(self, letter: str) -> Q:
        """`letter` (a path ending in "__", or "") was sent in the range, by the local day."""
        q = Q()
        if self.since is not None:
            q &= Q(**{f"{letter}sent_at__date__gte": self.since})
        if self.until is not None:
            q &= Q(**{f"{letter}sent_at__date__lte": self.until})
        return q

    def letters(self) -> QuerySet[Notice]:
        """The chosen letters, first letters and reminders, in the order they were made."""
        return Notice.objects.filter(self.on_letters()).order_by("pk")

    def deliveries(self) -> QuerySet[DeliveryAttempt]:
        """Every delivery attempt of a chosen letter."""
        return DeliveryAttempt.objects.filter(self.on_letters("notice__")).order_by("pk")

    def replies(self) -> QuerySet[Response]:
        """Every message tied to a chosen letter (replies, bounce reports, automatic replies,
        matches by domain alone); with no filter, every message."""
        return Response.objects.filter(self.on_letters("notice__")).order_by("pk")

    def figure_cells(self) -> QuerySet[FigureCell]:
        """The reporting cells of the chosen matters (a cell is one campaign, segment,
        jurisdiction and day of sending of first letters)."""
        if self.status:
            raise ValueError("the reporting tables are not split by status")
        qs = FigureCell.objects.all()
        if self.campaign is not None:
            qs = qs.filter(campaign=self.campaign)
        if self.segment:
            qs = qs.filter(segment=self.segment)
        if self.country:
            qs = qs.filter(country=self.country)
        if self.since is not None:
            qs = qs.filter(sent_on__gte=self.since)
        if self.until is not None:
            qs = qs.filter(sent_on__lte=self.until)
        return qs

    def summary_key(self) -> tuple[str, str, str]:
        """The (campaign_key, segment, country) of the `FigureSummary` row that sums the
        chosen matters; only without dates or status, which the summaries are not split by."""
        if self.status or self.by_date:
            raise ValueError("the summaries are not split by status or sending day")
        every = FigureSummary.ALL
        campaign = str(self.campaign.pk) if self.campaign is not None else every
        return campaign, self.segment or every, self.country or every
