"""axe-core over every page of the three roles' journeys and the artist's public pages, in a
real Chromium on the demo's story (a sent campaign, replies, figures): no violation of impact
serious or critical. One test per journey, each page checked and reported on its own; the
failure names the page, the rule, its help and the elements."""

import pytest
from playwright.sync_api import expect

from tests.axe_helpers import axe_context, blocking_violations, describe, logged_in_context
from tests.preference_factories import make_link
from warnings_app.models import (
    Artist,
    Campaign,
    LetterTemplate,
    Notice,
    Response,
)
from warnings_demo import demo_data
from warnings_demo.demo import demo_seed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def story_pages() -> dict[str, str]:
    """The addresses of the pages a journey goes through, on the demo story's data. (Requested
    before `browser`: the story renders letters, which cannot run inside Playwright's loop.)"""
    demo_seed(companies=100)
    campaign = Campaign.objects.get(name=demo_data.STORY_CAMPAIGN)
    notice = Notice.objects.filter(campaign=campaign).order_by("pk").first()
    reply = Response.objects.exclude(notice=None).order_by("pk").first()
    assert notice
    assert reply
    company = notice.company
    artist = Artist.objects.order_by("pk").first()
    template = LetterTemplate.objects.order_by("pk").first()
    assert artist
    assert template
    return {
        "home": "/",
        "dashboard": "/dashboard/",
        "companies": "/companies/",
        "company": f"/companies/{company.pk}/",
        "new company": "/companies/new/",
        "company import": "/companies/import/",
        "search": f"/search/?q={company.domain}",
        "artists": "/artists/",
        "artist": f"/artists/{artist.pk}/",
        "work queue": "/queue/",
        "reply": f"/replies/{reply.pk}/",
        "campaigns": "/campaigns/",
        "campaign": f"/campaigns/{campaign.pk}/",
        "new campaign": "/campaigns/new/",
        "outcomes": f"/campaigns/{campaign.pk}/outcomes/",
        "notice": f"/notices/{notice.pk}/",
        "templates": "/templates/",
        "template": f"/templates/{template.pk}/",
        "print batches": "/print-batches/",
        "reconciliation": "/reconciliation/",
        "audit log": "/audit/",
        "role requests": "/accounts/role-requests/",
        "api tokens": "/accounts/api-tokens/",
        "licence talks": "/dashboard/licences/talks/",
        "licence conversion": "/dashboard/licences/conversion/"
        + f"?by=campaign&key={campaign.pk}&step=sent",
        "licences in force": "/dashboard/licences/in-force/",
        "usage reports overdue": "/dashboard/licences/overdue-reports/",
    }


JOURNEYS = {
    "legal": [
        "home",
        "dashboard",
        "companies",
        "company",
        "new company",
        "company import",
        "search",
        "artists",
        "artist",
        "work queue",
        "reply",
        "campaigns",
        "campaign",
        "new campaign",
        "outcomes",
        "notice",
        "templates",
        "template",
        "print batches",
        "reconciliation",
        "audit log",
        "role requests",
        "api tokens",
    ],
    "paralegal": [
        "home",
        "companies",
        "company",
        "new company",
        "artists",
        "artist",
        "work queue",
        "reply",
        "campaigns",
        "campaign",
        "notice",
        "templates",
    ],
    "manager": [
        "home",
        "dashboard",
        "licence talks",
        "licence conversion",
        "licences in force",
        "usage reports overdue",
        "companies",
        "company",
        "campaigns",
        "campaign",
        "templates",
    ],
}


def _check(page, url: str, found: list[str]) -> None:
    violations = blocking_violations(page)
    if violations:
        found.append(describe(url, violations))


@pytest.mark.parametrize("username", sorted(JOURNEYS))
def test_every_page_of_a_roles_journey_has_no_serious_accessibility_violation(
    story_pages, live_server, browser, username
):
    pages = story_pages
    found: list[str] = []
    for width in (1440, 390):
        context = logged_in_context(
            browser, live_server.url, username, viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        for name in JOURNEYS[username]:
            response = page.goto(live_server.url + pages[name])
            assert response is not None
            assert response.status == 200, (name, pages[name])
            _check(page, f"{name} at {width} px ({pages[name]})", found)
        context.close()
    assert not found, "\n".join(found)


def _fill_choice(page) -> None:
    page.locator("input[name=preference]").first.check()
    page.get_by_label("Licensing contact").fill("deals@quill.example")
    page.get_by_label("Your name").fill("Mara Quill")
    page.get_by_label("Your e-mail").fill("mara@artists.example")


def test_the_artists_public_pages_have_no_serious_accessibility_violation(live_server, browser):
    demo_seed(companies=12)
    artist = Artist.objects.order_by("pk").first()
    assert artist is not None
    found: list[str] = []
    for width in (1440, 390):
        _link, token = make_link(artist)
        page = axe_context(browser, viewport={"width": width, "height": 900}).new_page()
        page.goto(f"{live_server.url}/choose/{artist.pk}/{token}/")
        _check(page, f"choice at {width} px", found)
        page.get_by_role("button", name="Review my choice").click()
        page.wait_for_load_state()
        assert page.get_by_role("alert").first.is_visible()
        _check(page, f"choice with errors at {width} px", found)
        _fill_choice(page)
        page.get_by_role("button", name="Review my choice").click()
        expect(page.get_by_role("button", name="Confirm")).to_be_visible()
        _check(page, f"confirm at {width} px", found)
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_load_state()
        _check(page, f"receipt at {width} px", found)
        page.goto(f"{live_server.url}/choose/{artist.pk}/{token}/")
        _check(page, f"used link at {width} px", found)
        page.goto(f"{live_server.url}/reservations/")
        _check(page, f"published reservations at {width} px", found)
        page.context.close()
    assert not found, "\n".join(found)
