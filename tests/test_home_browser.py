"""In a real Chromium: a paralegal starts from the home page's "replies assigned to you" link
and works five replies with "save and next", never leaving the reply page between them. The
pages are photographed at 1440 px and 390 px into SCREENSHOT_DIR (default var/screenshots/)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from warnings_demo import demo_data
from warnings_demo.demo import demo_seed

WIDTHS = (1440, 390)


def _shots_dir() -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or Path(settings.BASE_DIR) / "var/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _photograph(page, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(_shots_dir() / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_paralegal_works_five_replies_with_save_and_next_from_the_home_page(live_server, browser):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from tests.factories import UserFactory, make_notice
    from warnings_app.models import Notice, Response

    demo_seed(companies=3)
    Response.objects.filter(outcome="unclassified").update(outcome="acknowledged")
    paralegal = get_user_model().objects.get(username="paralegal")
    approver = UserFactory(role="Legal")
    replies = []
    for n in range(6):
        letter = make_notice()
        Notice.objects.filter(pk=letter.pk).update(
            status="sent", approved_by=approver, sent_at=timezone.now() - timedelta(days=20)
        )
        replies.append(
            Response.objects.create(
                notice=letter,
                company=letter.company,
                channel="email",
                kind="reply",
                matched_by="reference",
                sender=f"counsel{n}@example.com",
                subject=f"Answer number {n + 1}",
                received_at=timezone.now() - timedelta(days=10 - n),
                assigned_to=paralegal,
            )
        )
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name").fill("paralegal")
    page.get_by_label("Password").fill(demo_data.demo_password("paralegal"))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")

    mine = page.locator('[data-todo="my_replies"]')
    expect(mine.locator("[data-count]")).to_have_text("6")
    _photograph(page, "home-paralegal")
    mine.click()
    expect(page.get_by_test_id("row-count")).to_contain_text("6 replies")
    _photograph(page, "queue-mine")
    expect(page.locator("#outcome")).to_be_hidden()  # no action chosen: no field shown
    page.get_by_label("Action").select_option("classify")
    expect(page.locator("#outcome")).to_be_visible()
    expect(page.locator("#assignee")).to_be_hidden()
    expect(page.locator("#until")).to_be_hidden()
    page.get_by_label("Choose every reply on this page").check()
    expect(page.locator('input[name="ids"]:checked')).to_have_count(6)
    page.get_by_label("Choose every reply on this page").uncheck()
    expect(page.locator('input[name="ids"]:checked')).to_have_count(0)
    page.get_by_test_id("start-working").click()

    outcomes = ["complied", "disputes", "acknowledged", "claims_licence", "complied"]
    for n, outcome in enumerate(outcomes):
        expect(page.locator("h1")).to_contain_text(f"Answer number {n + 1}")
        if n == 0:
            expect(page.get_by_label("Outcome", exact=True)).to_have_value("")
            _photograph(page, "reply-save-and-next")
        page.get_by_label("Outcome", exact=True).select_option(outcome)
        page.get_by_role("button", name="Save and next").click()
    expect(page.locator("h1")).to_contain_text("Answer number 6")

    done = {r.pk: r.outcome for r in Response.objects.filter(pk__in=[r.pk for r in replies])}
    assert [done[r.pk] for r in replies] == [*outcomes, "unclassified"]
    page.goto(f"{live_server.url}/")
    expect(mine.locator("[data-count]")).to_have_text("1")
