import pytest
from django.urls import reverse

from tests.factories import CompanyFactory, UserFactory
from warnings_app.models import AuditEvent, Company

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role="Admin", is_staff=True))
    return client


def test_an_admin_edit_is_audited_and_keeps_the_name_key(admin_client):
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
        "created_by": "",
    }

    response = admin_client.post(
        reverse("admin:warnings_app_company_change", args=[company.pk]), form
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    company.refresh_from_db()
    assert company.name_key == "acme ai"
    event = AuditEvent.objects.get(verb="admin.changed", target_id=str(company.pk))
    assert "legal_name" in event.data["fields"]


def test_an_admin_delete_is_audited(admin_client):
    company = CompanyFactory(legal_name="Mistake Ltd")

    admin_client.post(
        reverse("admin:warnings_app_company_delete", args=[company.pk]), {"post": "yes"}
    )

    assert not Company.objects.filter(pk=company.pk).exists()
    assert AuditEvent.objects.get(verb="admin.deleted").target_repr == "Mistake Ltd"


def test_the_audit_log_cannot_be_changed_in_the_admin(admin_client):
    event = AuditEvent.objects.create(verb="company.created")

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
