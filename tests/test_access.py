"""Built from the URL configuration: every URL must be listed here with the roles that may use
it, so a new page cannot ship without a decision about who sees it."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import CompanyFactory, ContactFactory, UserFactory
from warnings_app.models import Company
from warnings_app.roles import ADMIN, ALL_ROLES, LEGAL, MANAGER, PARALEGAL

pytestmark = pytest.mark.django_db

PUBLIC = {"login", "healthz"}
EVERYONE = set(ALL_ROLES)
SIGNED_IN = EVERYONE | {None}  # any signed-in user, even one not yet given a role
EDITORS = {LEGAL, PARALEGAL, ADMIN}
ALLOWED = {
    "home": SIGNED_IN,
    "logout": SIGNED_IN,
    "company_list": EVERYONE,
    "company_detail": EVERYONE,
    "company_create": EDITORS,
    "company_edit": EDITORS,
    "contact_create": EDITORS,
    "contact_edit": EDITORS,
}
POST_ONLY = {"logout"}


def _app_url_names() -> set[str]:
    names = set()

    def walk(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.app_name != "admin":
                    walk(entry.url_patterns)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(entry.name)

    walk(get_resolver().url_patterns)
    return names


@pytest.fixture
def url_for():
    contact = ContactFactory()
    kwargs = {
        "company_detail": {"pk": contact.company_id},
        "company_edit": {"pk": contact.company_id},
        "contact_create": {"company_pk": contact.company_id},
        "contact_edit": {"pk": contact.pk},
    }
    return lambda name: reverse(name, kwargs=kwargs.get(name))


def test_every_url_has_an_access_decision():
    assert _app_url_names() == PUBLIC | set(ALLOWED)


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_anonymous_users_are_sent_to_log_in(client, url_for, name):
    url = url_for(name)

    response = client.post(url) if name in POST_ONLY else client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", sorted(set(ALLOWED) - POST_ONLY))
@pytest.mark.parametrize("role", [*ALL_ROLES, None])
def test_each_role_reaches_only_its_pages(client, url_for, name, role):
    client.force_login(UserFactory(role=role))

    response = client.get(url_for(name))

    expected = 200 if role in ALLOWED[name] else 403
    assert response.status_code == expected, f"{role} on {name}"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_administrators_reach_the_django_admin(client, role):
    client.force_login(UserFactory(role=role, is_staff=role == ADMIN))

    response = client.get(reverse("admin:index"))

    if role == ADMIN:
        assert response.status_code == 200
        assert b"Companies" in response.content
    else:
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_roles_see_only_the_navigation_they_may_use(client):
    expectations = {
        LEGAL: {"Home", "Companies", "New company"},
        PARALEGAL: {"Home", "Companies", "New company"},
        MANAGER: {"Home", "Companies"},
        ADMIN: {"Home", "Companies", "New company", "Administration"},
    }
    for role, labels in expectations.items():
        client.force_login(UserFactory(role=role, is_staff=role == ADMIN))

        nav = client.get(reverse("home")).context["nav_items"]

        assert {item["label"] for item in nav} == labels, role


def test_a_manager_cannot_post_a_company(client):
    CompanyFactory()
    client.force_login(UserFactory(role=MANAGER))

    response = client.post(
        reverse("company_create"), {"legal_name": "Sneaky Ltd", "country": "DE", "segment": "other"}
    )

    assert response.status_code == 403
    assert not Company.objects.filter(legal_name="Sneaky Ltd").exists()
