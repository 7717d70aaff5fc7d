"""A manager clicks a dashboard figure and gets exactly that many rows: filtered to one
campaign, the overdue tile and each outcome's count open the campaign's outcome view showing as
many letters as the figure said. Screenshots at 1440 px and 390 px go to SCREENSHOT_DIR."""

import re

import pytest
from django.test import Client

from tests.axe_helpers import logged_in_context
from tests.factories import UserFactory
from tests.figures_pages_helpers import dashboard_read
from tests.test_small_screens import PHONE, WIDE, screenshot_dir
from warnings_app.models import Campaign
from warnings_demo import demo_data
from warnings_demo.demo import demo_seed

pytestmark = pytest.mark.django_db


def _count(page) -> int:
    text = page.get_by_test_id("result-count").inner_text()
    return int(re.match(r"(\d+) letter", text).group(1))


@pytest.fixture
def story():
    demo_seed(companies=100)
    return Campaign.objects.get(name=demo_data.STORY_CAMPAIGN)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_manager_clicks_a_dashboard_figure_and_gets_exactly_that_many_rows(
    story, live_server, browser
):
    clicked = 0
    for width in (WIDE, PHONE):
        context = logged_in_context(
            browser, live_server.url, "manager", viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/dashboard/")
        page.get_by_label("Campaign", exact=True).select_option(label=story.name)
        page.get_by_role("button", name="Show").click()
        page.screenshot(path=screenshot_dir() / f"dashboard-campaign-{width}.png", full_page=True)
        overdue = page.get_by_test_id("tile-link-overdue")
        expected = int(overdue.inner_text())
        assert expected > 0
        overdue.click()
        page.wait_for_url(f"**/campaigns/{story.pk}/outcomes/?overdue=on")
        assert _count(page) == expected
        page.screenshot(path=screenshot_dir() / f"outcomes-overdue-{width}.png", full_page=True)
        clicked += 1

        page.go_back()
        mix = page.get_by_test_id("chart-outcome_mix")
        mix.get_by_text("The same as a table").click()
        links = mix.locator("table a")
        assert links.count() > 0
        for i in range(links.count()):
            link = mix.locator("table a").nth(i)
            expected = int(link.inner_text())
            link.click()
            assert _count(page) == expected, page.url
            clicked += 1
            page.go_back()
            mix = page.get_by_test_id("chart-outcome_mix")
            if not mix.locator("table a").first.is_visible():
                mix.get_by_text("The same as a table").click()
        context.close()
    assert clicked >= 4


def test_without_a_campaign_or_with_dates_the_figures_are_not_links(story):
    client = Client()
    client.force_login(UserFactory(role="Manager"))
    everything = client.get("/dashboard/").content.decode()
    assert 'data-testid="tile-link-' not in everything
    dated = client.get(f"/dashboard/?campaign={story.pk}&since=2020-01-01").content.decode()
    assert 'data-testid="tile-link-' not in dated
    one = client.get(f"/dashboard/?campaign={story.pk}").content.decode()
    assert f'href="/campaigns/{story.pk}/outcomes/?overdue=on"' in one
    tiles, _tables = dashboard_read(one)
    assert tiles["overdue"]["value"] == re.search(
        r'data-testid="tile-link-overdue">(\d+)<', one
    ).group(1)
