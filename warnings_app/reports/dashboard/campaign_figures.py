"""Each campaign's headline figures for the campaign list, read from the reporting table the
dashboard reads (FigureSummary: the campaign's row for every segment and jurisdiction), so the
list and the dashboard agree. One query for the whole list."""

from dataclasses import dataclass, field

from django.db.models import Q

from warnings_app.models import FigureSummary, Response
from warnings_app.reports.dashboard.figures import OUTCOME_ORDER

OUTCOME_LABELS = dict(Response.Outcome.choices)


@dataclass(frozen=True)
class CampaignFigures:
    issued: int = 0
    replied: int = 0
    overdue: int = 0
    # (outcome key, label, matters), in the dashboard's order, only outcomes with matters
    outcomes: list[tuple[str, str, int]] = field(default_factory=list)


def campaign_figures(campaign_ids: list[int]) -> dict[int, CampaignFigures]:
    """{campaign id: its figures} for the campaigns that have any (the figures as of the last
    rollup, like the dashboard's)."""
    every = FigureSummary.ALL
    rows = FigureSummary.objects.filter(
        Q(campaign_key__in=[str(pk) for pk in campaign_ids]), segment=every, country=every
    ).values_list("campaign_key", "issued", "replied", "overdue", "outcomes")
    found = {}
    for key, issued, replied, overdue, outcomes in rows:
        found[int(key)] = CampaignFigures(
            issued=issued,
            replied=replied,
            overdue=overdue,
            outcomes=[
                (o, OUTCOME_LABELS[o], outcomes[o]) for o in OUTCOME_ORDER if outcomes.get(o)
            ],
        )
    return found
