"""Legal's internal notes (company notes, reply classification notes) are attorney work product:
out of exports and evidence bundles unless Legal asks for them, and the audit says who did."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.bundle_helpers import built_bundle, bundle_text
from tests.factories import CompanyFactory, make_notice
from warnings_app.domain.roles import LEGAL, MANAGER
from warnings_app.models import AuditEvent, Response

pytestmark = pytest.mark.django_db
COMPANY_NOTE = "Counsel thinks their fair-use argument is weak"
REPLY_NOTE = "Settle below 10k if they ask"


@pytest.fixture
def company():
    company = CompanyFactory(notes=COMPANY_NOTE)
    notice = make_notice(company=company)
    Response.objects.create(
        notice=notice,
        company=company,
        channel="letter",
        received_at=timezone.now(),
        subject="Our answer",
        classification_note=REPLY_NOTE,
    )
    return company


def _xlsx_text(response) -> str:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize("kind", ["notices", "replies"])
def test_an_export_leaves_privileged_notes_out_by_default(client_as, company, kind):
    response = client_as(LEGAL).get(reverse("export", args=[kind, "xlsx"]))

    text = _xlsx_text(response)
    assert response.status_code == 200
    assert COMPANY_NOTE not in text
    assert REPLY_NOTE not in text
    event = AuditEvent.objects.get(verb="export.downloaded")
    assert event.data["include_privileged"] is False


def test_legal_can_include_privileged_notes_in_an_export_and_the_audit_says_so(client_as, company):
    response = client_as(LEGAL).get(
        reverse("export", args=["replies", "xlsx"]), {"include_privileged": "1"}
    )

    text = _xlsx_text(response)
    assert REPLY_NOTE in text
    assert COMPANY_NOTE in text
    event = AuditEvent.objects.get(verb="export.downloaded")
    assert event.data["include_privileged"] is True
    assert event.actor.username == "legal"


def test_only_legal_may_ask_for_privileged_notes(client_as, company):
    manager = client_as(MANAGER)

    refused = manager.get(reverse("export", args=["replies", "csv"]), {"include_privileged": "1"})
    plain = manager.get(reverse("export", args=["replies", "csv"]))

    assert refused.status_code == 403
    assert plain.status_code == 200
    assert REPLY_NOTE not in plain.content.decode("utf-8-sig")


@pytest.mark.usefixtures("test_tsa")  # bundles are signed
def test_an_evidence_bundle_leaves_privileged_notes_out_by_default(client_as, company):
    content, _ = built_bundle(client_as(LEGAL), "company_evidence", company.pk)

    text, manifest = bundle_text(content)
    assert COMPANY_NOTE not in text
    assert REPLY_NOTE not in text
    assert manifest["subject"]["includes_privileged_notes"] is False
    event = AuditEvent.objects.get(verb="evidence.downloaded")
    assert event.data["include_privileged"] is False


@pytest.mark.usefixtures("test_tsa")  # bundles are signed
def test_legal_can_include_privileged_notes_in_a_bundle_and_the_audit_says_so(client_as, company):
    content, _ = built_bundle(client_as(LEGAL), "company_evidence", company.pk, privileged=True)

    text, manifest = bundle_text(content)
    assert COMPANY_NOTE in text
    assert REPLY_NOTE in text
    assert manifest["subject"]["includes_privileged_notes"] is True
    assert AuditEvent.objects.get(verb="evidence.downloaded").data["include_privileged"] is True


@pytest.mark.usefixtures("test_tsa")  # bundles are signed
def test_an_administrator_may_download_a_bundle_but_not_its_privileged_notes(client_as, company):
    _, privileged = built_bundle(client_as(LEGAL), "company_evidence", company.pk, privileged=True)
    admin = client_as("Admin")

    refused = admin.post(
        reverse("company_evidence", args=[company.pk]), {"include_privileged": "1"}
    )
    not_theirs = admin.get(reverse("evidence_bundle_download", args=[privileged.pk]))
    content, _ = built_bundle(admin, "company_evidence", company.pk)

    assert refused.status_code == 403
    assert not_theirs.status_code == 403
    assert COMPANY_NOTE not in bundle_text(content)[0]
    downloads = AuditEvent.objects.filter(verb="evidence.downloaded")
    assert [e.actor.username for e in downloads if e.data["include_privileged"]] == ["legal"]
