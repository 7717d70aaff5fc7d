"""The campaign list shows each campaign's figures (sent, replied, outcomes) as the dashboard
counts them, and each outcome's count opens exactly that many rows."""

import re

import pytest

from tests.campaign_helpers import make_campaign
from tests.page_helpers import figure_shown, page_as
from warnings_app.models import Campaign
from warnings_demo import demo_data
from warnings_demo.demo import demo_seed

pytestmark = pytest.mark.django_db


def _cell(html: str, campaign: Campaign, figure: str) -> str:
    row = re.search(rf'href="/campaigns/{campaign.pk}/".*?</tr>', html, re.S)
    assert row, campaign.name
    cell = re.search(rf'data-figure="{figure}">(.*?)</td>', row.group(0), re.S)
    assert cell, figure
    return cell.group(1)


def test_the_campaign_list_shows_the_dashboards_figures_and_links_each_outcome_to_its_rows(
    client,
):
    demo_seed(companies=100)
    story = Campaign.objects.get(name=demo_data.STORY_CAMPAIGN)
    fresh = make_campaign(companies=1, tag="not-yet-sent")
    listed = page_as(client, "manager", "/campaigns/")
    dashboard = page_as(client, "manager", f"/dashboard/?campaign={story.pk}")

    assert _cell(listed, story, "issued") == figure_shown(dashboard, "tile", "issued")
    assert _cell(listed, story, "replied") == figure_shown(dashboard, "tile", "replied")
    assert int(_cell(listed, story, "issued")) > 0
    outcomes = re.findall(
        r'<a href="([^"]+)" data-outcome="(\w+)">(\d+) ', _cell(listed, story, "outcomes")
    )
    assert outcomes
    for url, _key, count in outcomes:
        rows_page = page_as(client, "manager", url.replace("&amp;", "&"))
        shown = re.search(r'data-testid="result-count">(\d+) letter', rows_page)
        assert shown, url
        assert shown.group(1) == count, url
    assert _cell(listed, fresh, "issued") == "—"
    assert _cell(listed, fresh, "outcomes") == "—"
