"""From warning to licence in a real Chromium, with the real ladder job: a reply asking for a
licence is classified by a paralegal, who opens licence talks from it; a lawyer records the
signed deal (training, two principals' catalogues, two territories); the company shows as
licensed for training only; the letter's page says its reminders do not go on for that
reason; and the manager's dashboard counts it in the campaign's conversion. Screenshots at
1440 px go to SCREENSHOT_DIR."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.axe_helpers import logged_in_context
from tests.campaign_helpers import sent_notices
from tests.factories import PrincipalFactory, UserFactory, WorkFactory
from tests.licence_deal_helpers import AGREEMENT_PDF
from tests.preference_factories import make_statement
from tests.test_small_screens import screenshot_dir
from warnings_app import models as m
from warnings_app.domain.roles import LEGAL, MANAGER, PARALEGAL
from warnings_app.services.followups import followups_process

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDE = {"width": 1440, "height": 900}


def _catalogue(name: str, artist: str) -> m.Principal:
    """A principal whose artist is licensable on terms, with two works."""
    principal = PrincipalFactory(name=name)
    works = [WorkFactory(principal=principal, artist=artist) for _ in range(2)]
    make_statement(
        works[0].artist_profile, m.Preference.LICENSABLE, effective_from=date(2026, 1, 1)
    )
    return principal


def _outside_the_browser_loop(work):
    """Runs `work` in a thread of its own: Playwright's sync API keeps an event loop running in
    the test's thread, and signing a letter (pyHanko) starts one of its own."""
    from django.db import connection

    def run():
        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _shoot(page, name: str) -> None:
    page.screenshot(path=str(Path(screenshot_dir()) / f"{name}-1440.png"), full_page=True)


def test_a_reply_asking_for_a_licence_ends_in_a_signed_licence_that_stops_the_ladder(
    live_server, browser, smtp_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    [notice] = _outside_the_browser_loop(lambda: sent_notices(companies=1))
    company = notice.company
    reminder = m.FollowUp.objects.get(notice=notice)
    north = _catalogue("Northlight Records", "Ona Open")
    harbour = _catalogue("Harbour Songs", "Lio Light")
    UserFactory(username="para", role=PARALEGAL)
    UserFactory(username="lawyer", role=LEGAL)
    UserFactory(username="boss", role=MANAGER)
    reply = m.Response.objects.create(
        notice=notice,
        company=company,
        channel=m.Response.Channel.EMAIL,
        matched_by=m.Response.Match.MANUAL,
        received_at=timezone.now(),
        sender=f"legal@{company.domain}",
        subject=f"Re: {notice.reference}",
        body_text="We would like to discuss a licence for training.",
    )

    # The paralegal classifies the reply and opens licence talks from it.
    para = logged_in_context(browser, live_server.url, "para", viewport=WIDE).new_page()
    para.goto(f"{live_server.url}/replies/{reply.pk}/")
    para.get_by_label("Outcome").select_option("requests_talks")
    para.get_by_role("button", name="Save classification").click()
    expect(para.get_by_test_id("open-talks")).to_be_visible()
    para.get_by_test_id("open-talks").click()
    expect(para.get_by_test_id("matter-stage")).to_contain_text("Enquiry")
    matter = m.LicenceMatter.objects.get(company=company)
    assert matter.reply_id == reply.pk
    assert matter.notice_id == notice.pk
    _shoot(para, "journey-talks-opened")

    # A lawyer records the signed deal from the talks.
    agreement = Path(tmp_path) / "Signed licence.pdf"
    agreement.write_bytes(AGREEMENT_PDF)
    today = timezone.localdate()
    lawyer = logged_in_context(browser, live_server.url, "lawyer", viewport=WIDE).new_page()
    lawyer.goto(f"{live_server.url}/licence-talks/{matter.pk}/")
    lawyer.get_by_test_id("record-deal").click()
    lawyer.get_by_role("checkbox", name="Training").check()
    lawyer.get_by_role("radio", name="Chosen principals' catalogues").check()
    lawyer.get_by_role("checkbox", name="Northlight Records").check()
    lawyer.get_by_role("checkbox", name="Harbour Songs").check()
    lawyer.get_by_label("Territories").fill("DE, FR")
    lawyer.get_by_label("Signed on").fill(today.isoformat())
    lawyer.get_by_label("In force from").fill(today.isoformat())
    lawyer.get_by_label("Ends on (last day)").fill((today + timedelta(days=365)).isoformat())
    lawyer.locator("#id_fee_model").select_option("flat")
    lawyer.get_by_label("Amount").fill("25000")
    lawyer.get_by_label("Currency").fill("EUR")
    lawyer.locator("#id_fee_period").select_option("year")
    lawyer.get_by_label("The signed agreement").set_input_files(str(agreement))
    lawyer.get_by_role("button", name="Record the licence").click()

    licence = m.Licence.objects.get(company=company)
    assert lawyer.url.endswith(f"/licences/{licence.pk}/")
    assert licence.uses == ["training"]
    assert licence.territories == ["DE", "FR"]
    assert set(licence.principals.all()) == {north, harbour}
    assert licence.work_rows.filter(included=True).count() == 4
    expect(lawyer.get_by_test_id("licence-uses")).to_have_text("Training")
    _shoot(lawyer, "journey-licence")
    matter.refresh_from_db()
    assert matter.stage == m.MatterStage.ACTIVE

    # The company shows as licensed for training only.
    lawyer.goto(f"{live_server.url}/companies/{company.pk}/")
    expect(lawyer.get_by_test_id("licence-status")).to_contain_text("Licensed for training only")
    _shoot(lawyer, "journey-company")

    # The reminder stopped when the reply was classified; on its day the ladder job makes no
    # letter, and the letter's page says the reminders do not go on because of the licence.
    followups_process(now=reminder.due_at + timedelta(minutes=1))
    reminder.refresh_from_db()
    assert reminder.status == m.FollowUp.Status.CANCELLED
    assert not m.Notice.objects.filter(follows=notice).exists()
    lawyer.goto(f"{live_server.url}/notices/{notice.pk}/")
    expect(lawyer.get_by_test_id("ladder-now")).to_have_text(
        "The reminders do not go on now: the company is licensed (licensed for training only): "
        "no warning letter."
    )
    _shoot(lawyer, "journey-ladder")

    # The manager's dashboard counts the company in the campaign's conversion, and the signed
    # figure opens the company.
    boss = logged_in_context(browser, live_server.url, "boss", viewport=WIDE).new_page()
    boss.goto(f"{live_server.url}/dashboard/")
    row = boss.locator('table[data-table="conversion_campaign"] tbody tr').filter(
        has_text=notice.campaign.name
    )
    expect(row.locator("td")).to_have_text(["1", "1", "1", "100.0", "100.0"])  # per cent
    _shoot(boss, "journey-dashboard")
    boss.get_by_test_id("chart-conversion_campaign").locator("summary").click()
    row.locator("td").nth(2).get_by_role("link").click()
    expect(boss.locator("main table tbody tr")).to_have_count(1)
    expect(boss.locator("main table tbody")).to_contain_text(company.legal_name)
