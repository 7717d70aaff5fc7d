"""The dashboard's numbers as links to the rows they count. The rows live on a campaign's
outcome view, whose filters say exactly what some figures count: so when the dashboard is
filtered to one campaign (and no dates, which that view does not filter by), the overdue tile
and each outcome's count open that view filtered the same way. Elsewhere a number stays text
rather than link to rows that would not add up to it."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from warnings_app.reports.dashboard.figures import Figures
from warnings_app.reports.dashboard.page import Page, outcome_labels
from warnings_app.selectors.letter_filters import LetterFilter


@dataclass(frozen=True)
class Link:
    """A table cell shown as a number that opens the rows it counts."""

    value: Any
    url: str

    def __str__(self) -> str:
        return str(self.value)


def link_figures(page: Page, figures: Figures, filters: LetterFilter) -> None:
    """Turn the figures that one campaign's outcome view can list into links to it."""
    if filters.campaign is None or filters.by_date:
        return
    base = reverse("campaign_outcomes", args=[filters.campaign.pk])
    common = {"segment": filters.segment, "jurisdiction": filters.country}

    def rows_url(**chosen: str) -> str:
        query = {k: v for k, v in {**common, **chosen}.items() if v}
        return f"{base}?{urlencode(query)}" if query else base

    for tile in page.tiles:
        if tile["key"] == "overdue":
            tile["url"] = rows_url(overdue="on")
    key_of = {label: key for key, label in outcome_labels(figures.outcomes)}
    for chart in page.charts:
        if chart.key == "outcome_mix":
            for row in chart.rows:
                if row[0] in key_of and row[1]:
                    row[1] = Link(row[1], rows_url(outcome=key_of[row[0]]))
