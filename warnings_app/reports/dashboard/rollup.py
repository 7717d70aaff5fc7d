"""Rebuild the reporting tables. The dashboard never scans notices: it sums `FigureCell` rows,
which this job recomputes from scratch every few minutes (DASHBOARD_REFRESH_SECONDS), and it
upserts today's `DailySnapshot` rows so yesterday's figures stay as they stood.

Matters, answers and overdue are defined in `domain/matters.py`."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from warnings_app.domain.deadlines import business_days_between
from warnings_app.domain.matters import counts_as_answer, is_overdue
from warnings_app.models import (
    DailySnapshot,
    DeliveryAttempt,
    FigureCell,
    FigureSummary,
    Heartbeat,
    Notice,
    Response,
)
from warnings_app.models.lifecycle import NoticeStatus

SETTLED = {NoticeStatus.RESOLVED, NoticeStatus.CLOSED}
ROLLUP_NAME = "figures"
CHUNK = 5000
# A cell: the letters of one campaign (None: outside any), segment and country sent on one day.
CellKey = tuple[int | None, str, str, date]


@dataclass
class _Cell:
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    statuses: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    reply_days: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    reply_weeks: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class _Answers:
    """What the replies to one matter say: when the first came, the latest classified outcome
    (by time of receipt), and the days replies came on."""

    first: datetime | None = None
    outcome: str = Response.Outcome.UNCLASSIFIED
    outcome_at: tuple[datetime, int] | tuple[()] = ()  # the classified reply's (received, pk)
    received: list[datetime] = field(default_factory=list)


def _answers() -> dict[int, _Answers]:
    """Every answer, gathered by the matter it belongs to (a reply to a reminder counts for the
    first letter it follows): the rule of `domain.matters`, read in one pass instead of a
    subquery per letter, so the cost stays linear whatever the planner knows."""
    by_matter: dict[int, _Answers] = defaultdict(_Answers)
    rows = (
        Response.objects.filter(counts_as_answer())
        .annotate(matter=Coalesce("notice__follows_id", "notice_id"))
        .values_list("matter", "received_at", "pk", "outcome")
        .order_by()
    )
    for matter, received_at, pk, outcome in rows.iterator(chunk_size=CHUNK):
        answers = by_matter[matter]
        answers.received.append(received_at)
        if answers.first is None or received_at < answers.first:
            answers.first = received_at
        if outcome != Response.Outcome.UNCLASSIFIED and (received_at, pk) > answers.outcome_at:
            answers.outcome, answers.outcome_at = outcome, (received_at, pk)
    return by_matter


def _deliveries() -> tuple[set[int], set[int]]:
    """The letters with an accepted delivery, and those with a bounced one."""
    rows = (
        DeliveryAttempt.objects.filter(
            outcome__in=[DeliveryAttempt.Outcome.ACCEPTED, DeliveryAttempt.Outcome.BOUNCED]
        )
        .values_list("notice_id", "outcome")
        .distinct()
        .order_by()
    )
    accepted: set[int] = set()
    bounced: set[int] = set()
    for notice_id, outcome in rows.iterator(chunk_size=CHUNK):
        (accepted if outcome == DeliveryAttempt.Outcome.ACCEPTED else bounced).add(notice_id)
    return accepted, bounced


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def cells_compute(today: date) -> dict[CellKey, _Cell]:
    cells: dict[CellKey, _Cell] = defaultdict(_Cell)
    answered, (accepted, bounced) = _answers(), _deliveries()
    matters = (
        Notice.objects.filter(ladder_step__isnull=True, sent_at__isnull=False)
        .values_list(
            "pk", "campaign_id", "company__segment", "company__country", "sent_at", "due_date",
            "status",
        )
        .order_by()
    )  # fmt: skip
    for pk, campaign_id, segment, country, sent_at, due, status in matters.iterator(CHUNK):
        if sent_at is None:  # never: the query asks for sent letters only
            continue
        sent_on = _local_day(sent_at)
        cell = cells[(campaign_id, segment, country, sent_on)]
        cell.counts["issued"] += 1
        cell.statuses[status] += 1
        cell.counts["delivered"] += pk in accepted
        cell.counts["bounced"] += pk in bounced and pk not in accepted
        if status in SETTLED:
            cell.counts["resolved"] += 1
        answers = answered.get(pk)
        cell.counts["overdue"] += is_overdue(
            status=status, due=due, answered=answers is not None, today=today
        )
        if answers is None or answers.first is None:  # (an answer always has a first time)
            continue
        replied_on = _local_day(answers.first)
        cell.counts["replied"] += 1
        cell.counts["replied_late"] += due is not None and replied_on > due
        cell.outcomes[answers.outcome] += 1
        cell.reply_days[str(business_days_between(sent_on, replied_on, country))] += 1
        for received_at in answers.received:
            cell.reply_weeks[_monday(_local_day(received_at)).isoformat()] += 1
    return cells


def summaries_compute(cells: dict[CellKey, _Cell]) -> dict[tuple[str, str, str], _Cell]:
    """The cells summed over their sending days, then for each of campaign, segment and
    jurisdiction also over "all" (FigureSummary.ALL)."""
    by_scope: dict[tuple[str, str, str], _Cell] = defaultdict(_Cell)
    for (campaign_id, segment, country, _), cell in cells.items():
        campaign = str(campaign_id) if campaign_id else FigureSummary.NO_CAMPAIGN
        _merge(by_scope[(campaign, segment, country)], cell)
    summaries: dict[tuple[str, str, str], _Cell] = defaultdict(_Cell)
    every = FigureSummary.ALL
    for (campaign, segment, country), cell in by_scope.items():
        for c in (campaign, every):
            for s in (segment, every):
                for k in (country, every):
                    _merge(summaries[(c, s, k)], cell)
    return summaries


def _merge(into: _Cell, cell: _Cell) -> None:
    for part in ("counts", "statuses", "outcomes", "reply_days", "reply_weeks"):
        target = getattr(into, part)
        for key, value in getattr(cell, part).items():
            target[key] += value


def _fields(cell: _Cell) -> dict[str, Any]:
    return {
        "statuses": dict(cell.statuses),
        "outcomes": dict(cell.outcomes),
        "reply_days": dict(cell.reply_days),
        "reply_weeks": dict(cell.reply_weeks),
        **cell.counts,
    }


def figures_refresh() -> dict[str, int]:
    """Recompute every cell, the summaries and today's snapshots in one transaction. Two runs
    at once queue on a row lock instead of interleaving."""
    now = timezone.now()
    today = timezone.localdate(now)
    Heartbeat.objects.get_or_create(name=ROLLUP_NAME, defaults={"seen_at": now})
    with transaction.atomic():
        Heartbeat.objects.select_for_update().get(name=ROLLUP_NAME)
        cells = cells_compute(today)
        summaries = summaries_compute(cells)
        FigureCell.objects.all().delete()
        FigureSummary.objects.all().delete()
        FigureCell.objects.bulk_create(
            [
                FigureCell(
                    campaign_id=campaign_id,
                    segment=segment,
                    country=country,
                    sent_on=sent_on,
                    **_fields(cell),
                )
                for (campaign_id, segment, country, sent_on), cell in cells.items()
            ],
            batch_size=1000,
        )
        FigureSummary.objects.bulk_create(
            [
                FigureSummary(campaign_key=c, segment=s, country=k, **_fields(cell))
                for (c, s, k), cell in summaries.items()
            ],
            batch_size=1000,
        )
        snapshots = _snapshots_take(cells, today, now)
        Heartbeat.objects.filter(name=ROLLUP_NAME).update(
            seen_at=timezone.now(), detail=f"{len(cells)} cells"
        )
    return {"cells": len(cells), "summaries": len(summaries), "snapshots": snapshots}


SNAPSHOT_FIGURES = ("issued", "delivered", "bounced", "replied", "resolved", "overdue")


def _snapshots_take(cells: dict[CellKey, _Cell], today: date, now: datetime) -> int:
    per_campaign: dict[int | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (campaign_id, *_), cell in cells.items():
        for name in SNAPSHOT_FIGURES:
            per_campaign[campaign_id][name] += cell.counts.get(name, 0)
    for campaign_id, figures in per_campaign.items():
        DailySnapshot.objects.update_or_create(
            day=today,
            campaign_id=campaign_id,  # type: ignore[misc]  # None is valid: the FK is nullable
            defaults={**{n: figures[n] for n in SNAPSHOT_FIGURES}, "taken_at": now},
        )
    return len(per_campaign)


def figures_built_at() -> datetime | None:
    row = Heartbeat.objects.filter(name=ROLLUP_NAME).only("seen_at", "detail").first()
    return row.seen_at if row and row.detail else None
