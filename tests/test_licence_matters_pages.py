"""The licence talks pages as each role sees them: the reply's button, the matter page (stage
moves, next step, privileged notes for Legal only, documents served as verified attachments,
decline with the restart choice, what the ladder does now), the list and its filters, the
company section, the notice timeline and the home to-do."""

import hashlib
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from tests.factories import CompanyFactory, UserFactory, make_notice
from tests.page_helpers import page_as
from warnings_app.models import AuditEvent, LicenceMatter, MatterDocument, Response
from warnings_app.services.licence_matters import (
    matter_document_add,
    matter_note_add,
    matter_open,
    matter_update_next_step,
)
from warnings_app.services.licence_moves import matter_move

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SECRET = "Privileged: their budget is 80k"


@pytest.fixture
def people():
    return {
        "legal": UserFactory(username="lena", role="Legal"),
        "paralegal": UserFactory(username="paul", role="Paralegal"),
        "manager": UserFactory(username="mona", role="Manager"),
    }


def _requesting_reply() -> Response:
    notice = make_notice()
    return Response.objects.create(
        channel="email",
        received_at=timezone.now(),
        notice=notice,
        company=notice.company,
        subject="A licence, please",
        outcome="requests_talks",
    )


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_reply_button_opens_talks_and_the_reply_then_links_them(client, people):
    reply = _requesting_reply()
    page = page_as(client, "paul", reverse("reply_detail", args=[reply.pk]))
    assert 'data-testid="open-talks"' in page

    response = client.post(reverse("licence_matter_open_reply", args=[reply.pk]))

    matter = LicenceMatter.objects.get(reply=reply)
    assert response.url == reverse("licence_matter_detail", args=[matter.pk])
    again = page_as(client, "paul", reverse("reply_detail", args=[reply.pk]))
    assert 'data-testid="open-talks"' not in again
    assert f"Licence talks with {reply.company}" in _text(again)


def test_no_button_for_a_reply_of_another_class_and_a_forced_post_opens_nothing(client, people):
    reply = _requesting_reply()
    Response.objects.filter(pk=reply.pk).update(outcome="disputes")

    page = page_as(client, "paul", reverse("reply_detail", args=[reply.pk]))
    response = client.post(reverse("licence_matter_open_reply", args=[reply.pk]), follow=True)

    assert "open-talks" not in page
    assert "only a reply that requests licence talks opens them" in response.content.decode()
    assert not LicenceMatter.objects.exists()


def test_the_matter_page_shows_where_it_came_from_its_moves_and_the_ladder(client, people):
    reply = _requesting_reply()
    matter = matter_open(reply=reply, by=people["paralegal"])
    matter_move(matter=matter, to_stage="nda", by=people["legal"], reason="NDA sent")

    text = _text(page_as(client, "lena", reverse("licence_matter_detail", args=[matter.pk])))

    assert f"Licence talks with {reply.company.legal_name}" in text
    assert f"the reply of {reply.received_at:%-d %b %Y}" in text
    assert reply.notice.reference in text
    assert "Enquiry → NDA" in text
    assert "NDA sent" in text
    for label in ("Move to Enquiry", "Move to Term sheet", "Move to Negotiation"):
        assert label in text
    assert "Move to Signed" not in text
    assert "Move to NDA" not in text
    assert "No reminder is scheduled" in text or "reminders for" in text
    assert "Decline the talks" in text


def test_privileged_notes_show_only_to_legal(client, people):
    matter = matter_open(company=CompanyFactory(), by=people["legal"])
    matter_note_add(matter=matter, by=people["legal"], text=SECRET)
    url = reverse("licence_matter_detail", args=[matter.pk])

    seen = {who: page_as(client, who, url) for who in ("lena", "paul", "mona")}

    assert SECRET in seen["lena"]
    assert SECRET not in seen["paul"]
    assert SECRET not in seen["mona"]
    assert "Privileged notes" not in seen["paul"]


def test_a_document_is_served_as_a_verified_attachment_and_the_download_audited(client, people):
    matter = matter_open(company=CompanyFactory(), by=people["legal"])
    document = matter_document_add(
        matter=matter, by=people["paralegal"], description="Draft NDA", name="nda.pdf", content=PDF
    )
    page = page_as(client, "mona", reverse("licence_matter_detail", args=[matter.pk]))
    assert document.sha256 in page

    response = client.get(reverse("licence_matter_document_file", args=[document.pk]))

    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-SHA256"] == hashlib.sha256(PDF).hexdigest()
    assert AuditEvent.objects.filter(verb="licence_matter.document_downloaded").count() == 1


def test_an_altered_document_is_not_served(client, people):
    matter = matter_open(company=CompanyFactory(), by=people["legal"])
    name = default_storage.save("licences/documents/altered.pdf", ContentFile(b"changed"))
    document = MatterDocument.objects.create(
        matter=matter,
        description="Term sheet",
        file=name,
        original_filename="terms.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        uploaded_by=people["legal"],
    )
    client.force_login(people["legal"])

    response = client.get(reverse("licence_matter_document_file", args=[document.pk]))

    assert response.status_code == 409
    assert not AuditEvent.objects.filter(verb="licence_matter.document_downloaded").exists()


def test_a_refused_upload_shows_the_form_again_with_the_description_kept(client, people):
    matter = matter_open(company=CompanyFactory(), by=people["legal"])
    client.force_login(people["paralegal"])
    hostile = ContentFile(b"<html><script>alert(1)</script></html>", name="terms.pdf")

    response = client.post(
        reverse("licence_matter_document", args=[matter.pk]),
        {"description": "Signed term sheet", "file": hostile},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert 'value="Signed term sheet"' in page
    assert not MatterDocument.objects.exists()


def test_a_bad_next_step_date_is_refused_with_the_input_kept(client, people):
    matter = matter_open(company=CompanyFactory(), by=people["legal"])
    client.force_login(people["legal"])

    response = client.post(
        reverse("licence_matter_next_step", args=[matter.pk]),
        {"next_step": "Send the NDA", "next_step_on": "31/02/2027"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="Send the NDA"' in page
    assert 'aria-describedby="id_next_step_on_error' in page or "id_next_step_on_error" in page
    matter.refresh_from_db()
    assert matter.next_step == ""


def test_the_move_buttons_and_the_decline_form_with_the_restart_choice(client, people):
    matter = matter_open(company=CompanyFactory(), by=people["legal"])
    client.force_login(people["legal"])

    client.post(reverse("licence_matter_move", args=[matter.pk]), {"to_stage": "term_sheet"})
    response = client.post(
        reverse("licence_matter_decline", args=[matter.pk]),
        {"reason": "They walked away", "restart_ladder": "yes"},
    )

    matter.refresh_from_db()
    assert response.status_code == 302
    assert matter.stage == "declined"
    assert matter.ladder_restarted_by == people["legal"]
    text = _text(page_as(client, "lena", reverse("licence_matter_detail", args=[matter.pk])))
    assert "Term sheet → Declined" in text
    assert "They walked away" in text
    assert "Restarted" in text
    assert "Decline the talks" not in text


def test_the_list_filters_by_section_stage_and_owner(client, people, django_assert_max_num_queries):
    today = timezone.localdate()
    due = matter_open(company=CompanyFactory(legal_name="Due Soon AI"), by=people["legal"])
    matter_update_next_step(
        matter=due,
        by=people["legal"],
        owner=people["paralegal"],
        next_step="Chase the NDA",
        next_step_on=today,
    )
    later = matter_open(company=CompanyFactory(legal_name="Later Labs"), by=people["legal"])
    matter_move(matter=later, to_stage="negotiation", by=people["legal"])
    for n in range(5):
        matter_open(company=CompanyFactory(legal_name=f"Other {n}"), by=people["legal"])
    client.force_login(people["manager"])

    with django_assert_max_num_queries(12):
        all_rows = client.get(reverse("licence_matter_list")).content.decode()
    due_rows = page_as(client, "mona", reverse("licence_matter_list") + "?section=due")
    by_stage = page_as(client, "mona", reverse("licence_matter_list") + "?stage=negotiation")
    by_owner = page_as(
        client, "mona", reverse("licence_matter_list") + f"?owner={people['paralegal'].pk}"
    )

    assert all_rows.count('data-testid="matter-link"') == 7
    assert due_rows.count('data-testid="matter-link"') == 1
    assert "Due Soon AI" in due_rows
    assert 'data-count="due">1<' in due_rows
    assert by_stage.count('data-testid="matter-link"') == 1
    assert "Later Labs" in by_stage
    assert by_owner.count('data-testid="matter-link"') == 1


def test_the_company_page_lists_its_talks_and_offers_legal_to_open_them(client, people):
    company = CompanyFactory()
    matter = matter_open(company=company, by=people["legal"])
    matter_move(matter=matter, to_stage="term_sheet", by=people["legal"])
    url = reverse("company_detail", args=[company.pk])

    legal = page_as(client, "lena", url)
    paralegal = page_as(client, "paul", url)

    section = legal[legal.index('data-testid="licence-talks"') :]
    assert "Term sheet" in section
    assert reverse("licence_matter_detail", args=[matter.pk]) in section
    assert reverse("licence_matter_open_company", args=[company.pk]) in legal
    assert reverse("licence_matter_open_company", args=[company.pk]) not in paralegal


def test_a_lawyer_opens_talks_from_the_company_and_a_second_set_is_refused_on_the_form(
    client, people
):
    company = CompanyFactory()
    client.force_login(people["legal"])
    url = reverse("licence_matter_open_company", args=[company.pk])

    first = client.post(url, {"next_step": "Send our terms"})
    second = client.post(url, {"next_step": "Try again"})

    matter = LicenceMatter.objects.get(company=company)
    assert first.url == reverse("licence_matter_detail", args=[matter.pk])
    assert second.status_code == 400
    assert f"talks #{matter.pk}" in second.content.decode()
    assert 'value="Try again"' in second.content.decode()


def test_the_notice_timeline_shows_the_talks_opened_from_its_reply_and_their_moves(client, people):
    reply = _requesting_reply()
    matter = matter_open(reply=reply, by=people["paralegal"])
    matter_move(matter=matter, to_stage="negotiation", by=people["legal"], reason="Fee talks")

    text = _text(page_as(client, "lena", reverse("notice_detail", args=[reply.notice.pk])))

    assert f"Licence talks opened with {reply.company} (Enquiry)" in text
    assert "Licence talks moved from Enquiry to Negotiation by lena: Fee talks" in text


def test_home_counts_the_talks_with_a_next_step_due_and_links_to_them(client, people):
    today = timezone.localdate()
    for n, day in enumerate(
        (today, today - timezone.timedelta(days=2), today + timezone.timedelta(days=9))
    ):
        matter = matter_open(company=CompanyFactory(), by=people["legal"])
        matter_update_next_step(
            matter=matter, by=people["legal"], owner=None, next_step=f"Step {n}", next_step_on=day
        )

    home = page_as(client, "lena", "/")

    found = re.search(
        r'<a href="([^"]+)" data-todo="talks_due"><span class="todo-figure" data-count>(\d+)<',
        home,
    )
    assert found is not None
    assert found.group(2) == "2"
    listed = page_as(client, "lena", found.group(1).replace("&amp;", "&"))
    assert listed.count('data-testid="matter-link"') == 2
    assert "talks_due" in page_as(client, "paul", "/")
    assert "talks_due" not in page_as(client, "mona", "/")
