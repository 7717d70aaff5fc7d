import hashlib
import io
import shutil
import subprocess

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tests.factories import UserFactory
from tests.letters_helpers import notice_with_schedule, pdf_text
from warnings_app import services
from warnings_app.models import AuditEvent
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services.rendering import stored_pdf_bytes
from warnings_app.tasks import render_notice_task

pytestmark = pytest.mark.django_db


def test_a_rendered_letter_says_what_it_must_and_is_a_valid_pdf(tmp_path):
    notice = notice_with_schedule(works=30)

    rendered = services.notice_render(notice=notice, by=notice.created_by)

    content = stored_pdf_bytes(rendered)
    text = pdf_text(content)
    assert rendered.status == NoticeStatus.RENDERED
    assert rendered.reference in text
    assert "Sonora Machine Audio Ltd" in text
    assert rendered.merge_data["notice"]["response_deadline"] in text
    for work in rendered.works.all():
        assert work.title in text
    assert f"Page 1 of {rendered.pdf_pages}" in text
    assert hashlib.sha256(content).hexdigest() == rendered.pdf_sha256
    assert rendered.pdf_size == len(content)
    assert rendered.pdf_pages >= 2
    assert shutil.which("qpdf"), "qpdf is needed: apt-get install qpdf"
    path = tmp_path / "letter.pdf"
    path.write_bytes(content)
    check = subprocess.run(
        ["qpdf", "--check", str(path)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_rendering_records_the_evidence_and_freezes_the_version():
    notice = notice_with_schedule()

    rendered = services.notice_render(notice=notice, by=notice.created_by)

    version = rendered.template_version
    version.refresh_from_db()
    assert version.frozen_at is not None
    assert rendered.merge_data["recipient"]["legal_name"] == "Sonora Machine Audio Ltd"
    assert rendered.due_date.isoformat() == rendered.merge_data["notice"]["response_deadline_iso"]
    assert "business days from" in rendered.due_date_explanation
    assert len(rendered.pdf.name.rsplit("/", 1)[1]) >= 30  # unguessable file name
    event = AuditEvent.objects.get(verb="notice.render", target_id=str(rendered.pk))
    assert event.data["sha256"] == rendered.pdf_sha256
    assert event.data["template_version_id"] == version.pk


def test_rerendering_is_audited_before_approval_and_refused_after():
    notice = notice_with_schedule()
    first = services.notice_render(notice=notice, by=notice.created_by)
    first_hash, first_file = first.pdf_sha256, first.pdf.name

    second = services.notice_render(notice=first, by=first.created_by)
    approved = services.notice_approve(notice=second, by=UserFactory(role="Legal"))
    with pytest.raises(services.NoticeStateError, match="frozen"):
        services.notice_render(notice=approved, by=approved.created_by)

    approved.refresh_from_db()
    assert approved.pdf_sha256 == second.pdf_sha256
    assert default_storage.exists(first_file)  # what was reviewed earlier is kept
    event = AuditEvent.objects.get(verb="notice.rerender", target_id=str(notice.pk))
    assert event.data["replaces_sha256"] == first_hash


def test_the_render_task_can_run_twice():
    notice = notice_with_schedule()

    render_notice_task(notice.pk)
    render_notice_task(notice.pk)

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.RENDERED
    assert (
        AuditEvent.objects.filter(
            target_id=str(notice.pk), verb__in=["notice.render", "notice.rerender"]
        ).count()
        == 1
    )


def test_verify_integrity_names_an_altered_or_missing_letter():
    good = services.notice_render(notice=notice_with_schedule(), by=None)
    altered = services.notice_render(notice=notice_with_schedule(legal_name="Altered AI"), by=None)
    missing = services.notice_render(notice=notice_with_schedule(legal_name="Gone AI"), by=None)
    out = io.StringIO()
    call_command("verify_integrity", stdout=out, stderr=io.StringIO())
    assert "3 problem" not in out.getvalue()

    content = bytearray(stored_pdf_bytes(altered))
    content[len(content) // 2] ^= 0x01
    default_storage.delete(altered.pdf.name)
    default_storage.save(altered.pdf.name, ContentFile(bytes(content)))
    default_storage.delete(missing.pdf.name)
    errors = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_integrity", stdout=io.StringIO(), stderr=errors)

    assert altered.reference in str(failure.value)
    assert missing.reference in str(failure.value)
    assert good.reference not in str(failure.value)
    assert f"{altered.reference}: altered" in errors.getvalue()
    assert f"{missing.reference}: file missing" in errors.getvalue()


def test_the_download_is_an_audited_attachment_and_refused_when_tampered(client):
    notice = services.notice_render(notice=notice_with_schedule(), by=None)
    client.force_login(UserFactory(role="Paralegal"))

    response = client.get(reverse("notice_pdf", args=[notice.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{notice.reference}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert hashlib.sha256(response.content).hexdigest() == notice.pdf_sha256
    assert AuditEvent.objects.filter(verb="notice.pdf_downloaded").count() == 1

    default_storage.delete(notice.pdf.name)
    default_storage.save(notice.pdf.name, ContentFile(b"%PDF-1.7 forged"))
    refused = client.get(reverse("notice_pdf", args=[notice.pk]))
    assert refused.status_code == 409
    assert b"does not match" in refused.content
