"""The import page: preview writes nothing, commit checks the file again and writes it all."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from warnings_app.domain.roles import MANAGER, PARALEGAL
from warnings_app.models import AuditEvent, Company

pytestmark = pytest.mark.django_db

CSV = b"legal_name,country,domain,contact_email\r\nAcme AI Ltd,GB,acme.ai,legal@acme.ai\r\n"


def test_the_company_list_links_to_the_import_for_those_who_may_add(client_as):
    assert b"companies/import/" in client_as(PARALEGAL).get(reverse("company_list")).content
    assert b"companies/import/" not in client_as(MANAGER).get(reverse("company_list")).content


def test_the_template_download_has_every_column(client_as):
    response = client_as(PARALEGAL).get(reverse("company_import") + "?download=template")

    assert response["Content-Disposition"].endswith('companies-template.csv"')
    assert response.content.startswith(b"legal_name,aliases,website,domain,country")


def test_a_preview_writes_nothing_and_the_commit_imports_the_stored_file(client_as):
    client = client_as(PARALEGAL)

    preview = client.post(
        reverse("company_import"), {"file": SimpleUploadedFile("acme.csv", CSV), "encoding": ""}
    )

    assert preview.status_code == 200
    assert "Create company" in preview.content.decode()
    assert Company.objects.count() == 0
    sha = preview.context["report"].sha256
    committed = client.post(
        reverse("company_import_commit"), {"upload": sha, "filename": "acme.csv", "encoding": ""}
    )
    assert committed.status_code == 302
    assert Company.objects.get().legal_name == "Acme AI Ltd"
    assert AuditEvent.objects.get(verb="import.committed").data["filename"] == "acme.csv"


def test_a_file_with_problems_shows_them_keeps_the_encoding_and_offers_no_commit(client_as):
    bad = "legal_name,country\r\nMüller,Atlantis\r\n".encode("cp1252")

    response = client_as(PARALEGAL).post(
        reverse("company_import"),
        {"file": SimpleUploadedFile("bad.csv", bad), "encoding": "cp1252"},
    )

    page = response.content.decode()
    assert "Atlantis" in page
    assert 'data-testid="commit-form"' not in page
    assert response.context["form"]["encoding"].value() == "cp1252"
    assert Company.objects.count() == 0


def test_another_users_upload_cannot_be_committed(client_as, role_users):
    client = client_as(PARALEGAL)
    preview = client.post(reverse("company_import"), {"file": SimpleUploadedFile("a.csv", CSV)})
    sha = preview.context["report"].sha256
    client.force_login(role_users["Legal"])

    response = client.post(reverse("company_import_commit"), {"upload": sha})

    assert response.status_code == 200
    assert "expired" in response.content.decode()
    assert Company.objects.count() == 0


def test_a_manager_cannot_import(client_as):
    client = client_as(MANAGER)

    response = client.post(reverse("company_import"), {"file": SimpleUploadedFile("a.csv", CSV)})

    assert response.status_code == 403
    assert Company.objects.count() == 0
