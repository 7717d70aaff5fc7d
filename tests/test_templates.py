import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from tests.factories import UserFactory
from tests.letters_helpers import notice_with_schedule
from warnings_app import services
from warnings_app.models import AuditEvent, TemplateVersion

pytestmark = pytest.mark.django_db
Status = TemplateVersion.Status


@pytest.fixture
def lawyers():
    return UserFactory(role="Legal"), UserFactory(role="Legal")


def _new_template(author):
    return services.letter_template_create(
        by=author,
        name="Initial (DE)",
        kind="initial_notice",
        jurisdiction="DE",
        subject="Reservation of rights — {{ notice.reference }}",
        body="Dear {{ recipient.addressee }},\n\nWe write about {{ works_count }} works.",
    )


def test_a_version_is_submitted_then_approved_by_another_lawyer(lawyers):
    author, reviewer = lawyers
    draft = _new_template(author)

    with pytest.raises(services.ServiceError, match="different lawyer"):
        services.template_version_approve(
            version=services.template_version_submit(version=draft, by=author), by=author
        )
    approved = services.template_version_approve(version=draft, by=reviewer)

    assert approved.status == Status.APPROVED
    assert approved.approved_by == reviewer
    verbs = list(
        AuditEvent.objects.filter(
            target_type="warnings_app.templateversion", target_id=str(draft.pk)
        ).values_list("verb", flat=True)
    )
    assert verbs == ["template_version.submitted", "template_version.approved"]


def test_nobody_who_edited_a_version_may_approve_it():
    founder, legal, legal2, third = (UserFactory(role="Legal") for _ in range(4))
    first = services.template_version_submit(version=_new_template(founder), by=founder)
    services.template_version_approve(version=first, by=third)

    draft = services.template_version_draft(template=first.template, by=legal2)
    services.template_version_update(
        version=draft,
        by=legal,
        subject="Reservation of rights — {{ notice.reference }}",
        body="Dear {{ recipient.addressee }},\n\nPay us at once.",
        layout="standard",
    )
    services.template_version_submit(version=draft, by=legal2)

    with pytest.raises(services.ServiceError, match="edited"):
        services.template_version_approve(version=draft, by=legal)
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert set(draft.edited_by.all()) == {legal}
    approved = services.template_version_approve(version=draft, by=third)
    assert approved.status == Status.APPROVED
    assert approved.approved_by == third


def test_a_rejection_needs_a_reason_and_returns_the_version_to_draft(lawyers):
    author, reviewer = lawyers
    submitted = services.template_version_submit(version=_new_template(author), by=author)

    with pytest.raises(services.ServiceError, match="what needs to change"):
        services.template_version_reject(version=submitted, by=reviewer, reason=" ")
    rejected = services.template_version_reject(
        version=submitted, by=reviewer, reason="Cite Art. 4(3) explicitly."
    )

    assert rejected.status == Status.DRAFT
    assert rejected.submitted_by is None


def test_a_version_in_use_can_never_change_or_be_deleted():
    notice = services.notice_render(notice=notice_with_schedule(), by=None)
    version = notice.template_version
    before = (version.subject, version.body)
    TemplateVersion.objects.filter(pk=version.pk).update(status=Status.DRAFT)  # even as a draft
    version.refresh_from_db()

    with pytest.raises(services.ServiceError, match="can never change"):
        services.template_version_update(
            version=version, by=None, subject="New", body="New body", layout="standard"
        )
    with pytest.raises(services.ServiceError, match="can never be deleted"):
        services.template_version_delete(version=version, by=None)
    with pytest.raises(ProtectedError):
        version.delete()

    version.refresh_from_db()
    assert (version.subject, version.body) == before


def test_approved_versions_cannot_be_edited():
    author, reviewer = UserFactory(role="Legal"), UserFactory(role="Legal")
    version = services.template_version_submit(version=_new_template(author), by=author)
    services.template_version_approve(version=version, by=reviewer)

    with pytest.raises(services.ServiceError, match="only a draft can be edited"):
        services.template_version_update(
            version=version, by=author, subject="Changed", body="Changed", layout="standard"
        )


def test_a_notice_keeps_its_version_after_a_newer_one_is_approved(lawyers):
    author, reviewer = lawyers
    notice = services.notice_render(notice=notice_with_schedule(), by=None)
    old = notice.template_version
    TemplateVersion.objects.filter(pk=old.pk).update(created_by=author)
    old.refresh_from_db()

    draft = services.template_version_draft(template=old.template, by=author)
    services.template_version_update(
        version=draft,
        by=author,
        subject="Second notice",
        body="New wording for {{ recipient.legal_name }}.",
        layout="modern",
    )
    services.template_version_submit(version=draft, by=author)
    services.template_version_approve(version=draft, by=reviewer)

    notice.refresh_from_db()
    old.refresh_from_db()
    assert draft.number == old.number + 1
    assert notice.template_version == old
    assert old.status == Status.RETIRED
    with pytest.raises(services.ServiceError, match="not approved"):
        services.notice_create(
            company=notice.company,
            template_version=old,
            by=author,
            principals=list(notice.principals.all()),
        )


def test_an_unapproved_version_cannot_be_used(lawyers):
    author, _ = lawyers
    draft = _new_template(author)
    submitted = services.template_version_submit(
        version=_new_template_named(author, "B"), by=author
    )

    for version in (draft, submitted):
        with pytest.raises(services.ServiceError, match="not approved"):
            notice_with_schedule(template_version=version)


def _new_template_named(author, name):
    return services.letter_template_create(
        by=author, name=name, kind="reminder", subject="S", body="Body"
    )


def test_the_editor_saves_a_draft_and_the_diff_shows_the_change(client, lawyers):
    author, _ = lawyers
    version = _new_template(author)
    client.force_login(author)

    saved = client.post(
        reverse("version_edit", args=[version.pk]),
        {
            "subject": version.subject,
            "layout": "standard",
            "body": "Dear {{ recipient.addressee }},\n\nWe write about the scheduled works.",
        },
    )
    services.template_version_submit(version=version, by=author)
    services.template_version_approve(version=version, by=lawyers[1])
    client.post(reverse("version_draft", args=[version.template_id]))
    draft = version.template.versions.get(number=2)
    client.post(
        reverse("version_edit", args=[draft.pk]),
        {
            "subject": version.subject,
            "layout": "standard",
            "body": "Dear {{ recipient.addressee }},\n\nWe write about all scheduled works.",
        },
    )
    diff = client.get(reverse("version_diff", args=[draft.pk])).content.decode()

    assert saved.status_code == 302
    assert '<span class="diff-removed">-We write about the scheduled works.</span>' in diff
    assert '<span class="diff-added">+We write about all scheduled works.</span>' in diff


def test_the_editor_shows_problems_and_keeps_the_text(client, lawyers):
    author, _ = lawyers
    version = _new_template(author)
    client.force_login(author)
    body = "Dear {{ recipient.nmae }},\n\nall my careful wording"

    response = client.post(
        reverse("version_edit", args=[version.pk]),
        {"subject": "S", "body": body, "layout": "standard"},
    )

    version.refresh_from_db()
    assert response.status_code == 400
    assert "recipient.nmae" in response.content.decode()
    assert response.context["form"]["body"].value() == body
    assert "careful wording" not in version.body


def test_the_pdf_preview_renders_the_saved_version_for_a_company(client, lawyers):
    notice = notice_with_schedule()
    client.force_login(UserFactory(role="Manager"))

    response = client.get(
        reverse("version_pdf", args=[notice.template_version_id]),
        {"company": notice.company.domain},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
