"""The upload gate (warnings_app/domain/uploads.py) on every path that takes a file from a person:
evidence in the admin, attachments of a reply logged by hand, and the recipient import. Each
refuses an HTML page named .pdf, an SVG carrying script and a ZIP bomb, and keeps a good file
under a generated name."""

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.factories import CompanyFactory, UserFactory
from warnings_app.domain import uploads
from warnings_app.domain.roles import PARALEGAL
from warnings_app.models import Company, EvidenceItem, Response

pytestmark = pytest.mark.django_db

HTML_AS_PDF = ("letter.pdf", b"<!DOCTYPE html><html><script>alert(document.cookie)</script>")
SVG_WITH_SCRIPT = (
    "logo.svg",
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
    b"</svg>",
)
GOOD_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _zip_bomb() -> bytes:
    """An .xlsx-shaped archive: one sheet of 60 MB of zeros that deflates ~1000 to 1."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/></Types>',
        )
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    return buffer.getvalue()


def _xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["legal_name", "country", "domain"])
    for n in range(500):
        workbook.active.append([f"Company {n} Ltd", "GB", f"company{n}.example"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


BAD_FILES = [
    pytest.param(*HTML_AS_PDF, "web markup", id="html-named-pdf"),
    pytest.param(*SVG_WITH_SCRIPT, "web markup", id="svg-with-script"),
    pytest.param("sheet.xlsx", _zip_bomb(), "ZIP bomb", id="zip-bomb"),
]


# --- the gate -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES)
def test_the_gate_refuses_by_content_whatever_the_name(name, data, message):
    with pytest.raises(uploads.UploadRefused, match=message):
        uploads.check(data, name=name)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (GOOD_PDF, uploads.PDF),
        (b"\x89PNG\r\n\x1a\n" + bytes(32), uploads.PNG),
        (b"\xff\xd8\xff\xe0" + bytes(32), uploads.JPEG),
        ("name,city\nMüller,Köln\n".encode("cp1252"), uploads.TEXT),
        (b"From: a@example.org\nSubject: hi\nMessage-ID: <1@x>\n\nbody", uploads.EML),
        (_xlsx(), uploads.XLSX),
    ],
    ids=["pdf", "png", "jpeg", "cp1252-csv", "eml", "xlsx"],
)
def test_the_gate_names_each_accepted_kind_from_its_bytes(data, kind):
    checked = uploads.check(data, name="whatever.bin")

    assert checked.kind == kind
    assert uploads.generated_filename(checked).endswith(uploads.EXTENSIONS[kind])


def test_a_plain_zip_and_a_program_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("invoice.exe", b"MZ")

    with pytest.raises(uploads.UploadRefused, match="archives are not accepted"):
        uploads.check(buffer.getvalue(), name="invoice.zip")
    with pytest.raises(uploads.UploadRefused, match="Windows program"):
        uploads.check(b"MZ\x90\x00" + bytes(64), name="scan.pdf")


def test_an_archive_declaring_too_much_unpacked_data_is_refused_before_inflating(settings):
    settings.UPLOAD_MAX_UNPACKED_BYTES = 1024

    with pytest.raises(uploads.UploadRefused, match="unpacks to"):
        uploads.check(_xlsx(), name="big.xlsx")


# --- reply logged by hand --------------------------------------------------------------------


def _log_reply(client, company, name, data):
    return client.post(
        reverse("company_log_reply", args=[company.pk]),
        {
            "channel": "letter",
            "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "subject": "Letter received",
            "attachments": [SimpleUploadedFile(name, data, "application/pdf")],
        },
    )


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES)
def test_a_hand_logged_reply_refuses_a_bad_attachment_and_keeps_nothing(
    client, name, data, message
):
    client.force_login(UserFactory(role=PARALEGAL))
    company = CompanyFactory()

    response = _log_reply(client, company, name, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Response.objects.exists()


def test_a_hand_logged_reply_keeps_a_pdf_under_a_generated_name(client):
    client.force_login(UserFactory(role=PARALEGAL))
    company = CompanyFactory()

    response = _log_reply(client, company, "../../scan of letter.pdf", GOOD_PDF)

    [attachment] = Response.objects.get().attachments.all()
    assert response.status_code == 302
    assert attachment.original_filename == "scan of letter.pdf"
    assert "scan" not in attachment.file.name
    assert attachment.file.name.endswith(".pdf")
    assert attachment.content_type == "application/pdf"


# --- evidence in the admin -------------------------------------------------------------------


def _add_evidence(client, company, name, data):
    return client.post(
        reverse("admin:warnings_app_evidenceitem_add"),
        {
            "company": company.pk,
            "description": "Model card listing our catalogue",
            "source_url": "https://example.org/card",
            "observed_at_0": timezone.localdate().isoformat(),
            "observed_at_1": "10:00:00",
            "file": SimpleUploadedFile(name, data, "application/pdf"),
        },
    )


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role="Admin", is_staff=True))
    return client


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES)
def test_the_evidence_admin_refuses_a_bad_file(admin_client, name, data, message):
    company = CompanyFactory()

    response = _add_evidence(admin_client, company, name, data)

    assert response.status_code == 200  # the form again, with the error
    assert message in response.content.decode()
    assert not EvidenceItem.objects.exists()


def test_the_evidence_admin_keeps_a_pdf_with_its_hash_under_a_generated_name(admin_client):
    company = CompanyFactory()

    response = _add_evidence(admin_client, company, "card <script>.pdf", GOOD_PDF)

    item = EvidenceItem.objects.get()
    assert response.status_code == 302
    assert item.original_filename == "card <script>.pdf"
    assert item.file.name.startswith("evidence/")
    assert "card" not in item.file.name
    assert item.file.name.endswith(".pdf")
    assert (item.content_type, item.size) == ("application/pdf", len(GOOD_PDF))
    assert len(item.sha256) == 64


# --- recipient import ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES)
def test_the_import_refuses_a_bad_file(client_as, name, data, message):
    response = client_as(PARALEGAL).post(
        reverse("company_import"), {"file": SimpleUploadedFile(name, data), "encoding": ""}
    )

    assert message in response.content.decode()
    assert not Company.objects.exists()


def test_the_import_previews_a_real_workbook(client_as):
    response = client_as(PARALEGAL).post(
        reverse("company_import"),
        {"file": SimpleUploadedFile("list.xlsx", _xlsx()), "encoding": ""},
    )

    assert response.status_code == 200
    assert not response.context["report"].refused
    assert "Company 499 Ltd" in response.content.decode()
