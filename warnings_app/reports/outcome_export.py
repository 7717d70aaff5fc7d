"""A campaign's outcome view as a spreadsheet: the same first letters, filters and order as the
page (selectors/outcomes.py), every row rather than one page, in words people read."""

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from warnings_app.models import Campaign, DemandAnswer, Response
from warnings_app.reports.exports import Column, row_cells, spreadsheet
from warnings_app.selectors.outcomes import (
    OutcomeFilters,
    campaign_outcome_rows,
    demand_answers_for,
    outcome_row_ids,
    outcome_rows_among,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from warnings_app.selectors.outcomes import OutcomeRow

ROWS_AT_ONCE = 500
OUTCOME_LABELS = {"": "No reply yet", **dict(Response.Outcome.choices)}


def _days_past_due(row: "OutcomeRow") -> int | None:
    if not row.overdue or row.due_date is None:
        return None
    return (timezone.localdate() - row.due_date).days


def _answers(answers: list[DemandAnswer]) -> str:
    return "; ".join(f"{a.get_demand_display()}: {a.get_answer_display()}" for a in answers)


# Each column reads a (row, its demand answers) pair.
OUTCOME_COLUMNS: list[Column] = [
    ("Reference", lambda r: r[0].reference),
    ("Company", lambda r: r[0].company.legal_name),
    ("Country", lambda r: r[0].company.country.name),
    ("Segment", lambda r: r[0].company.get_segment_display()),
    ("Status", lambda r: r[0].get_status_display()),
    ("Last change", lambda r: r[0].status_changed_at),
    ("Reply due", lambda r: r[0].due_date),
    ("Overdue", lambda r: bool(r[0].overdue)),
    ("Days past due", lambda r: _days_past_due(r[0])),
    ("Outcome", lambda r: OUTCOME_LABELS.get(r[0].outcome, r[0].outcome)),
    ("Demand answers", lambda r: _answers(r[1])),
    ("On hold", lambda r: r[0].on_hold),
    ("Hold reason", lambda r: r[0].hold_reason),
    ("Next step", lambda r: r[0].next_step_name or ""),
    ("Next step due", lambda r: r[0].next_step_due),
]


def outcome_export(
    campaign: Campaign, filters: OutcomeFilters, sort: str, fmt: str
) -> tuple[bytes, str, int]:
    """The chosen rows as CSV or XLSX: (bytes, MIME, number of rows). Reads ROWS_AT_ONCE rows
    and their demand answers at a time: two queries per chunk, whatever the campaign's size."""
    rows = campaign_outcome_rows(campaign, filters, sort)
    ids = list(outcome_row_ids(rows))
    content, mime = spreadsheet(
        fmt,
        [name for name, _ in OUTCOME_COLUMNS],
        _cells(rows, ids, typed=fmt == "xlsx"),
        title="outcomes",
    )
    return content, mime, len(ids)


def _cells(rows: "QuerySet[OutcomeRow]", ids: list[int], *, typed: bool) -> Iterator[list[Any]]:
    for start in range(0, len(ids), ROWS_AT_ONCE):
        chunk = ids[start : start + ROWS_AT_ONCE]
        answers = demand_answers_for(chunk)
        for row in outcome_rows_among(rows, chunk):
            yield row_cells(OUTCOME_COLUMNS, (row, answers.get(row.pk, [])), typed=typed)
