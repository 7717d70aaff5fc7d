"""In a real Chromium, with a real worker and SMTP server: a lawyer reviews a 20-letter campaign
letter by letter, sends one back with a comment, approves the rest with the keyboard, confirms
the send seeing the count, and the campaign ends "sent"; a second lawyer approves a due
reminder on its own page and it is delivered. Screenshots of each page at 1440 and 390 px go to
SCREENSHOT_DIR (default var/screenshots)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from warnings_demo import demo_data
from warnings_demo.demo import demo_seed

WIDTHS = {"1440": (1440, 900), "390": (390, 844)}


def shoot(page, name: str) -> None:
    """The page as it is now, full length, at each width; the viewport is put back after."""
    folder = Path(os.environ.get("SCREENSHOT_DIR", "var/screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    for width, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        page.wait_for_function("() => [...document.images].every(i => i.complete)")
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})


def log_in(browser, base_url: str, username: str):
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(demo_data.demo_password(username))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lawyer_reviews_sends_one_back_approves_and_sends_and_a_reminder_is_approved(
    live_server, browser, smtp_server, redis_broker
):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from tests.campaign_helpers import make_campaign
    from tests.conftest import require_postgres
    from tests.factories import TemplateVersionFactory
    from tests.worker import Worker, purge_broker, wait_for
    from warnings_app.models import Campaign, Notice
    from warnings_app.services.campaigns import campaign_generate
    from warnings_app.services.followups import followups_process

    require_postgres()
    demo_seed(companies=2)
    author = get_user_model().objects.get(username="legal")
    step = {
        "name": "Reminder",
        "offset_business_days": 5,
        "template_version": TemplateVersionFactory(subject="Reminder", body=demo_data.REMINDER),
        "channels": ["email"],
        "requires_approval": True,
    }
    campaign = make_campaign(companies=20, tag="review-20", steps=[step], author=author)
    purge_broker()
    worker = Worker(smtp_port=smtp_server.port, concurrency=2).start()
    try:
        campaign_generate(campaign=campaign, by=author)
        assert wait_for(lambda: Campaign.objects.get(pk=campaign.pk).status == "in_review", 180), (
            "the worker did not render the 20 letters"
        )

        reviewer = log_in(browser, live_server.url, "legal2")
        reviewer.goto(f"{live_server.url}/campaigns/{campaign.pk}/")
        expect(reviewer.get_by_role("button", name="Send approved letters")).to_be_disabled()
        reviewer.get_by_role("link", name="Review 20 letters").click()
        expect(reviewer.get_by_test_id("review-waiting")).to_contain_text("20 letters waiting")
        first_page = reviewer.get_by_test_id("letter-pages").locator("img").first
        expect(first_page).to_be_visible()
        reviewer.wait_for_function(  # the page drawn as an image, not a broken-image box
            "() => { const img = document.querySelector('.review-page');"
            " return img.complete && img.naturalWidth > 500; }",
            timeout=20_000,
        )
        shoot(reviewer, "review-letter")
        sent_back = reviewer.locator(".review-facts h2 a").inner_text()
        reviewer.get_by_label("Comment for the author").fill("The trading name is out of date.")
        reviewer.get_by_role("button", name="Send back").click()
        expect(reviewer.get_by_role("status")).to_contain_text(f"{sent_back} sent back")
        for left in range(19, 0, -1):
            expect(reviewer.get_by_test_id("review-waiting")).to_contain_text(
                f"{left} letter{'s' if left > 1 else ''} waiting"
            )
            reviewer.keyboard.press("a")  # the page's shortcut for Approve
            expect(reviewer.get_by_role("status")).to_contain_text("approved.")
        expect(reviewer.get_by_test_id("review-waiting")).to_contain_text("0 letters waiting")

        reviewer.get_by_role("link", name="Send the approved letters…").click()
        expect(reviewer.get_by_test_id("confirm-count")).to_contain_text(
            "This sends 19 approved letters"
        )
        expect(reviewer.get_by_test_id("send-channels")).to_contain_text("19 by e-mail")
        shoot(reviewer, "send-confirm")
        reviewer.get_by_role("button", name="Send 19 letters").click()
        expect(reviewer.get_by_role("status")).to_contain_text("19 letter(s) queued")
        expect(reviewer.get_by_test_id("campaign-status")).to_have_text("Sent", timeout=120_000)
        expect(reviewer.get_by_test_id("sending-text")).to_contain_text("19 sent")
        shoot(reviewer, "campaign-sent")
        assert len(set(smtp_server.handler.message_ids())) == 19
        returned = Notice.objects.get(reference=sent_back)
        assert returned.status == "draft"
        assert returned.problem == "Sent back: The trading name is out of date."

        followups_process(now=timezone.now() + timedelta(days=30))
        assert wait_for(
            lambda: (
                Notice.objects.filter(
                    campaign=campaign, ladder_step__isnull=False, status="rendered"
                ).count()
                == 19
            ),
            180,
        ), "the worker did not render the reminders"
        second = log_in(browser, live_server.url, "legal")
        second.goto(f"{live_server.url}/queue/?section=approval")
        reminder = Notice.objects.filter(campaign=campaign, ladder_step__isnull=False).first()
        second.get_by_role("link", name=reminder.reference).click()
        expect(second.get_by_test_id("approval")).to_contain_text("Waiting for approval")
        shoot(second, "reminder-approval")
        second.get_by_role("button", name="Approve and send").click()
        expect(second.get_by_role("status")).to_contain_text("approved and queued for delivery")

        assert wait_for(lambda: len(set(smtp_server.handler.message_ids())) == 20, 120)
        assert wait_for(lambda: Notice.objects.get(pk=reminder.pk).status == "sent", 30)
    finally:
        worker.stop()
        purge_broker()
