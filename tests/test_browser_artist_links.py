"""Withdrawing an artist's private link in a real Chromium: Revoke leads to a question that
states the consequence; only confirming withdraws. Screenshots at 1440 and 390 px."""

import pytest
from playwright.sync_api import expect

from tests.test_browser_template_editor import _log_in, _shot
from warnings_demo.demo import demo_seed


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("width", [1440, 390])
def test_a_paralegal_withdraws_a_link_after_reading_what_it_does(live_server, browser, width):
    from tests.preference_factories import artist_with_works, make_link

    demo_seed(companies=1)
    artist, _works = artist_with_works(name="Mara Quill")
    link, _token = make_link(artist, recipient_email="mara@artists.example")
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    _log_in(page, live_server.url, "paralegal")

    page.goto(f"{live_server.url}/artists/{artist.pk}/")
    page.get_by_role("link", name="Revoke…").click()
    consequence = page.get_by_test_id("revoke-consequence")
    expect(consequence).to_contain_text("mara@artists.example")
    expect(consequence).to_contain_text("it stops working at once")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    _shot(page, f"artist-link-revoke-{width}")
    page.get_by_role("link", name="Keep it open").click()
    link.refresh_from_db()
    assert link.state() == "open"

    page.get_by_role("link", name="Revoke…").click()
    page.get_by_role("button", name="Withdraw the link").click()
    expect(page.get_by_role("status")).to_contain_text("was withdrawn; it no longer opens")
    link.refresh_from_db()
    assert link.state() == "revoked"
