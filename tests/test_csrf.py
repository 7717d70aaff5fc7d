"""Every route that takes a POST (or PUT/PATCH/DELETE) refuses a request without a CSRF token,
for a user who may otherwise make it, and changes nothing. The API enforces CSRF for calls that
ride a browser session (DRF SessionAuthentication); token calls carry no cookie to ride on."""

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests import test_access
from tests.factories import UserFactory
from tests.test_access import ALLOWED, POST_ONLY
from tests.test_api_access import ALLOWED as API_ALLOWED
from warnings_app.domain.roles import ADMIN, LEGAL

pytestmark = pytest.mark.django_db
url_for = test_access.url_for  # the access matrix's fixture: one object per URL name

FORM_DATA = {"reason": "x", "subject": "s", "body": "b", "ids": ["1"], "token": "123456"}


def _api_write_routes() -> list[tuple[str, str]]:
    return sorted(
        (name, method)
        for name, methods in API_ALLOWED.items()
        for method in methods
        if method != "get"
    )


def _api_url(name: str) -> str:
    if name.endswith(("-list", "-import")) or "-" not in name:
        return reverse(f"api:{name}")
    return reverse(f"api:{name}", kwargs={"pk": 1})  # CSRF is checked before any lookup


def _row_counts() -> dict[str, int]:
    labels = ("warnings_app", "otp_totp", "auth")
    return {
        model._meta.label: model.objects.count()
        for label in labels
        for model in apps.get_app_config(label).get_models()
    }


def _legal_client(name: str = "") -> Client:
    """Legal, or Admin for the pages only Admin uses (the accounts pages)."""
    role = LEGAL if not name or LEGAL in ALLOWED[name] else ADMIN
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(role=role))
    return client


def test_legal_or_admin_may_use_every_post_route():
    """So a 403 below is the CSRF check, not the role check."""
    assert all(ALLOWED[name] & {LEGAL, ADMIN} for name in POST_ONLY - {"logout"})
    assert all(LEGAL in roles for _, m in _api_write_routes() for roles in [API_ALLOWED[_][m]])


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_every_page_refuses_a_post_without_a_csrf_token(url_for, name):
    """All of them, not only the forms and POST_ONLY actions: the check runs before the view,
    so a page that later learns to take a POST is covered from its first day."""
    url = url_for(name)
    client = _legal_client(name)
    before = _row_counts()

    response = client.post(url, FORM_DATA)

    assert response.status_code == 403, name
    assert b"CSRF" in response.content, name
    assert _row_counts() == before, name
    assert "_auth_user_id" in client.session  # even logout did not happen


@pytest.mark.parametrize(("name", "method"), _api_write_routes())
def test_every_api_write_refuses_a_session_call_without_a_csrf_token(name, method):
    client = _legal_client()
    before = _row_counts()

    response = getattr(client, method)(
        _api_url(name), {"reason": "x", "legal_name": "Sneaky"}, content_type="application/json"
    )

    assert response.status_code == 403, f"{method} {name}"
    assert "CSRF" in response.json()["detail"], f"{method} {name}"
    assert _row_counts() == before, f"{method} {name}"


def test_the_same_calls_pass_with_the_token():
    """The control: the refusals above come from the missing token alone."""
    client = _legal_client()
    client.get(reverse("company_create"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value

    page = client.post(
        reverse("company_create"),
        {"legal_name": "Tokened Ltd", "country": "DE", "segment": "other"},
        HTTP_X_CSRFTOKEN=token,
    )
    api = client.post(
        reverse("api:company-list"),
        {"legal_name": "Tokened API Ltd", "country": "DE", "segment": "other"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )

    assert page.status_code in (200, 302)
    assert api.status_code not in (401, 403)
