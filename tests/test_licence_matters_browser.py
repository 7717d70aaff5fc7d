"""The licence talks pages in a real Chromium, as a lawyer and a paralegal use them: no serious
accessibility violation (axe-core) and no sideways scrolling at 390 px. Screenshots at 1440 and
390 px go to SCREENSHOT_DIR like the other pages'."""

import pytest
from django.utils import timezone

from tests.axe_helpers import blocking_violations, describe, logged_in_context
from tests.factories import CompanyFactory, UserFactory, make_notice
from tests.test_small_screens import PHONE, WIDE, _fits, screenshot_dir
from warnings_app.models import Response
from warnings_app.services.licence_matters import (
    matter_document_add,
    matter_note_add,
    matter_open,
    matter_update_next_step,
)
from warnings_app.services.licence_moves import matter_move

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def talks_pages() -> dict[str, str]:
    legal = UserFactory(username="talks-legal", role="Legal")
    paralegal = UserFactory(username="talks-paralegal", role="Paralegal")
    notice = make_notice(company=CompanyFactory(legal_name="Harmonic Machines GmbH"))
    reply = Response.objects.create(
        channel="email",
        received_at=timezone.now(),
        notice=notice,
        company=notice.company,
        subject="Licence enquiry",
        outcome="requests_talks",
    )
    matter = matter_open(reply=reply, by=paralegal)
    matter_move(matter=matter, to_stage="term_sheet", by=legal, reason="Our terms went out")
    matter_update_next_step(
        matter=matter,
        by=legal,
        owner=paralegal,
        next_step="Chase their comments on the term sheet",
        next_step_on=timezone.localdate(),
    )
    matter_note_add(matter=matter, by=legal, text="They may accept a two-year term.")
    matter_document_add(
        matter=matter, by=paralegal, description="Term sheet v1", name="terms.pdf", content=PDF
    )
    other = CompanyFactory(legal_name="Quiet Models Ltd")
    return {
        "list": "/licence-talks/",
        "due": "/licence-talks/?section=due",
        "matter": f"/licence-talks/{matter.pk}/",
        "decline": f"/licence-talks/{matter.pk}/decline/",
        "open": f"/companies/{other.pk}/licence-talks/new/",
        "reply": f"/replies/{reply.pk}/",
        "company": f"/companies/{notice.company_id}/",
    }


@pytest.mark.parametrize(
    ("username", "names"),
    [
        ("talks-legal", ["list", "due", "matter", "decline", "open", "company"]),
        ("talks-paralegal", ["list", "matter", "reply"]),
    ],
)
def test_the_talks_pages_are_accessible_and_fit_a_phone(
    talks_pages, live_server, browser, username, names
):
    found: list[str] = []
    for width in (WIDE, PHONE):
        context = logged_in_context(
            browser, live_server.url, username, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        for name in names:
            url = talks_pages[name]
            response = page.goto(live_server.url + url)
            assert response is not None
            assert response.status == 200, (name, url)
            violations = blocking_violations(page)
            if violations:
                found.append(describe(f"{name} at {width} px ({url})", violations))
            page.screenshot(
                path=screenshot_dir() / f"licence-talks-{name}-{username}-{width}.png",
                full_page=True,
            )
            if width == PHONE:
                _fits(page, f"{name} ({url})")
        context.close()
    assert not found, "\n".join(found)
