"""In Chromium: the register shows 20+ matters on a 1440x900 screen, ticking companies starts a
campaign for exactly those, and the campaign form counts its recipients live as filters change.
Screenshots at 1440 px and 390 px go to SCREENSHOT_DIR (default var/screenshots/)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from warnings_app.models import Company
from warnings_app.selectors.campaigns import campaign_recipients
from warnings_demo import demo_data
from warnings_demo.demo import demo_seed

WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}


def _shot(page, name: str) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or "var/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(demo_data.demo_password(username))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


def _rows_per_screen(page) -> int:
    """How many rows of the register fit in one screen's height below its column headers."""
    return page.evaluate(
        """() => {
            const rows = Array.from(document.querySelectorAll("tr[data-company]"));
            const top = document.querySelector("table.register thead").getBoundingClientRect();
            const room = window.innerHeight - top.height;
            const first = rows[0].getBoundingClientRect().top;
            return rows.filter(r => r.getBoundingClientRect().bottom - first <= room).length;
        }"""
    )


@pytest.fixture
def demo_register(transactional_db):
    """The demo with its story (letters, replies, deadlines), seeded before the browser starts:
    signing the letters runs its own event loop, which Playwright's would refuse."""
    demo_seed(companies=120)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_register_leads_to_a_campaign_whose_form_counts_live(
    live_server, demo_register, browser
):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    _log_in(page, live_server.url, "legal")

    page.goto(f"{live_server.url}/companies/?sort=deadline")
    _shot(page, "register-1440")
    assert _rows_per_screen(page) >= 20
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("Next deadline")
    expect(page.get_by_test_id("notice-link").first).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "register-390")
    page.set_viewport_size({"width": 1440, "height": 900})

    # One German company and one from elsewhere: choosing Germany narrows the two to one.
    sendable = Company.objects.filter(hold_automation=False).exclude(licences__isnull=False)
    ticked = [
        sendable.filter(country="DE").order_by("legal_name").first(),
        sendable.exclude(country="DE").order_by("legal_name").first(),
    ]
    page.goto(f"{live_server.url}/companies/?per_page=200")
    for company in ticked:
        page.locator(f"#pick-{company.pk}").check()
    page.get_by_test_id("bulk-campaign").click()
    expect(page.get_by_role("heading", name="New campaign")).to_be_visible()
    expect(page.get_by_test_id("prefilled-companies")).to_contain_text("2 companies ticked")
    count = page.get_by_test_id("recipient-count")
    expect(count).to_contain_text("2 companies will get a letter")
    listed = page.get_by_test_id("recipient-list")
    for company in ticked:
        expect(listed).to_contain_text(company.legal_name)

    # Type to filter the 250 countries, click (no Ctrl) to add one: the count follows.
    page.get_by_label("Find a country").fill("German")
    page.locator("#id_countries option[value=DE]").click()
    expect(page.locator("#id_countries_chosen")).to_contain_text("1 chosen: Germany")
    ids = [c.pk for c in ticked]
    included, excluded = campaign_recipients({"country": ["DE"], "company_ids": ids})
    assert len(included) == 1
    expect(count).to_contain_text("1 company will get a letter")
    if excluded:
        expect(page.get_by_test_id("recipient-excluded")).to_contain_text(excluded[0][1])
    _shot(page, "campaign-form-1440")
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390
    _shot(page, "campaign-form-390")
    context.close()
