"""Reminders (ladder letters) that need approval can be approved on their own page and through
the API, and then go; the outcome view's chase and withdraw ask first and preselect nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.campaign_helpers import sent_campaign
from tests.factories import TemplateVersionFactory, UserFactory
from tests.outcome_helpers import state_of
from warnings_app.models import Notice
from warnings_app.services.followups import followups_process
from warnings_app.tasks import render_notice_task
from warnings_demo import demo_data

pytestmark = pytest.mark.django_db


def reminder_waiting(smtp_server) -> Notice:
    """A campaign whose ladder step needs approval, sent; its reminder made and rendered."""
    step = {
        "name": "Reminder",
        "offset_business_days": 5,
        "template_version": TemplateVersionFactory(subject="Reminder", body=demo_data.REMINDER),
        "channels": ["email"],
        "requires_approval": True,
    }
    campaign = sent_campaign(companies=1, steps=[step])
    followups_process(now=timezone.now() + timedelta(days=30))
    reminder = Notice.objects.get(campaign=campaign, ladder_step__isnull=False)
    render_notice_task(reminder.pk)
    reminder.refresh_from_db()
    assert reminder.status == "rendered"  # waiting for a lawyer
    return reminder


def test_a_reminder_approved_on_its_page_is_queued_for_delivery(
    client, smtp_server, django_capture_on_commit_callbacks
):
    reminder = reminder_waiting(smtp_server)
    client.force_login(UserFactory(role="Legal"))
    page = client.get(reverse("notice_detail", args=[reminder.pk])).content.decode()

    with django_capture_on_commit_callbacks() as published:
        response = client.post(reverse("notice_approve", args=[reminder.pk]), follow=True)

    assert reverse("notice_page_image", args=[reminder.pk, 1]) in page
    assert "Approve and send" in page
    assert "approved and queued for delivery" in response.content.decode()
    reminder.refresh_from_db()
    assert reminder.status == "queued"
    assert len(published) == 1  # the send task leaves only after the commit


def test_the_api_approves_a_reminder_and_sends_another_back(client, smtp_server):
    reminder = reminder_waiting(smtp_server)
    lawyer = UserFactory(role="Legal")
    client.force_login(lawyer)

    refused = client.post(
        f"/api/v1/notices/{reminder.pk}/send-back/", {}, content_type="application/json"
    )
    approved = client.post(
        f"/api/v1/notices/{reminder.pk}/approve/",
        {},
        content_type="application/json",
        headers={"Idempotency-Key": "approve-1"},
    )
    replayed = client.post(
        f"/api/v1/notices/{reminder.pk}/approve/",
        {},
        content_type="application/json",
        headers={"Idempotency-Key": "approve-1"},
    )
    again = client.post(
        f"/api/v1/notices/{reminder.pk}/approve/", {}, content_type="application/json"
    )

    assert refused.status_code == 400
    assert "comment" in refused.json()
    assert approved.status_code == 200
    assert approved.json()["status"] == "queued"
    assert replayed.status_code == 200
    assert replayed["Idempotent-Replayed"] == "true"
    assert again.status_code == 400


def test_a_paralegal_may_not_approve_through_the_api(client, smtp_server):
    reminder = reminder_waiting(smtp_server)
    client.force_login(UserFactory(role="Paralegal"))

    response = client.post(
        f"/api/v1/notices/{reminder.pk}/approve/", {}, content_type="application/json"
    )

    assert response.status_code == 403
    reminder.refresh_from_db()
    assert reminder.status == "rendered"


def test_chase_now_asks_first_stating_the_count_and_changes_nothing_until_confirmed(
    client, smtp_server
):
    campaign = sent_campaign(companies=2)
    notices = list(campaign.notices.order_by("pk"))
    client.force_login(UserFactory(role="Legal"))
    before = state_of(notices)
    outcomes = client.get(reverse("campaign_outcomes", args=[campaign.pk])).content.decode()

    asked = client.post(
        reverse("campaign_outcomes_act", args=[campaign.pk]),
        {"action": "chase", "ids": [n.pk for n in notices]},
    )

    assert '<option value="" selected>Choose an action…</option>' in outcomes
    assert asked.status_code == 200
    assert "makes the next reminder now for <strong>2 letters</strong>" in asked.content.decode()
    assert 'name="confirmed" value="yes"' in asked.content.decode()
    assert state_of(notices) == before


def test_withdraw_asks_first_and_says_it_cannot_be_undone(client, smtp_server):
    campaign = sent_campaign(companies=1)
    notices = list(campaign.notices.all())
    client.force_login(UserFactory(role="Legal"))

    asked = client.post(
        reverse("campaign_outcomes_act", args=[campaign.pk]),
        {"action": "withdraw", "ids": [n.pk for n in notices], "reason": "settled"},
    )

    assert "withdraws <strong>1 letter</strong>" in asked.content.decode()
    assert "cannot be undone" in asked.content.decode()


def test_the_pause_page_states_what_it_holds_back(client, smtp_server):
    campaign = sent_campaign(companies=2)
    campaign.status = "sending"
    campaign.save(update_fields=["status"])
    client.force_login(UserFactory(role="Legal"))

    page = client.get(reverse("campaign_pause_confirm", args=[campaign.pk])).content.decode()

    assert "<strong>0 letters on their way</strong>" in page
    assert "<strong>2 scheduled reminders</strong>" in page
    assert 'name="reason"' in page
