"""The import API view, called through APIRequestFactory (its route belongs to the API's urls)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIRequestFactory, force_authenticate

from tests.factories import UserFactory
from warnings_app.api.imports import ImportCompaniesAPIView
from warnings_app.domain.roles import LEGAL, MANAGER
from warnings_app.models import Company

pytestmark = pytest.mark.django_db

CSV = b"legal_name,country,domain\r\nAcme AI Ltd,GB,acme.ai\r\n"


def _post(user, **fields):
    data = {"file": SimpleUploadedFile("acme.csv", fields.pop("content", CSV)), **fields}
    request = APIRequestFactory().post("/api/v1/companies/import/", data, format="multipart")
    if user is not None:
        force_authenticate(request, user=user)
    return ImportCompaniesAPIView.as_view()(request)


def test_the_api_previews_by_default_and_commits_with_the_flag():
    user = UserFactory(role=LEGAL)

    preview = _post(user)
    committed = _post(user, commit="true")

    assert preview.status_code == 200
    assert preview.data["committed"] is False
    assert preview.data["plan"][0]["action"] == "create"
    assert committed.status_code == 200
    assert committed.data["committed"] is True
    assert Company.objects.get().domain == "acme.ai"


def test_the_api_returns_the_report_with_400_for_a_bad_file():
    response = _post(UserFactory(role=LEGAL), content=b"legal_name,country\r\n=1+1,DE\r\n")

    assert response.status_code == 400
    assert response.data["problems"][0]["row"] == 2
    assert response.data["problems"][0]["column"] == "legal_name"


def test_the_api_refuses_managers_and_anonymous_callers():
    assert _post(UserFactory(role=MANAGER), commit="true").status_code == 403
    assert _post(None).status_code == 401
    assert Company.objects.count() == 0


def test_the_view_is_exempt_from_the_login_redirect():
    assert ImportCompaniesAPIView.as_view().login_required is False
