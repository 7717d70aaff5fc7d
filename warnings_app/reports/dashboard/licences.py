"""The dashboard's licence section: licence talks by stage, conversion from letter to talks to
signed licence per campaign and per segment, the licences in force today with their annualised
fees by currency, and overdue usage reports. Each figure has its table; each number in it opens
the rows it counts (views/licence_figures.py); each table downloads as CSV or XLSX. The figures
are the rules of selectors/licence_figures.py, read now (the register of licences is small
beside the letters): the dashboard's letter filters do not apply to them."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from warnings_app.models import Campaign, Company
from warnings_app.models.licences import TALKS_STAGES, MatterStage
from warnings_app.reports.dashboard import charts
from warnings_app.reports.dashboard.page import Chart
from warnings_app.selectors.licence_figures import (
    NOT_COUNTED,
    UNDER_WAY,
    Conversion,
    Fees,
    conversion,
    fees_by_currency,
    matters_by_stage,
    overdue_by_licence,
)

# The tables, in the order the section shows them; their keys name their downloads.
TABLES = (
    "licence_stages",
    "conversion_campaign",
    "conversion_segment",
    "licence_fees",
    "overdue_reports",
)


@dataclass(frozen=True)
class RowsLink:
    """A table cell shown as a number that opens the rows it counts."""

    value: Any
    url: str

    def __str__(self) -> str:
        return str(self.value)


@dataclass
class LicenceSection:
    today: date
    tiles: list[dict[str, Any]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


def _url(name: str, **query: Any) -> str:
    chosen = {key: value for key, value in query.items() if value is not None}
    return reverse(name) + (f"?{urlencode(chosen)}" if chosen else "")


def _link(value: Any, name: str, **query: Any) -> Any:
    """The number as a link to its rows; a zero stays text (it has no rows to open)."""
    return RowsLink(value, _url(name, **query)) if value else value


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def licence_section(today: date | None = None) -> LicenceSection:
    today = today or timezone.localdate()
    stages = matters_by_stage()
    fees = fees_by_currency(today)
    overdue = overdue_by_licence()
    talks_now = sum(n for stage, n in stages.items() if stage in TALKS_STAGES)
    return LicenceSection(
        today=today,
        tiles=[
            {
                "key": "licence_talks",
                "label": "licence talks under way",
                "value": _link(talks_now, "licence_figures_matters", stage=UNDER_WAY),
                "note": "enquiry, NDA, term sheet or negotiation",
            },
            {
                "key": "active_licences",
                "label": "licences in force today",
                "value": _link(fees.active, "licence_figures_licences"),
            },
            {
                "key": "overdue_reports",
                "label": "usage reports overdue",
                "value": _link(sum(n for *_, n in overdue), "licence_figures_overdue"),
            },
        ],
        charts=[
            stages_chart(stages),
            conversion_chart("campaign", conversion("campaign")),
            conversion_chart("segment", conversion("segment")),
            fees_chart(fees),
            overdue_chart(overdue),
        ],
    )


def stages_chart(stages: dict[str, int]) -> Chart:
    labels = dict(MatterStage.choices)
    return Chart(
        key="licence_stages",
        title="Licence talks by stage",
        svg=charts.bars(
            "licence_stages",
            "Licence talks by stage",
            [(labels[stage], n) for stage, n in stages.items()],
        ),
        headers=["Stage", "Licence talks"],
        rows=[
            [labels[stage], _link(n, "licence_figures_matters", stage=stage)]
            for stage, n in stages.items()
        ]
        if any(stages.values())
        else [],
        note="Every set of talks by its stage now, those that ended included.",
    )


def conversion_chart(by: str, figures: dict[str, Conversion]) -> Chart:
    if by == "campaign":
        names = dict(
            Campaign.objects.filter(pk__in=[int(k) for k in figures]).values_list("pk", "name")
        )
        name_of = {key: names.get(int(key), f"Campaign {key}") for key in figures}
        heading = "Campaign"
    else:
        segments = dict(Company.Segment.choices)
        name_of = {key: str(segments.get(key, key)) for key in figures}
        heading = "Segment"
    ordered = sorted(figures.items(), key=lambda item: (name_of[item[0]], item[0]))
    title = f"From letter to licence, by {by}"
    rows = []
    for key, c in ordered:

        def rows_of(step: str, n: int, key: str = key) -> Any:
            return _link(n, "licence_figures_conversion", by=by, key=key, step=step)

        rows.append(
            [
                name_of[key],
                rows_of("sent", c.sent),
                rows_of("talks", c.talks),
                rows_of("signed", c.signed),
                _pct(c.talks, c.sent),
                _pct(c.signed, c.sent),
            ]
        )
    return Chart(
        key=f"conversion_{by}",
        title=title,
        svg=charts.stacked(
            f"conversion_{by}",
            title,
            [
                (
                    name_of[key],
                    {"signed": c.signed, "talks": c.talks - c.signed, "no": c.sent - c.talks},
                )
                for key, c in ordered
            ],
            [("signed", "Signed a licence"), ("talks", "Talks, no licence"), ("no", "No talks")],
        ),
        headers=[
            heading,
            "Companies sent the first letter",
            "In licence talks after it",
            "Signed a licence in those talks",
            "% in talks",
            "% signed",
        ],
        rows=rows,
        note="Companies, not letters: a company counts once per campaign"
        + (" (per segment, from its first campaign letter)." if by == "segment" else "."),
    )


def _parts(c: Conversion) -> dict[str, int]:
    return {"signed": c.signed, "talks": c.talks - c.signed, "no": c.sent - c.talks}


def fees_chart(fees: Fees) -> Chart:
    rows: list[list[Any]] = [
        [
            currency,
            _link(row.licences, "licence_figures_licences", currency=currency),
            row.annualised,
        ]
        for currency, row in fees.by_currency.items()
    ]
    if fees.not_counted:
        rows.append(
            [
                "Fee not counted",
                _link(fees.not_counted, "licence_figures_licences", currency=NOT_COUNTED),
                None,
            ]
        )
    return Chart(
        key="licence_fees",
        title="Licences in force today and their annualised fees",
        svg=charts.bars(
            "licence_fees",
            "Licences in force today by currency",
            [(str(row[0]), plain(row[1])) for row in rows],
        ),
        headers=["Currency", "Licences in force", "Annualised fees"],
        rows=rows,
        note="A year's worth of each fee: per quarter ×4, per month ×12, once ÷ the term in "
        "years, per work × the works included; a revenue share counts its annual minimum. "
        "Not counted: licences recorded before licences existed, revenue shares without a "
        "minimum, licences with no fee recorded. Currencies are never added together.",
    )


def overdue_chart(overdue: list[tuple[int, str, str, int]]) -> Chart:
    return Chart(
        key="overdue_reports",
        title="Usage reports overdue",
        svg=charts.bars(
            "overdue_reports",
            "Usage reports overdue by licence",
            [(f"{reference} ({company})", n) for _pk, reference, company, n in overdue],
        ),
        headers=["Licence", "Licensee", "Reports overdue"],
        rows=[
            [reference, company, _link(n, "licence_figures_overdue", licence=pk)]
            for pk, reference, company, n in overdue
        ],
        note="Periods whose usage report was due and has not come: a report covering the "
        "period's end settles it.",
    )


def chart_named(section: LicenceSection, key: str) -> Chart:
    for chart in section.charts:
        if chart.key == key:
            return chart
    raise KeyError(key)


def plain(cell: Any) -> Any:
    """A cell's value without its link, for a download."""
    return cell.value if isinstance(cell, RowsLink) else cell
