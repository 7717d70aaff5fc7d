"""In a real Chromium, with the real SMTP server on loopback and a real Celery worker: a paralegal
sends an artist a private link, the artist opens it from the e-mail without an account, chooses,
confirms, sees the receipt and gets it by e-mail; the link then refuses a second use."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import require_postgres
from tests.factories import UserFactory, WorkFactory
from tests.preference_factories import ArtistFactory
from tests.worker import Worker, purge_broker, wait_for
from warnings_app.models import PreferenceStatement
from warnings_app.selectors.preference_register import record_sha256

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory


def _text(received) -> str:
    part = next(p for p in received.message.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_artist_chooses_and_confirms_through_the_emailed_link_and_gets_the_receipt(
    live_server,
    browser,
    smtp_server,
    redis_broker,
    settings,
):
    require_postgres()
    settings.PUBLIC_BASE_URL = live_server.url  # the e-mailed link must reach this server
    artist = ArtistFactory(name="Mara Quill", email="mara@artists.example")
    for title in ("Glass Harbour", "Low Tide", "Salt Lines"):
        WorkFactory(artist=artist.name, title=title)
    UserFactory(username="pat", first_name="Pat", role="Paralegal")
    purge_broker()
    worker = Worker(smtp_port=smtp_server.port, concurrency=1).start()
    try:
        staff = browser.new_context().new_page()
        staff.goto(f"{live_server.url}/accounts/login/")
        staff.get_by_label("User name").fill("pat")
        staff.get_by_label("Password").fill(PASSWORD)
        staff.get_by_role("button", name="Log in").click()
        staff.wait_for_url(f"{live_server.url}/")
        staff.goto(f"{live_server.url}/artists/{artist.pk}/")
        expect(staff.get_by_label("Recipient's e-mail")).to_have_value("mara@artists.example")
        staff.get_by_role("button", name="Send link").click()
        expect(staff.get_by_role("status")).to_contain_text(
            "Link sent to mara@artists.example, open until"
        )

        assert wait_for(lambda: len(smtp_server.handler.received) >= 1, 30)
        invitation = smtp_server.handler.received[0]
        assert invitation.recipients == ["mara@artists.example"]
        url = re.search(r"(http://\S+/choose/\d+/[A-Za-z0-9_-]+/)", _text(invitation)).group(1)

        artist_page = browser.new_context().new_page()  # no session: the artist has no account
        artist_page.goto(url)
        expect(artist_page.locator("h1")).to_have_text("Mara Quill: your AI-training preference")
        expect(artist_page.get_by_test_id("works")).to_contain_text("Glass Harbour")
        artist_page.get_by_label("Licensable on terms").check()
        artist_page.get_by_label("Licensing contact").fill("deals@quill.example")
        artist_page.get_by_label("Preference for Glass Harbour").select_option(
            label="Reserved (no AI training)"
        )
        expect(artist_page.get_by_label("Your name")).to_have_value("Mara Quill")
        artist_page.get_by_role("button", name="Review my choice").click()
        summary = artist_page.get_by_test_id("summary")
        expect(summary).to_contain_text("Licensable on terms")
        expect(summary).to_contain_text("Glass Harbour")
        artist_page.get_by_role("button", name="Confirm my choice").click()

        expect(artist_page.locator("h1")).to_have_text("Thank you: your choice is recorded")
        statement = PreferenceStatement.objects.get(artist=artist)
        expect(artist_page.get_by_test_id("receipt-hash")).to_have_text(statement.record_sha256)
        expect(artist_page.get_by_test_id("receipt-choice")).to_have_text("Licensable on terms")
        assert statement.record_sha256 == record_sha256(statement)
        assert statement.preference == "licensable"
        assert [(c.work.title, c.preference) for c in statement.work_choices.all()] == [
            ("Glass Harbour", "reserved")
        ]

        assert wait_for(lambda: len(smtp_server.handler.received) >= 2, 60), "no receipt"
        receipt = smtp_server.handler.received[1]
        body = _text(receipt)
        assert receipt.recipients == ["mara@artists.example"]
        assert "All recordings: Licensable on terms" in body
        assert "Glass Harbour" in body
        assert f"Record SHA-256: {statement.record_sha256}" in body
        assert f"Confirmation document SHA-256: {statement.instruction_sha256}" in body
        shown = artist_page.get_by_test_id("receipt-time").inner_text()
        assert f"Confirmed at: {shown}" in body
        assert re.fullmatch(r"\d+ \w+ \d{4}, \d\d:\d\d \w+ \(Europe/London\)", shown)

        artist_page.goto(url)
        expect(artist_page.get_by_test_id("refusal")).to_contain_text(
            "This link has already been used on"
        )
        expect(artist_page.locator("body")).not_to_contain_text("Glass Harbour")
        assert len(smtp_server.handler.received) == 2
    finally:
        worker.stop()
        purge_broker()
