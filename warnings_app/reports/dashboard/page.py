"""What the dashboard page shows for a set of figures: tiles, and each chart with the table that
says the same in numbers."""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils.safestring import SafeString
from django_countries import countries

from warnings_app.models import Campaign, Company, Response
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.reports.dashboard import charts
from warnings_app.reports.dashboard.figures import OUTCOME_ORDER, Figures

CURVE_DAYS = 60  # the response curve runs to this many business days after sending
CURVE_TABLE_DAYS = (5, 10, 15, 20, 30, 45, 60)
WEEKS_SHOWN = 26


@dataclass
class Chart:
    key: str
    title: str
    svg: SafeString
    headers: list[str]
    rows: list[list[Any]]
    note: str = ""


@dataclass
class Page:
    tiles: list[dict[str, Any]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def dashboard_page(figures: Figures) -> Page:
    t = figures.totals
    issued = t["issued"]
    median = figures.median_days_to_reply
    page = Page(
        tiles=[
            {"key": "issued", "label": "letters issued", "value": issued},
            {
                "key": "delivered",
                "label": "delivered",
                "value": t["delivered"],
                "note": _pct_note(t["delivered"], issued),
            },
            {
                "key": "bounced",
                "label": "bounced, not delivered since",
                "value": t["bounced"],
                "note": _pct_note(t["bounced"], issued),
            },
            {
                "key": "replied",
                "label": "replied",
                "value": t["replied"],
                "note": _pct_note(t["replied"], issued)
                + (f"; {t['replied_late']} after the deadline" if t["replied_late"] else ""),
            },
            {
                "key": "median_days",
                "label": "median business days to first reply",
                "value": "—" if median is None else _number(median),
            },
            {"key": "overdue", "label": "overdue, no reply", "value": t["overdue"]},
            {
                "key": "steps_due",
                "label": "ladder steps due this week",
                "value": figures.steps_due_this_week,
            },
        ]
    )
    page.charts = [
        _funnel(figures),
        _replies_per_week(figures),
        _outcome_mix(figures),
        _outcomes_by(figures, "segment"),
        _outcomes_by(figures, "country"),
        _response_curves(figures),
        _trend(figures),
    ]
    return page


def _pct_note(part: int, whole: int) -> str:
    pct = _pct(part, whole)
    return "" if pct is None else f"{_number(pct)}% of issued"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _funnel(f: Figures) -> Chart:
    t = f.totals
    stages = [
        ("Issued", t["issued"]),
        ("Delivered", t["delivered"]),
        ("Replied", t["replied"]),
        ("Resolved or closed", t["resolved"]),
    ]
    statuses = [
        (NoticeStatus(status).label, n)
        for status, n in sorted(f.statuses.items(), key=lambda item: -item[1])
    ]
    return Chart(
        key="funnel",
        title="Status funnel",
        svg=charts.bars("funnel", "Status funnel", stages),
        headers=["Stage", "Letters", "% of issued"],
        rows=[[label, n, _pct(n, t["issued"])] for label, n in stages]
        + [[f"Now {label.lower()}", n, _pct(n, t["issued"])] for label, n in statuses],
    )


def _replies_per_week(f: Figures) -> Chart:
    weeks = []
    if f.reply_weeks:
        first, last = min(f.reply_weeks), max(f.reply_weeks)
        first = max(first, last - timedelta(weeks=WEEKS_SHOWN - 1))
        weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    rows = [(f"{week:%-d %b}", f.reply_weeks.get(week, 0)) for week in weeks]
    return Chart(
        key="replies_per_week",
        title="Replies per week",
        svg=charts.columns("replies_per_week", "Replies per week", rows),
        headers=["Week beginning", "Replies"],
        rows=[[f"{week:%-d %b %Y}", f.reply_weeks.get(week, 0)] for week in weeks],
        note=f"The last {WEEKS_SHOWN} weeks with replies at most.",
    )


def outcome_labels(present: dict[str, int]) -> list[tuple[str, str]]:
    labels = dict(Response.Outcome.choices)
    return [(o, labels[o]) for o in OUTCOME_ORDER if present.get(o)]


def _outcome_mix(f: Figures) -> Chart:
    keys = outcome_labels(f.outcomes)
    rows = [(label, f.outcomes[key]) for key, label in keys]
    replied = f.totals["replied"]
    return Chart(
        key="outcome_mix",
        title="Outcome mix (replied matters, latest classified answer)",
        svg=charts.bars("outcome_mix", "Outcome mix", rows),
        headers=["Outcome", "Matters", "% of replied"],
        rows=[[label, n, _pct(n, replied)] for label, n in rows],
    )


def _outcomes_by(f: Figures, dimension: str) -> Chart:
    groups = f.by_segment if dimension == "segment" else f.by_country
    if dimension == "segment":
        names = dict(Company.Segment.choices)
        title = "Outcomes by segment"
    else:
        names = dict(countries)
        title = "Outcomes by jurisdiction"
    ordered = sorted(groups.items(), key=lambda item: (-item[1]["issued"], item[0]))
    keys = outcome_labels({o: sum(g.get(o, 0) for _, g in ordered) for o in OUTCOME_ORDER})
    rows = [(names.get(code, code), group) for code, group in ordered if group["replied"]]
    return Chart(
        key=f"outcomes_by_{dimension}",
        title=title,
        svg=charts.stacked(f"outcomes_by_{dimension}", title, rows, keys),
        headers=[
            "Segment" if dimension == "segment" else "Jurisdiction",
            "Issued",
            "Replied",
            "% replied",
            *(label for _, label in keys),
        ],
        rows=[
            [
                names.get(code, code),
                g["issued"],
                g["replied"],
                _pct(g["replied"], g["issued"]),
                *(g.get(key, 0) for key, _ in keys),
            ]
            for code, g in ordered
        ],
    )


def _response_curves(f: Figures) -> Chart:
    # Keyed as by_campaign is: None stands for the letters outside campaigns.
    names: dict[int | None, str] = dict(
        Campaign.objects.filter(pk__in=[pk for pk in f.by_campaign if pk]).values_list("pk", "name")
    )
    series, rows = [], []
    for pk, data in sorted(f.by_campaign.items(), key=lambda item: names.get(item[0], "")):
        name = names.get(pk, "Letters outside campaigns")
        cumulative, points = 0, []
        for day in range(CURVE_DAYS + 1):
            cumulative += data["days"].get(day, 0)
            points.append((day, _pct(cumulative, data["issued"]) or 0.0))
        series.append(charts.Series(name, points))
        by_day = dict(points)
        rows.append([name, data["issued"], *(by_day[d] for d in CURVE_TABLE_DAYS)])
    return Chart(
        key="response_curves",
        title="Response curve by campaign (cumulative % replied)",
        svg=charts.lines(
            "response_curves",
            "Response curve by campaign",
            series,
            x_max=CURVE_DAYS,
            y_max=100,
            x_label="business days after sending",
            y_label="% replied",
        ),
        headers=["Campaign", "Issued", *(f"Day {d}" for d in CURVE_TABLE_DAYS)],
        rows=rows,
    )


def _trend(f: Figures) -> Chart:
    first = f.trend[0]["day"] if f.trend else None
    replied, overdue = [], []
    for row in f.trend:
        x = (row["day"] - first).days
        replied.append((x, _pct(row["replied"], row["issued"]) or 0.0))
        overdue.append((x, _pct(row["overdue"], row["issued"]) or 0.0))
    span = (f.trend[-1]["day"] - first).days if f.trend else 0
    return Chart(
        key="trend",
        title="Trend (daily snapshots)",
        svg=charts.lines(
            "trend",
            "Replied and overdue over time",
            [charts.Series("Replied, % of issued", replied), charts.Series("Overdue", overdue)],
            x_max=max(span, 1),
            y_max=100,
            x_label="days",
            y_label="%",
        ),
        headers=["Day", "Issued", "Delivered", "Replied", "Resolved", "Overdue"],
        rows=[
            [
                f"{row['day']:%-d %b %Y}",
                row["issued"],
                row["delivered"],
                row["replied"],
                row["resolved"],
                row["overdue"],
            ]
            for row in f.trend
        ],
        note="From the end-of-day snapshots: a campaign filter applies, the segment, "
        "jurisdiction and date filters do not.",
    )
