"""Licence talks as services: opened from a reply asking for them or by a lawyer from a company,
one set of talks at a time, owner and next step, privileged notes, checked documents, decline.
Every refusal changes nothing: no row, no stored file, no audit event."""

import hashlib

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import CompanyFactory, UserFactory, make_notice
from warnings_app.models import AuditEvent, LicenceMatter, MatterMove, Response
from warnings_app.services.errors import ServiceError
from warnings_app.services.licence_matters import (
    matter_decline,
    matter_document_add,
    matter_note_add,
    matter_open,
    matter_update_next_step,
)
from warnings_app.services.licence_moves import matter_move

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in apps.get_app_config("warnings_app").get_models()}


def _reply(outcome: str = "requests_talks", *, notice=None, company=True) -> Response:
    notice = notice or make_notice()
    return Response.objects.create(
        channel="email",
        received_at=timezone.now(),
        notice=notice if company else None,
        company=notice.company if company else None,
        outcome=outcome,
    )


@pytest.fixture
def legal():
    return UserFactory(role="Legal")


@pytest.fixture
def paralegal():
    return UserFactory(role="Paralegal")


def test_a_reply_requesting_talks_opens_them_at_enquiry_tied_to_the_first_letter(paralegal):
    first = make_notice()
    reminder = make_notice(company=first.company, follows=first)
    reply = _reply(notice=reminder)

    matter = matter_open(reply=reply, by=paralegal)

    assert matter.stage == "enquiry"
    assert matter.company == first.company
    assert matter.notice == first  # the series, not the reminder the reply answered
    assert matter.reply == reply
    assert [(m.from_stage, m.to_stage) for m in matter.moves.all()] == [("", "enquiry")]
    event = AuditEvent.objects.get(verb="licence_matter.opened")
    assert event.data["notice"] == first.reference
    assert event.actor_id == paralegal.pk


@pytest.mark.parametrize(
    ("reply_kwargs", "message"),
    [
        ({"outcome": "disputes"}, "only a reply that requests licence talks"),
        ({"company": False}, "not tied to a company"),
    ],
)
def test_a_reply_of_another_class_or_without_a_company_opens_nothing(
    paralegal, reply_kwargs, message
):
    reply = _reply(**reply_kwargs)
    before = _counts()

    with pytest.raises(ServiceError, match=message):
        matter_open(reply=reply, by=paralegal)

    assert _counts() == before


def test_a_second_set_of_talks_is_refused_naming_the_first(paralegal, legal):
    reply = _reply()
    first = matter_open(reply=reply, by=paralegal)
    before = _counts()

    with pytest.raises(ServiceError, match=f"talks #{first.pk} \\(Enquiry, opened"):
        matter_open(company=reply.company, by=legal)

    assert _counts() == before


def test_a_lawyer_may_tie_talks_to_a_letter_of_the_company_only(legal):
    first = make_notice()
    reminder = make_notice(company=first.company, follows=first)
    stranger = make_notice()
    before = _counts()

    with pytest.raises(ServiceError, match="a letter to another company"):
        matter_open(company=first.company, notice=stranger, by=legal)
    assert _counts() == before
    matter = matter_open(company=first.company, notice=reminder, by=legal)

    assert matter.notice == first


def test_the_database_allows_one_set_of_open_talks_per_company(legal):
    company = CompanyFactory()
    LicenceMatter.objects.create(company=company, opened_by=legal)

    with pytest.raises(IntegrityError), transaction.atomic():
        LicenceMatter.objects.create(company=company, opened_by=legal, stage="nda")


def test_talks_may_open_again_once_the_earlier_ones_are_declined(legal):
    company = CompanyFactory()
    first = matter_open(company=company, by=legal)
    matter_decline(matter=first, by=legal, reason="No deal", restart_ladder=False)

    second = matter_open(company=company, by=legal)

    assert second.pk != first.pk
    assert second.stage == "enquiry"


def test_only_a_lawyer_opens_talks_from_a_company_and_a_manager_never(paralegal):
    company, reply, manager = CompanyFactory(), _reply(), UserFactory(role="Manager")
    before = _counts()

    with pytest.raises(ServiceError, match="a lawyer decides"):
        matter_open(company=company, by=paralegal)
    with pytest.raises(ServiceError, match="may not open licence talks"):
        matter_open(reply=reply, by=manager)

    assert _counts() == before


def test_next_step_is_set_by_legal_and_the_audit_keeps_the_values_before(legal, paralegal):
    matter = matter_open(company=CompanyFactory(), by=legal, next_step="Call them")
    due = timezone.localdate() + timezone.timedelta(days=3)

    matter = matter_update_next_step(
        matter=matter, by=legal, owner=paralegal, next_step="Send our NDA", next_step_on=due
    )

    assert (matter.owner, matter.next_step, matter.next_step_on) == (paralegal, "Send our NDA", due)
    event = AuditEvent.objects.get(verb="licence_matter.next_step_set")
    assert event.data["before"]["next_step"] == "Call them"
    assert event.data["owner"] == paralegal.username


@pytest.mark.parametrize(
    ("who", "owner", "step", "message"),
    [
        ("paralegal", None, "x", "may not change licence talks"),
        ("legal", "manager", "x", "cannot own licence talks"),
        ("legal", None, "", "say what the next step is"),
    ],
)
def test_a_refused_next_step_changes_nothing(legal, paralegal, who, owner, step, message):
    matter = matter_open(company=CompanyFactory(), by=legal, next_step="Call them")
    by = {"legal": legal, "paralegal": paralegal}[who]
    owner_user = UserFactory(role="Manager") if owner else None
    before = _counts()

    with pytest.raises(ServiceError, match=message):
        matter_update_next_step(
            matter=matter,
            by=by,
            owner=owner_user,
            next_step=step,
            next_step_on=timezone.localdate(),
        )

    matter.refresh_from_db()
    assert matter.next_step == "Call them"
    assert _counts() == before


def test_notes_are_legal_only_and_never_audited_with_their_text(legal, paralegal):
    matter = matter_open(company=CompanyFactory(), by=legal)

    note = matter_note_add(matter=matter, by=legal, text="Their counsel hints at 50k.")
    before = _counts()
    with pytest.raises(ServiceError, match="may not write notes"):
        matter_note_add(matter=matter, by=paralegal, text="Paralegal note")
    with pytest.raises(ServiceError, match="empty"):
        matter_note_add(matter=matter, by=legal, text="   ")

    assert _counts() == before
    assert note.written_by == legal
    event = AuditEvent.objects.get(verb="licence_matter.note_added")
    assert "50k" not in str(event.data)


def test_a_document_is_stored_under_a_generated_name_with_its_sha256(paralegal, legal):
    matter = matter_open(company=CompanyFactory(), by=legal)

    document = matter_document_add(
        matter=matter, by=paralegal, description="Draft NDA", name="nda.pdf", content=PDF
    )

    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert document.content_type == "application/pdf"
    assert "nda" not in document.file.name
    with default_storage.open(document.file.name, "rb") as stored:
        assert stored.read() == PDF
    event = AuditEvent.objects.get(verb="licence_matter.document_added")
    assert event.data["sha256"] == document.sha256


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "HTML|markup|accepted|page"),
        (b"", "empty"),
    ],
)
def test_a_refused_document_stores_nothing(legal, content, message, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    matter = matter_open(company=CompanyFactory(), by=legal)
    before = _counts()

    with pytest.raises(ServiceError):
        matter_document_add(
            matter=matter, by=legal, description="Term sheet", name="terms.pdf", content=content
        )

    assert _counts() == before
    assert not any(tmp_path.rglob("*.*"))


def test_a_manager_may_not_add_documents():
    matter = matter_open(company=CompanyFactory(), by=UserFactory(role="Legal"))
    manager = UserFactory(role="Manager")
    before = _counts()

    with pytest.raises(ServiceError, match="may not add documents"):
        matter_document_add(
            matter=matter,
            by=manager,
            description="x",
            name="x.pdf",
            content=PDF,
        )

    assert _counts() == before


def test_decline_needs_a_lawyer_and_a_reason_and_a_closed_matter_cannot_be_declined(
    legal, paralegal
):
    matter = matter_open(company=CompanyFactory(), by=legal)
    before = _counts()

    with pytest.raises(ServiceError, match="may not decline"):
        matter_decline(matter=matter, by=paralegal, reason="x", restart_ladder=True)
    with pytest.raises(ServiceError, match="why the talks ended"):
        matter_decline(matter=matter, by=legal, reason=" ", restart_ladder=False)
    assert _counts() == before

    matter_decline(matter=matter, by=legal, reason="No deal", restart_ladder=False)
    after_decline = _counts()
    with pytest.raises(ServiceError, match="declined: open new talks"):
        matter_decline(matter=matter, by=legal, reason="Again", restart_ladder=True)

    assert _counts() == after_decline
    matter.refresh_from_db()
    assert matter.ladder_restarted_at is None


def test_stage_moves_are_kept_and_a_deal_is_not_signed_by_hand(legal):
    matter = matter_open(company=CompanyFactory(), by=legal)

    matter_move(matter=matter, to_stage="term_sheet", by=legal, reason="Terms sent")
    with pytest.raises(ServiceError, match="signed by recording its licence"):
        matter_move(matter=matter, to_stage="signed", by=legal)

    moves = list(MatterMove.objects.filter(matter=matter).values_list("from_stage", "to_stage"))
    assert moves == [("", "enquiry"), ("enquiry", "term_sheet")]
