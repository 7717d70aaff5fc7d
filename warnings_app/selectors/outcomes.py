"""Where each letter of a campaign stands: one row per first letter with its status, last
event, deadline, the outcome of the replies to it or to its reminders, and the next ladder step.

Everything the page sorts or filters on is an annotation (a subquery), so sorting and
filtering happen in SQL over the whole campaign and only the page is loaded. Hold reasons come
with the rows (Notice.hold_reason); demand answers are fetched for the page's rows in one query,
so the number of queries does not grow with the page or the campaign."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, TypedDict

from django.db.models import (
    Case,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from warnings_app.domain.matters import acts_on_notices, answers_to, overdue_flag
from warnings_app.models import Campaign, DemandAnswer, FollowUp, Notice, Response
from warnings_app.models.lifecycle import NoticeStatus

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class OutcomeAnnotations(TypedDict):
    """What `campaign_outcome_rows` adds to each first letter."""

    outcome: str
    overdue: bool
    next_step_name: str | None
    next_step_due: datetime | None


if TYPE_CHECKING:
    OutcomeRow = WithAnnotations[Notice, OutcomeAnnotations]

NO_REPLY = "none"  # the outcome filter's value for "no reply yet" (the annotation is "")
DEFAULT_SORT = "reference"


@dataclass(frozen=True)
class OutcomeFilters:
    status: str = ""
    outcome: str = ""  # an Outcome value, or NO_REPLY
    segment: str = ""
    jurisdiction: str = ""  # ISO country code of the company
    overdue: bool = False
    on_hold: bool = False
    text: str = ""  # part of the reference or of the company's name


def rank_in_order(field: str, values: list[str]) -> Case:
    """Sort a coded field in the order people think of it (the lifecycle, the outcome list),
    not alphabetically by code."""
    return Case(
        *(When(**{field: v}, then=Value(i)) for i, v in enumerate(values)),
        default=Value(len(values)),
        output_field=IntegerField(),
    )


SORTS: dict[str, F | Case] = {
    "reference": F("reference"),
    "company": F("company__legal_name"),
    "jurisdiction": F("company__country"),
    "status": rank_in_order("status", list(NoticeStatus.values)),
    "last_event": F("status_changed_at"),
    "due_date": F("due_date"),
    # By code: no reply yet (""), then the classified outcomes in the alphabetical order of
    # their labels, then "unclassified". Ranking in a CASE would repeat the outcome subquery in
    # every WHEN; ordering by the selected column computes it once per row.
    "outcome": F("outcome"),
}


def outcome_sort(value: str | None) -> str:
    """The sort asked for (`reference`, `-due_date`, ...), or the default for anything else."""
    value = value or ""
    return value if value.removeprefix("-") in SORTS else DEFAULT_SORT


def series_outcome() -> Coalesce:
    """For a notice (the outer query's row): the outcome of the latest classified reply to it
    or its reminders; "unclassified" if only unclassified replies came; "" when none came."""
    latest_answer = answers_to(OuterRef("pk")).order_by(
        rank_in_order("outcome", [Response.Outcome.UNCLASSIFIED]).desc(), "-received_at", "-pk"
    )
    return Coalesce(Subquery(latest_answer.values("outcome")[:1]), Value(""))


def campaign_outcome_rows(
    campaign: Campaign,
    filters: OutcomeFilters | None = None,
    ordering: str = DEFAULT_SORT,
    *,
    today: date | None = None,
) -> "QuerySet[OutcomeRow]":
    """The campaign's first letters, annotated with `outcome` ("" for no reply yet,
    "unclassified" for replies nobody classified yet, else the latest classified reply's
    outcome), `overdue`, `next_step_name` and `next_step_due`; filtered and sorted as asked."""
    filters = filters or OutcomeFilters()
    today = today or timezone.localdate()
    next_step = FollowUp.objects.filter(
        notice=OuterRef("pk"), status=FollowUp.Status.SCHEDULED
    ).order_by("due_at", "pk")
    rows = (
        Notice.objects.filter(campaign=campaign, ladder_step__isnull=True)
        .select_related("company")
        .annotate(
            outcome=series_outcome(),
            overdue=overdue_flag(today, unanswered=Q(outcome="")),
            next_step_name=Subquery(next_step.values("step__name")[:1]),
            next_step_due=Subquery(next_step.values("due_at")[:1]),
        )
    )
    rows = _filtered(rows, filters)
    sort = outcome_sort(ordering)
    key = SORTS[sort.removeprefix("-")]
    first = key.desc(nulls_last=True) if sort.startswith("-") else key.asc(nulls_last=True)
    return rows.order_by(first, "reference")


def _filtered(rows: "QuerySet[OutcomeRow]", filters: OutcomeFilters) -> "QuerySet[OutcomeRow]":
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.outcome == NO_REPLY:
        rows = rows.filter(outcome="")
    elif filters.outcome:
        rows = rows.filter(outcome=filters.outcome)
    if filters.segment:
        rows = rows.filter(company__segment=filters.segment)
    if filters.jurisdiction:
        rows = rows.filter(company__country=filters.jurisdiction)
    if filters.overdue:
        rows = rows.filter(overdue=True)
    if filters.on_hold:
        rows = rows.filter(on_hold=True)
    if filters.text:
        rows = rows.filter(
            Q(reference__icontains=filters.text) | Q(company__legal_name__icontains=filters.text)
        )
    return rows


def outcome_row_ids(rows: "QuerySet[OutcomeRow]") -> "QuerySet[OutcomeRow, int]":
    """The rows' ids in their order, for paging: sorted and filtered in SQL without working out
    the columns shown (a paginator makes it a count and one page of ids)."""
    return rows.values_list("pk", flat=True)


def outcome_rows_among(rows: "QuerySet[OutcomeRow]", ids: list[int]) -> "list[OutcomeRow]":
    """The rows among `ids` (one page of outcome_row_ids) with their columns, in the rows'
    order: one query."""
    return list(rows.filter(pk__in=ids))


def first_letters_chosen(campaign: Campaign, ids: list[int]) -> list[Notice]:
    """The campaign's first letters among `ids` (reminders and other campaigns' letters are
    left out): one query."""
    return list(
        Notice.objects.filter(
            pk__in=ids, campaign=campaign, ladder_step__isnull=True
        ).select_related("company")
    )


def campaign_jurisdictions(campaign: Campaign) -> list[str]:
    """The countries of the companies the campaign wrote to, for the jurisdiction filter."""
    codes = (
        Notice.objects.filter(campaign=campaign, ladder_step__isnull=True)
        .values_list("company__country", flat=True)
        .distinct()
        .order_by("company__country")
    )
    return list(codes)


def demand_answers_for(notice_ids: list[int]) -> dict[int, list[DemandAnswer]]:
    """For each first letter, the latest answer to each demand among the replies to it or to
    its reminders (a later reply overrides an earlier one on the same demand). One query."""
    if not notice_ids:
        return {}
    wanted = set(notice_ids)
    # The letters and their reminders first (two indexes), then their replies' answers: an OR
    # across the joins would make PostgreSQL read every answer.
    series = Notice.objects.filter(Q(pk__in=wanted) | Q(follows__in=wanted)).values("pk")
    answers = (
        DemandAnswer.objects.filter(acts_on_notices("response__"), response__notice__in=series)
        .select_related("response__notice")
        .order_by("response__received_at", "response_id")
    )
    latest: dict[int, dict[str, DemandAnswer]] = {}
    for answer in answers:
        notice = answer.response.notice
        root = None if notice is None else notice.pk if notice.pk in wanted else notice.follows_id
        if root is None:  # never: only replies to the wanted letters and their reminders are read
            continue
        latest.setdefault(root, {})[answer.demand] = answer
    order = {d: i for i, d in enumerate(DemandAnswer.Demand.values)}
    return {
        root: sorted(by_demand.values(), key=lambda a: order[a.demand])
        for root, by_demand in latest.items()
    }
