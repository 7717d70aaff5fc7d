import pytest
from django.urls import reverse

from tests.factories import CompanyFactory, UserFactory, make_notice
from warnings_app.models import AuditEvent, Company
from warnings_app.services.audit import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role="Admin", is_staff=True))
    return client


def test_an_admin_edit_goes_through_the_company_service_and_keeps_the_name_key(admin_client):
    company = CompanyFactory(legal_name="Old Name Ltd", country="DE")
    form = {
        "legal_name": "ACME A.I. Limited",
        "aliases": "",
        "name_key": "",
        "website": "",
        "domain": company.domain,
        "country": "DE",
        "segment": "platform",
        "parent": "",
        "hold_reason": "",
        "notes": "",
    }

    response = admin_client.post(
        reverse("admin:warnings_app_company_change", args=[company.pk]), form
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    company.refresh_from_db()
    assert company.name_key == "acme ai"
    event = AuditEvent.objects.get(verb="company.updated", target_id=str(company.pk))
    assert event.data["changes"]["legal_name"] == ["Old Name Ltd", "ACME A.I. Limited"]
    assert event.data["changes"]["segment"][1] == "platform"
    assert not AuditEvent.objects.filter(verb="admin.changed").exists()


def test_an_admin_delete_is_audited(admin_client):
    company = CompanyFactory(legal_name="Mistake Ltd")

    admin_client.post(
        reverse("admin:warnings_app_company_delete", args=[company.pk]), {"post": "yes"}
    )

    assert not Company.objects.filter(pk=company.pk).exists()
    assert AuditEvent.objects.get(verb="admin.deleted").target_repr == "Mistake Ltd"


def test_the_audit_log_cannot_be_changed_in_the_admin(admin_client):
    event = audit_record(actor=None, verb="company.created")

    change = admin_client.post(
        reverse("admin:warnings_app_auditevent_change", args=[event.pk]), {"verb": "forged"}
    )
    delete = admin_client.post(
        reverse("admin:warnings_app_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )

    assert change.status_code == 403
    assert delete.status_code == 403
    event.refresh_from_db()
    assert event.verb == "company.created"


def test_an_administrator_cannot_make_anyone_a_superuser(client):
    admin_user = UserFactory(role="Admin", is_staff=True)
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[admin_user.pk])

    page = client.get(url)
    client.post(
        url,
        {
            "username": admin_user.username,
            "is_superuser": "on",
            "is_staff": "on",
            "is_active": "on",
            "groups": [],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )

    admin_user.refresh_from_db()
    assert "is_superuser" not in page.context["adminform"].form.fields
    assert admin_user.is_superuser is False
    assert admin_user.groups.filter(name="Admin").exists()


def test_notices_and_template_versions_are_read_only_in_the_admin(admin_client):
    notice = make_notice()

    notice_page = admin_client.post(
        reverse("admin:warnings_app_notice_change", args=[notice.pk]), {"status": "sent"}
    )
    version_page = admin_client.post(
        reverse("admin:warnings_app_templateversion_change", args=[notice.template_version.pk]),
        {"body": "rewritten"},
    )

    notice.refresh_from_db()
    assert notice_page.status_code == 403
    assert notice.status == "draft"
    assert version_page.status_code == 403


def test_the_company_admin_normalises_the_domain(admin_client):
    response = admin_client.post(
        reverse("admin:warnings_app_company_add"),
        {
            "legal_name": "Mixed Case Ltd",
            "aliases": "",
            "website": "",
            "domain": "WWW.Mixed.Example",
            "country": "GB",
            "segment": "other",
            "parent": "",
            "hold_reason": "",
            "notes": "",
        },
    )

    assert response.status_code == 302
    company = Company.objects.get(legal_name="Mixed Case Ltd")
    assert company.domain == "mixed.example"
    # Created through the service: its name key, its creator and its audit event.
    assert company.name_key == "mixed case"
    event = AuditEvent.objects.get(verb="company.created", target_id=str(company.pk))
    assert event.actor == company.created_by
    assert event.actor.groups.filter(name="Admin").exists()
