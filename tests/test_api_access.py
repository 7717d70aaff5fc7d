"""The API's authorisation matrix, built from the URL configuration: every route in the "api"
namespace must be listed here with, per method, the roles that may use it; a new endpoint
without a decision fails the first test."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.access_rows import Rows, licence_rows
from tests.factories import UserFactory, WorkFactory
from warnings_app.domain.roles import ADMIN, ALL_ROLES, LEGAL, MANAGER, PARALEGAL
from warnings_app.models import DeliveryAttempt, Response

pytestmark = pytest.mark.django_db

EVERYONE = set(ALL_ROLES)
SIGNED_IN = EVERYONE | {None}  # any signed-in user, even one without a role
EDITORS = {LEGAL, PARALEGAL, ADMIN}
READ = {"get": EVERYONE}
LICENCES = {"get": {LEGAL, PARALEGAL, MANAGER}}  # licence rows: not Admin
ALLOWED: dict[str, dict[str, set]] = {
    "company-list": {"get": EVERYONE, "post": EDITORS},
    "company-detail": {"get": EVERYONE, "put": EDITORS, "patch": EDITORS},
    "company-import": {"post": EDITORS},
    "contact-list": {"get": EVERYONE, "post": EDITORS},
    "contact-detail": {"get": EVERYONE, "put": EDITORS, "patch": EDITORS},
    "principal-list": READ,
    "principal-detail": READ,
    "work-list": READ,
    "work-detail": READ,
    "template-list": READ,
    "template-detail": READ,
    "templateversion-list": READ,
    "templateversion-detail": READ,
    "campaign-list": {"get": EVERYONE, "post": {LEGAL}},
    "campaign-detail": READ,
    "campaign-generate": {"post": {LEGAL}},
    "campaign-approve": {"post": {LEGAL}},
    "campaign-send": {"post": {LEGAL}},
    "campaign-pause": {"post": {LEGAL}},
    "campaign-resume": {"post": {LEGAL}},
    "notice-list": READ,
    "notice-detail": READ,
    "notice-pdf": READ,
    "notice-reconcile": {"post": {LEGAL}},
    "notice-approve": {"post": {LEGAL}},
    "notice-send-back": {"post": {LEGAL}},
    "delivery-list": READ,
    "delivery-detail": READ,
    "reply-list": {"get": EVERYONE, "post": EDITORS},
    "reply-detail": READ,
    "reply-classify": {"post": EDITORS},
    "figures": {"get": {LEGAL, MANAGER, ADMIN}},
    # Writes as on the pages: Legal and Paralegals open talks (Paralegals from a reply) and
    # import usage reports; only Legal moves, declines, records and terminates.
    "licencematter-list": {**LICENCES, "post": {LEGAL, PARALEGAL}},
    "licencematter-move": {"post": {LEGAL}},
    "licencematter-decline": {"post": {LEGAL}},
    "licencematter-licence": {"post": {LEGAL}},
    "licence-terminate": {"post": {LEGAL}},
    "licence-usage-reports": {"post": {LEGAL, PARALEGAL}},
    "licencematter-detail": LICENCES,
    "licence-list": LICENCES,
    "licence-detail": LICENCES,
    "usagereport-list": LICENCES,
    "usagereport-detail": LICENCES,
    "usagefinding-list": LICENCES,
    "usagefinding-detail": LICENCES,
    # The dashboard's licence figures: who sees the dashboard and reads licences.
    "licence-figures": {"get": {LEGAL, MANAGER}},
    "schema": {"get": SIGNED_IN},
    "docs": {"get": SIGNED_IN},
}
METHODS = ("get", "post", "put", "patch", "delete")
ROLES = [*ALL_ROLES, None, "anonymous"]


def _api_route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, inside):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, inside or entry.namespace == "api")
            elif isinstance(entry, URLPattern) and inside and entry.name:
                names.add(entry.name)

    walk(get_resolver().url_patterns, False)
    return names


class _ApiRows(Rows):
    def pk(self, kind: str) -> int:
        build = {
            "company": lambda: self.contact().company_id,
            "contact": lambda: self.contact().pk,
            "principal": lambda: self.notice().principals.first().pk,
            "work": lambda: WorkFactory().pk,
            "template": lambda: self.notice().template_version.template_id,
            "templateversion": lambda: self.notice().template_version_id,
            "campaign": lambda: self.campaign().pk,
            "notice": lambda: self.notice().pk,
            "delivery": lambda: (
                DeliveryAttempt.objects.create(
                    notice=self.notice(),
                    channel="email",
                    idempotency_key="k",
                    started_at=timezone.now(),
                ).pk
            ),
            "reply": lambda: (
                Response.objects.create(
                    channel="letter",
                    notice=self.notice(),
                    company=self.notice().company,
                    received_at=timezone.now(),
                ).pk
            ),
            **licence_rows(self.notice),
        }[kind]
        return self.once(f"pk {kind}", build)


@pytest.fixture
def url_for():
    rows = _ApiRows()

    def url(name: str) -> str:
        if "-" not in name or name.endswith(("-list", "-import", "-figures")):
            return reverse(f"api:{name}")
        return reverse(f"api:{name}", kwargs={"pk": rows.pk(name.split("-")[0])})

    return url


def _client(role):
    client = APIClient()
    if role != "anonymous":
        client.force_login(UserFactory(role=role))
    return client


def test_every_api_route_has_an_access_decision():
    assert _api_route_names() == set(ALLOWED)


def test_every_decision_names_known_roles_and_methods():
    for name, methods in ALLOWED.items():
        assert set(methods) <= set(METHODS), name
        for roles in methods.values():
            assert roles <= SIGNED_IN, name


@pytest.mark.parametrize("name", sorted(ALLOWED))
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_each_role_uses_only_its_api_routes(url_for, name, role):
    """Every method of every route, for every role: allowed ones get past authorisation (and
    never fail with a server error), refused ones get 401 (anonymous) or 403; methods a route
    does not have get 405."""
    url, client = url_for(name), _client(role)

    for method in METHODS:
        response = getattr(client, method)(url, {}, format="json")

        where = f"{role} {method.upper()} {name}"
        assert response.status_code < 500, where
        if role == "anonymous":
            expected = 302 if name == "docs" else 401
            assert response.status_code == expected, where
            if expected == 302:
                assert response.url.startswith(reverse("login"))
        elif method not in ALLOWED[name]:
            assert response.status_code == 405, where
        elif role in ALLOWED[name][method]:
            assert response.status_code not in (401, 403, 405), where
        else:
            assert response.status_code == 403, where
            assert "detail" in response.json(), where


@pytest.mark.parametrize("name", sorted(n for n, m in ALLOWED.items() if set(m) - {"get"}))
def test_managers_never_write_through_the_api(url_for, name):
    """A manager's write is refused before anything is read from the body, and nothing is
    stored or audited."""
    url, client = url_for(name), _client(MANAGER)
    before = _row_counts()

    for method in set(ALLOWED[name]) - {"get"}:
        response = getattr(client, method)(url, {"reason": "x", "legal_name": "Sneaky"})

        assert response.status_code == 403, f"{method} {name}"
    assert _row_counts() == before


def _row_counts() -> dict[str, int]:
    from django.apps import apps

    return {
        model.__name__: model.objects.count()
        for model in apps.get_app_config("warnings_app").get_models()
    }
