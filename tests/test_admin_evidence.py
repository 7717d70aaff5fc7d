"""Evidence is read-only in the admin: no add, change or delete, whatever the user's rights.
A correction is a new record through the services (a reclassification, a new exhibit)."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.factories import CompanyFactory, UserFactory, make_notice
from warnings_app import models as m
from warnings_app.models import AuditEvent, DemandAnswer, Response

pytestmark = pytest.mark.django_db

# Letters, deliveries and attempts, replies with their raw messages and attachments, demand
# answers (the classification), statements, published files, the audit log.
EVIDENCE = [
    m.Notice,
    m.DeliveryAttempt,
    m.PrintBatch,
    m.Response,
    m.ResponseAttachment,
    m.DemandAnswer,
    m.PreferenceStatement,
    m.PreferenceReceipt,
    m.ReservationPublication,
    m.AuditEvent,
]


@pytest.fixture
def admin_client(client):
    user = UserFactory(role="Admin", is_staff=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", EVIDENCE, ids=lambda model: model.__name__)
def test_evidence_cannot_be_added_changed_or_deleted_even_by_a_superuser(model):
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    model_admin = admin.site._registry[model]

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_an_exhibit_is_added_but_never_changed_or_deleted():
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    model_admin = admin.site._registry[m.EvidenceItem]

    assert model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def _reply() -> Response:
    notice = make_notice()
    reply = Response.objects.create(
        notice=notice,
        company=notice.company,
        channel="email",
        received_at=timezone.now(),
        body_text="We confirm we did not train on your catalogue.",
        raw_sha256="a" * 64,
        outcome="complied",
    )
    DemandAnswer.objects.create(response=reply, demand="undertaking", answer="yes")
    return reply


def test_editing_a_reply_in_the_admin_is_refused(admin_client):
    reply = _reply()
    before = AuditEvent.objects.count()

    change = admin_client.post(
        reverse("admin:warnings_app_response_change", args=[reply.pk]),
        {"body_text": "We never received anything.", "outcome": "disputes", "raw_sha256": "b" * 64},
    )
    delete = admin_client.post(
        reverse("admin:warnings_app_response_delete", args=[reply.pk]), {"post": "yes"}
    )
    add = admin_client.get(reverse("admin:warnings_app_response_add"))

    reply.refresh_from_db()
    assert (change.status_code, delete.status_code, add.status_code) == (403, 403, 403)
    assert reply.body_text == "We confirm we did not train on your catalogue."
    assert (reply.outcome, reply.raw_sha256) == ("complied", "a" * 64)
    assert AuditEvent.objects.count() == before


def test_a_demand_answer_and_an_exhibit_cannot_be_edited_in_the_admin(admin_client):
    answer = _reply().demands.get()
    exhibit = m.EvidenceItem.objects.create(
        company=CompanyFactory(), description="Model card", observed_at=timezone.now()
    )

    answer_page = admin_client.post(
        reverse("admin:warnings_app_demandanswer_change", args=[answer.pk]), {"answer": "no"}
    )
    exhibit_page = admin_client.post(
        reverse("admin:warnings_app_evidenceitem_change", args=[exhibit.pk]),
        {"description": "Something else"},
    )
    exhibit_delete = admin_client.post(
        reverse("admin:warnings_app_evidenceitem_delete", args=[exhibit.pk]), {"post": "yes"}
    )

    answer.refresh_from_db()
    exhibit.refresh_from_db()
    assert answer_page.status_code == 403
    assert answer.answer == "yes"
    assert exhibit_page.status_code == 403
    assert exhibit_delete.status_code == 403
    assert exhibit.description == "Model card"


def test_the_admin_index_offers_no_way_to_edit_evidence_or_accounts(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()

    assert reverse("admin:warnings_app_response_add") not in page
    assert "/admin/auth/" not in page
    assert "/admin/otp_totp/" not in page
