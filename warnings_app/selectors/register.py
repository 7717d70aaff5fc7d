"""The register as a matter view: each company with its latest matter (first letter of a
series), that letter's status, the latest answer and its outcome, the reply-by date and the
next scheduled reminder.

Every figure is a subquery annotation built from the named rules in domain/matters.py and
selectors/outcomes.py, so the page sorts in SQL and its query count does not grow with the
register or the page size."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import (
    CharField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from warnings_app.domain.matters import answers_to, overdue_flag
from warnings_app.models import Company, FollowUp, Notice, Response
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.selectors.companies import companies_matching
from warnings_app.selectors.outcomes import rank_in_order, series_outcome

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
DEFAULT_SORT = "name"


# Column -> order expression. No letter yet sorts last whichever way round.
REGISTER_SORTS: dict[str, Any] = {
    "name": F("legal_name"),
    "status": F("matter_status_rank"),
    "deadline": F("matter_due"),
    "outcome": F("matter_outcome"),
}


def register_sort(value: str | None) -> str:
    """The sort asked for (`name`, `-deadline`, ...) or the default for anything else."""
    value = value or ""
    return value if value.removeprefix("-") in REGISTER_SORTS else DEFAULT_SORT


def register_page_size(value: str | None) -> int:
    try:
        size = int(value or "")
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def _latest_matters(today: date) -> QuerySet[Notice]:
    """A company's matters, newest first, each with its outcome, overdue flag and latest answer
    (as a subquery of a query over companies)."""
    latest_answer = answers_to(OuterRef("pk")).order_by("-received_at", "-pk")
    return (
        Notice.objects.filter(company=OuterRef("pk"), ladder_step__isnull=True)
        .annotate(
            series_result=series_outcome(),
            is_overdue=overdue_flag(today, unanswered=Q(series_result="")),
            answered_at=Subquery(latest_answer.values("received_at")[:1]),
            # The lifecycle's order, ranked inside the subquery: a CASE over the company's
            # annotation would repeat the subquery in every WHEN.
            status_rank=rank_in_order("status", list(NoticeStatus.values)),
        )
        .order_by("-created_at", "-pk")
    )


def register_rows(
    *, ordering: str = DEFAULT_SORT, today: date | None = None, **filters: Any
) -> QuerySet[Company]:
    """The register filtered as on the company list (`filters` as `companies_matching`), each
    company annotated with `matter_id`, `matter_reference`, `matter_status`, `matter_pdf` (its
    hash; "" before rendering), `matter_due`, `matter_outcome` ("" when no reply came),
    `matter_overdue`, `matter_answered_at` and `next_reminder_due`; sorted by a REGISTER_SORTS
    key (`-` for descending)."""
    today = today or timezone.localdate()
    latest = _latest_matters(today)

    def pick(field: str) -> Subquery:
        return Subquery(latest.values(field)[:1])

    next_reminder = FollowUp.objects.filter(
        notice__company=OuterRef("pk"), status=FollowUp.Status.SCHEDULED
    ).order_by("due_at", "pk")
    filters.pop("ordering", None)
    rows = companies_matching(**filters).annotate(
        matter_id=pick("pk"),
        matter_reference=pick("reference"),
        matter_status=pick("status"),
        matter_status_rank=pick("status_rank"),
        matter_pdf=pick("pdf_sha256"),
        matter_due=pick("due_date"),
        matter_outcome=Coalesce(pick("series_result"), Value(""), output_field=CharField()),
        matter_overdue=pick("is_overdue"),
        matter_answered_at=pick("answered_at"),
        next_reminder_due=Subquery(next_reminder.values("due_at")[:1]),
    )
    sort = register_sort(ordering)
    key = REGISTER_SORTS[sort.removeprefix("-")]
    first = key.desc(nulls_last=True) if sort.startswith("-") else key.asc(nulls_last=True)
    return rows.order_by(first, "legal_name", "pk")


def with_labels(companies: Iterable[Company]) -> None:
    """Set `matter_status_label` and `matter_outcome_label` on rows of `register_rows` (in
    Python: a CASE over the annotation would repeat its subquery in every WHEN)."""
    statuses, outcomes = dict(NoticeStatus.choices), dict(Response.Outcome.choices)
    for company in companies:
        row = vars(company)
        row["matter_status_label"] = str(statuses.get(row.get("matter_status") or "", ""))
        row["matter_outcome_label"] = str(outcomes.get(row.get("matter_outcome") or "", ""))
