"""The register as a matter view: each company's latest letter, its status, reply, outcome and
deadline; sorting, page size, a bounded query count; the bulk actions (start a campaign for the
ticked companies, put them on hold after a confirmation)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import CompanyFactory, ContactFactory
from tests.outcome_helpers import add_reply, sent_campaign
from warnings_app.models import AuditEvent, Campaign, Company, Contact, Notice

pytestmark = pytest.mark.django_db


def _rows(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-company="(\d+)"', html)]


def _row(html: str, company: Company) -> str:
    start = html.index(f'<tr data-company="{company.pk}"')
    return html[start : html.index("</tr>", start)]


def _cell(row: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">(.*?)</td>', row, re.S)
    assert found, testid
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def _list(client, **params) -> str:
    response = client.get(reverse("company_list"), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def matters():
    """Three companies with a sent letter: one answered (disputes), one overdue, one open."""
    _campaign, notices = sent_campaign(companies=3)
    answered, overdue, open_ = notices
    add_reply(answered, outcome="disputes")
    # Rendering runs in the workers; here the stored letter is only named (the link's test).
    Notice.objects.filter(pk=answered.pk).update(pdf="notices/a.pdf", pdf_sha256="ab" * 32)
    Notice.objects.filter(pk=overdue.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    ContactFactory(company=open_.company, role=Contact.Role.COUNSEL_OF_RECORD)
    return answered, overdue, open_


def test_each_row_shows_the_latest_letter_its_status_reply_outcome_and_deadline(client_as, matters):
    answered, overdue, open_ = matters
    html = _list(client_as("Paralegal"))

    row = _row(html, answered.company)
    assert f'href="{reverse("notice_detail", args=[answered.pk])}"' in row
    assert f'href="{reverse("notice_pdf", args=[answered.pk])}"' in row  # the PDF beside it
    assert _cell(row, "matter-status") == "Responded"  # the classified reply moved it on
    assert _cell(row, "matter-outcome").startswith("Replied ")
    assert _cell(row, "matter-outcome").endswith(": Disputes")
    assert "Overdue" not in _cell(row, "matter-deadline")

    row = _row(html, overdue.company)
    assert _cell(row, "matter-status") == "Sent"
    assert _cell(row, "matter-outcome") == "No reply"
    assert "PDF" not in row  # not rendered: no PDF link
    assert "Overdue" in _cell(row, "matter-deadline")
    assert "badge-counsel" not in row

    row = _row(html, open_.company)
    due = Notice.objects.get(pk=open_.pk).due_date
    assert f"Reply by {due.day} {due:%b %Y}" in _cell(row, "matter-deadline")
    assert "reminder" in _cell(row, "matter-deadline")  # the ladder's next step
    assert "badge-counsel" in row


def test_a_company_without_letters_says_so(client_as):
    company = CompanyFactory()
    row = _row(_list(client_as("Paralegal")), company)
    assert "No letter yet" in row
    assert _cell(row, "matter-status") == "—"


def test_the_latest_matter_is_shown_not_an_older_one(client_as, matters):
    answered = matters[0]
    newer = sent_campaign(companies=1, tag="wave-2")[1][0]
    Notice.objects.filter(pk=newer.pk).update(company=answered.company)
    row = _row(_list(client_as("Paralegal")), answered.company)
    assert newer.reference in row
    assert answered.reference not in row
    assert _cell(row, "matter-outcome") == "No reply"  # the reply answered the older letter


def test_sorting_by_outcome_deadline_status_and_name(client_as, matters):
    answered, overdue, open_ = matters
    blank = CompanyFactory(legal_name="Aaa No Letters Ltd")
    client = client_as("Paralegal")
    order = _rows(_list(client, sort="deadline"))
    assert order.index(overdue.company.pk) < order.index(open_.company.pk)
    assert order[-1] == blank.pk  # no deadline sorts last
    order = _rows(_list(client, sort="-deadline"))
    assert order.index(overdue.company.pk) > order.index(open_.company.pk)
    assert order[-1] == blank.pk
    order = _rows(_list(client, sort="-outcome"))
    assert order[0] == answered.company.pk
    assert _rows(_list(client, sort="name"))[0] == blank.pk
    html = _list(client, sort="status")
    assert 'aria-sort="ascending"><a href="?sort=-status"' in html
    assert _rows(html)[-1] == blank.pk


def test_page_size_is_a_choice_and_a_bad_one_is_refused(client_as):
    Company.objects.bulk_create(
        Company(legal_name=f"Size {i:02d}", name_key=f"size {i:02d}", country="DE")
        for i in range(30)
    )
    client = client_as("Paralegal")
    assert len(_rows(_list(client))) == 30
    assert len(_rows(_list(client, per_page="25"))) == 25
    response = client.get(reverse("company_list"), {"per_page": "7"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def _queries_for(client, n: int) -> int:
    Company.objects.bulk_create(
        Company(legal_name=f"Q {n} {i}", name_key=f"q {n} {i}", country="FR") for i in range(n)
    )
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("company_list"), {"per_page": "200", "sort": "outcome"})
    assert response.status_code == 200
    assert len(_rows(response.content.decode())) == Company.objects.count()
    return len(ctx.captured_queries)


def test_the_query_count_is_the_same_at_25_and_100_companies(client_as, matters):
    client = client_as("Paralegal")
    at_25 = _queries_for(client, 22)  # with the fixture's three: 25
    at_100 = _queries_for(client, 75)
    assert at_25 == at_100
    assert at_100 <= 12


def test_start_a_campaign_for_the_ticked_companies_prefills_exactly_those(client_as, matters):
    picked = [matters[0].company, matters[2].company]
    client = client_as("Legal")
    html = _list(client)
    assert f'formaction="{reverse("campaign_create")}"' in html

    response = client.get(reverse("campaign_create"), {"company": [c.pk for c in picked]})
    page = response.content.decode()
    hidden = re.findall(r'<input type="hidden" name="companies" value="(\d+)"', page)
    assert sorted(int(pk) for pk in hidden) == sorted(c.pk for c in picked)
    prefilled = page[page.index('data-testid="prefilled-companies"') :]
    assert "2 companies ticked on the register" in prefilled
    assert matters[1].company.legal_name not in page[page.index("Recipients") :]
    assert "<strong>2</strong> companies will get a letter" in page

    campaign = matters[0].campaign
    form = {
        "name": "For the ticked two",
        "template_version": campaign.template_version_id,
        "principals": [p.pk for p in campaign.principals.all()],
        "companies": hidden,
        "response_window_days": "15",
        "channels": ["email"],
        "step-TOTAL_FORMS": "0",
        "step-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("campaign_create"), form)
    assert response.status_code == 302
    created = Campaign.objects.get(name="For the ticked two")
    assert sorted(created.recipient_filter["company_ids"]) == sorted(c.pk for c in picked)


def test_a_bad_ticked_id_is_refused_with_a_message(client_as):
    response = client_as("Legal").get(reverse("campaign_create"), {"company": "x"}, follow=True)
    assert "could not be read" in response.content.decode()
    assert 'name="companies" value' not in response.content.decode()


def test_hold_asks_first_stating_the_count_then_holds_and_audits(client_as, matters):
    picked = [m.company for m in matters[:2]]
    client = client_as("Paralegal")
    before = AuditEvent.objects.count()
    response = client.get(reverse("company_hold"), {"company": [c.pk for c in picked]})
    page = response.content.decode()
    assert "Put 2 companies on hold?" in page
    assert "these 2 companies" in page
    assert not Company.objects.filter(hold_automation=True).exists()  # asking changes nothing

    ids = [str(c.pk) for c in picked]
    response = client.post(reverse("company_hold"), {"company": ids, "reason": ""})
    assert response.status_code == 400
    assert "Say why these companies are put on hold." in response.content.decode()
    assert not Company.objects.filter(hold_automation=True).exists()

    response = client.post(
        reverse("company_hold"), {"company": ids, "reason": "Talks under way"}, follow=True
    )
    assert "2 companies put on hold" in response.content.decode()
    held = set(Company.objects.filter(hold_automation=True).values_list("pk", "hold_reason"))
    assert held == {(c.pk, "Talks under way") for c in picked}
    events = AuditEvent.objects.order_by("pk")[before:]
    changed = {e.target_id for e in events if e.verb == "company.updated"}
    assert changed == {str(c.pk) for c in picked} or changed == {c.pk for c in picked}


def test_hold_is_refused_to_a_role_that_cannot_change_companies(client_as, matters):
    company = matters[0].company
    client = client_as("Manager")
    assert client.get(reverse("company_hold"), {"company": company.pk}).status_code == 403
    response = client.post(reverse("company_hold"), {"company": company.pk, "reason": "x"})
    assert response.status_code == 403
    assert not Company.objects.filter(hold_automation=True).exists()
    assert "bulk-hold" not in _list(client)


def test_the_company_page_opens_the_notice_with_the_pdf_beside_it(client_as, matters):
    notice = matters[0]
    response = client_as("Paralegal").get(reverse("company_detail", args=[notice.company_id]))
    page = response.content.decode()
    link = f'<a href="{reverse("notice_detail", args=[notice.pk])}" data-testid="notice-link">'
    assert link + notice.reference in page
    assert f'href="{reverse("notice_pdf", args=[notice.pk])}"' in page


def test_hold_with_nothing_or_a_bad_id_ticked_changes_nothing_and_says_why(client_as, matters):
    client = client_as("Paralegal")
    before = AuditEvent.objects.count()
    assert b"Tick the companies to hold" in client.get(reverse("company_hold")).content
    response = client.post(reverse("company_hold"), {"company": ["1", "x"], "reason": "r"})
    assert response.status_code == 400
    assert "Nothing was held: “x” is not an id" in response.content.decode()
    response = client.post(reverse("company_hold"), {"reason": "r"})
    assert b"Nothing was held: tick the companies" in response.content
    assert not Company.objects.filter(hold_automation=True).exists()
    assert AuditEvent.objects.count() == before
