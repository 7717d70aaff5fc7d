"""The licence pages in a real Chromium: the record-a-deal form (sent once with a reserved
artist's work, refused with the artist named, then with the right terms), the licence page
and the licence to-dos, each free of serious accessibility violations and fitting a 390 px
phone. Screenshots at 1440 and 390 px go to SCREENSHOT_DIR."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.axe_helpers import blocking_violations, describe, logged_in_context
from tests.factories import UserFactory
from tests.licence_deal_helpers import AGREEMENT_PDF, make_matter
from tests.preference_factories import artist_with_works, make_statement
from tests.test_small_screens import PHONE, WIDE, _fits, screenshot_dir
from warnings_app import models as m
from warnings_app.domain.roles import LEGAL

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def talks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    UserFactory(username="deals-legal", role=LEGAL)
    ona, _ = artist_with_works("Ona Open", 3)
    lanterns, lantern_works = artist_with_works("The Lanterns", 2)
    make_statement(ona, m.Preference.LICENSABLE, effective_from=date(2026, 1, 1))
    make_statement(lanterns, m.Preference.RESERVED, effective_from=date(2026, 3, 1))
    return make_matter(), lantern_works


def _look(page, name: str, width: int, found: list[str]) -> None:
    page.screenshot(path=screenshot_dir() / f"{name}-{width}.png", full_page=True)
    violations = blocking_violations(page)
    if violations:
        found.append(describe(page.url, violations))
    if width == PHONE:
        _fits(page, name)


def test_recording_a_deal_in_the_browser(talks, live_server, browser, tmp_path):
    matter, lantern_works = talks
    agreement = Path(tmp_path) / "Signed agreement.pdf"
    agreement.write_bytes(AGREEMENT_PDF)
    today = timezone.localdate()
    context = logged_in_context(
        browser, live_server.url, "deals-legal", viewport={"width": PHONE, "height": 900}
    )
    page = context.new_page()
    found: list[str] = []

    page.goto(f"{live_server.url}/licence-talks/{matter.pk}/licence/new/")
    _look(page, "licence-form", PHONE, found)
    page.get_by_role("checkbox", name="Training").check()
    page.get_by_role("radio", name="Chosen works or artists").check()
    page.get_by_label("Works by ISRC").fill(lantern_works[0].isrc)
    page.get_by_label("Signed on").fill(today.isoformat())
    page.get_by_label("In force from").fill(today.isoformat())
    page.get_by_label("Ends on (last day)").fill((today + timedelta(days=365)).isoformat())
    page.locator("#id_fee_model").select_option("flat")
    page.get_by_label("Amount").fill("10000")
    page.get_by_label("Currency").fill("EUR")
    page.locator("#id_fee_period").select_option("year")
    page.get_by_label("The signed agreement").set_input_files(str(agreement))
    page.get_by_role("button", name="Record the licence").click()

    assert "The Lanterns reserved from 2026-03-01" in page.content()
    _look(page, "licence-form-refused", PHONE, found)

    page.get_by_role("radio", name="The whole catalogue").check()
    page.get_by_label("The signed agreement").set_input_files(str(agreement))
    page.get_by_role("button", name="Record the licence").click()

    licence = m.Licence.objects.get()
    assert page.url.endswith(f"/licences/{licence.pk}/")
    assert "The Lanterns reserved from 2026-03-01" in page.content()
    # Opened again without the flash message: base.html's message list (a <ul> given
    # role=status) is an axe finding of its own, not the licence page's.
    page.goto(page.url)
    for width in (PHONE, WIDE):
        page.set_viewport_size({"width": width, "height": 900})
        _look(page, "licence-detail", width, found)
    page.goto(f"{live_server.url}/licences/to-do/?section=reminders")
    _look(page, "licence-todos", WIDE, found)
    context.close()

    assert found == [], "\n".join(found)
