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


def test_accounts_groups_and_devices_are_not_in_the_admin(admin_client):
    """They are managed on the Accounts page (tests/test_accounts.py)."""
    user = UserFactory()

    pages = [
        "/admin/auth/user/",
        f"/admin/auth/user/{user.pk}/change/",
        "/admin/auth/group/",
        "/admin/auth/group/add/",
        "/admin/auth/permission/",
        "/admin/otp_totp/totpdevice/",
        "/admin/otp_totp/totpdevice/add/",
    ]

    assert {page: admin_client.get(page).status_code for page in pages} == dict.fromkeys(pages, 404)


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
