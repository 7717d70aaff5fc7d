"""In Chromium: an error looks like an error (red, marked, announced), success like success,
and a field with an error is red, not grey (the CSS conflict of issue 18)."""

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory
from tests.outcome_helpers import sent_campaign
from warnings_app.domain.roles import LEGAL

STOP = "rgb(155, 28, 28)"  # --stop
OK = "rgb(29, 107, 58)"  # --ok
PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's


@pytest.fixture
def campaign(transactional_db):
    """Made before the browser starts: rendering letters needs no running event loop."""
    made, _ = sent_campaign(companies=2)
    return made


def _log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


def _style(locator, prop: str) -> str:
    return locator.evaluate(f"e => getComputedStyle(e).getPropertyValue('{prop}')")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_errors_are_red_and_announced_and_success_is_not(campaign, live_server, browser):
    lawyer = UserFactory(role=LEGAL)
    page = browser.new_context(viewport={"width": 390, "height": 900}).new_page()
    _log_in(page, live_server.url, lawyer.username)

    page.goto(f"{live_server.url}/campaigns/{campaign.pk}/outcomes/")
    # No action is preselected (the select is required): choose one, but no letter.
    page.get_by_label("Action").select_option("hold")
    page.get_by_role("button", name="Apply").click()
    refused = page.get_by_role("alert")
    refused_text, refused_colour = refused.inner_text(), _style(refused.locator("li"), "color")
    page.get_by_label("Action").select_option("hold")
    page.get_by_label("Reason (to withdraw or hold)").fill("talks with their counsel")
    page.locator("input[name=ids]").first.check()
    page.get_by_role("button", name="Apply").click()
    done = page.get_by_role("status")

    assert refused_text.startswith("Error")
    assert "Nothing was changed" in refused_text
    assert refused_colour == STOP
    expect(done).to_contain_text("put on hold")
    assert _style(done.locator("li"), "color") == OK
    assert page.get_by_role("alert").count() == 0

    page.goto(f"{live_server.url}/companies/new/")
    page.get_by_role("button", name="Save").click()
    name = page.get_by_label("Legal name")

    assert name.get_attribute("aria-invalid") == "true"
    assert _style(name, "border-top-color") == STOP
    described = name.get_attribute("aria-describedby")
    expect(page.locator(f"#{described}")).to_contain_text("required")
