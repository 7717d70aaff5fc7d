"""At 390 px (a phone) the dashboard, the work queue and the artist's public page fit the screen:
no horizontal scrolling of the page itself (a wide table scrolls inside its own frame). Each
page is screenshotted at 1440 px and 390 px into SCREENSHOT_DIR (default var/screenshots/)."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.axe_helpers import axe_context, logged_in_context
from tests.preference_factories import make_link
from warnings_app.models import Artist

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = 390
WIDE = 1440

# The elements sticking out past the window's right edge, to say what to fix.
OVERFLOWING = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
               && !e.closest('.table-wrap'))
  .slice(0, 8).map(e => e.tagName + '.' + e.className + ' right=' +
                   Math.round(e.getBoundingClientRect().right))"""


def screenshot_dir() -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or settings.BASE_DIR / "var" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _fits(page, name: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE, f"{name} is {width} px wide at {PHONE} px: {page.evaluate(OVERFLOWING)}"


@pytest.fixture
def story():
    from warnings_demo.demo import demo_seed

    demo_seed(companies=100)


def test_the_dashboard_and_the_work_queue_fit_a_phone(story, live_server, browser):
    for username, url, name in [
        ("manager", "/dashboard/", "dashboard"),
        ("paralegal", "/queue/", "work-queue"),
    ]:
        for width in (WIDE, PHONE):
            context = logged_in_context(
                browser, live_server.url, username, viewport={"width": width, "height": 900}
            )
            page = context.new_page()
            page.goto(live_server.url + url)
            page.screenshot(path=screenshot_dir() / f"{name}-{width}.png", full_page=True)
            if width == PHONE:
                _fits(page, name)
            context.close()


def test_the_queue_shows_the_subject_column_on_a_phone(story, live_server, browser):
    context = logged_in_context(
        browser, live_server.url, "paralegal", viewport={"width": PHONE, "height": 900}
    )
    page = context.new_page()
    page.goto(live_server.url + "/queue/")
    header = page.get_by_role("columnheader", name="Subject").first
    expect(header).to_be_visible()
    box = header.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= PHONE, f"the Subject column ends at {box['x'] + box['width']}"
    _fits(page, "the work queue")
    context.close()


def test_the_artists_page_fits_a_phone_with_the_choice_column_in_view(story, live_server, browser):
    artist = Artist.objects.order_by("pk").first()
    assert artist is not None
    _link, token = make_link(artist)
    for width in (WIDE, PHONE):
        page = axe_context(browser, viewport={"width": width, "height": 900}).new_page()
        page.goto(f"{live_server.url}/choose/{artist.pk}/{token}/")
        page.screenshot(path=screenshot_dir() / f"artist-choice-{width}.png", full_page=True)
        if width == PHONE:
            _fits(page, "the artist's page")
            choice = page.locator("select").first
            box = choice.bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= PHONE, "the “Your choice” select is off screen"
        page.context.close()
