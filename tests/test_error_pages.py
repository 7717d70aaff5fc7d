"""Error pages are pages: styled like the rest, saying what happened and what to do."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django.views import defaults

from tests.factories import CompanyFactory, TemplateVersionFactory, UserFactory
from warnings_app.domain.roles import LEGAL, MANAGER

pytestmark = pytest.mark.django_db


def _is_an_error_page(html: str, code: str) -> None:
    assert f"Error {code}" in html
    assert 'data-testid="error-page"' in html
    assert "css/words.css" in html
    assert "Back to the start page" in html


@pytest.mark.parametrize(
    ("view", "code", "says"),
    [
        (defaults.bad_request, "400", "nothing was done and nothing was changed"),
        (defaults.permission_denied, "403", "ask an administrator"),
        (defaults.page_not_found, "404", "mistyped or cut short"),
    ],
)
def test_each_error_page_explains_itself(view, code, says):
    request = RequestFactory().get("/somewhere")
    request.user = UserFactory()

    response = view(request, PermissionDenied())

    assert response.status_code == int(code)
    html = response.content.decode()
    _is_an_error_page(html, code)
    assert says in html


def test_the_server_error_page_renders_without_a_request_context():
    response = defaults.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    _is_an_error_page(response.content.decode(), "500")


def test_a_role_without_access_gets_the_styled_403(client):
    client.force_login(UserFactory(role=MANAGER))

    response = client.get(reverse("company_create"))

    assert response.status_code == 403
    _is_an_error_page(response.content.decode(), "403")


def test_a_mistyped_preview_company_gets_a_page_with_the_box_to_try_again(client):
    CompanyFactory(domain="acme.example")
    version = TemplateVersionFactory()
    client.force_login(UserFactory(role=LEGAL))

    response = client.get(reverse("version_pdf", args=[version.pk]), {"company": "acme.exmaple"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    _is_an_error_page(html, "400")
    assert 'role="alert"' in html
    assert 'value="acme.exmaple"' in html
    assert "Nothing was rendered and nothing was changed" in html
