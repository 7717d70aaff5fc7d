"""Approving with the letter in view (issue 18): one letter at a time, sending one back, the
confirmation pages, sending refused with nothing approved, and how a campaign's sending ends."""

import pytest
from django.urls import reverse

from tests.campaign_helpers import make_campaign
from tests.factories import UserFactory
from warnings_app.models import AuditEvent, Campaign, Notice
from warnings_app.services.approvals import notice_approve_one, notice_send_back
from warnings_app.services.campaign_sending import campaign_sending_check
from warnings_app.services.campaigns import campaign_approve, campaign_generate, campaign_send
from warnings_app.services.errors import ServiceError
from warnings_app.tasks import render_notice_task

pytestmark = pytest.mark.django_db


def in_review(companies: int = 3) -> Campaign:
    campaign = make_campaign(companies=companies)
    campaign_generate(campaign=campaign, by=campaign.created_by)
    for notice in Notice.objects.filter(campaign=campaign):
        render_notice_task(notice.pk)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.IN_REVIEW
    return campaign


def snapshot(campaign: Campaign):
    campaign.refresh_from_db()
    return (
        campaign.status,
        list(Notice.objects.order_by("pk").values_list("pk", "status", "problem")),
        AuditEvent.objects.exclude(verb__startswith="account.").count(),
    )


def test_sending_with_nothing_approved_is_refused_and_changes_nothing():
    campaign = in_review()
    before = snapshot(campaign)

    with pytest.raises(ServiceError, match="Nothing was sent: no approved letter"):
        campaign_send(campaign=campaign, by=campaign.created_by)

    assert snapshot(campaign) == before
    assert campaign.status == Campaign.Status.IN_REVIEW


def test_the_send_page_refuses_with_a_message_when_nothing_is_approved(client):
    campaign = in_review()
    client.force_login(campaign.created_by)
    before = snapshot(campaign)

    response = client.post(
        reverse("campaign_send", args=[campaign.pk]), {"confirmed": "yes"}, follow=True
    )

    assert "Nothing was sent: no approved letter is ready to go" in response.content.decode()
    assert snapshot(campaign) == before


def test_the_send_confirmation_states_the_count_by_channel_and_is_disabled_with_nothing(client):
    campaign = in_review(companies=3)
    client.force_login(campaign.created_by)
    empty = client.get(reverse("campaign_send_confirm", args=[campaign.pk])).content.decode()
    campaign_approve(campaign=campaign, by=UserFactory(role="Legal"))
    Notice.objects.filter(pk=campaign.notices.first().pk).update(channels=["email", "post"])

    page = client.get(reverse("campaign_send_confirm", args=[campaign.pk])).content.decode()

    assert "Nothing to send" in empty
    assert "disabled" in empty
    assert 'name="confirmed"' not in empty
    assert "This sends <strong>3 approved letters</strong>" in page
    assert "<li>3 by e-mail</li>" in page
    assert "<li>1 by post</li>" in page


def test_posting_send_without_the_confirmation_leads_to_it_and_sends_nothing(client):
    campaign = in_review()
    campaign_approve(campaign=campaign, by=UserFactory(role="Legal"))
    client.force_login(campaign.created_by)
    before = snapshot(campaign)

    response = client.post(reverse("campaign_send", args=[campaign.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("campaign_send_confirm", args=[campaign.pk])
    assert snapshot(campaign) == before


def test_approve_all_goes_through_a_page_that_states_the_count(client):
    campaign = in_review(companies=3)
    reviewer = UserFactory(role="Legal")
    client.force_login(reviewer)

    unconfirmed = client.post(reverse("campaign_approve", args=[campaign.pk]))
    page = client.get(unconfirmed["Location"]).content.decode()
    assert not Notice.objects.filter(campaign=campaign, status="approved").exists()
    client.post(reverse("campaign_approve", args=[campaign.pk]), {"confirmed": "yes"})

    assert unconfirmed["Location"] == reverse("campaign_approve_confirm", args=[campaign.pk])
    assert "This approves <strong>3 letters</strong>" in page
    assert Notice.objects.filter(campaign=campaign, status="approved").count() == 3


def test_a_letter_sent_back_returns_to_draft_with_the_comment_kept():
    campaign = in_review()
    notice = campaign.notices.order_by("pk").first()

    with pytest.raises(ServiceError, match="comment"):
        notice_send_back(notice=notice, by=UserFactory(role="Legal"), comment="  ")
    back = notice_send_back(
        notice=notice, by=UserFactory(role="Legal"), comment="Wrong trading name"
    )

    assert back.status == "draft"
    assert back.problem == "Sent back: Wrong trading name"
    event = AuditEvent.objects.filter(verb="notice.reject", target_id=str(notice.pk)).get()
    assert event.data["comment"] == "Wrong trading name"


def test_approving_one_first_letter_waits_for_send_and_the_author_cannot():
    campaign = in_review(companies=2)
    first, second = campaign.notices.order_by("pk")

    with pytest.raises(ServiceError, match="author"):
        notice_approve_one(notice=first, by=campaign.created_by)
    approved = notice_approve_one(notice=first, by=UserFactory(role="Legal"))
    notice_approve_one(notice=second, by=UserFactory(role="Legal"))

    assert approved.status == "approved"
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.APPROVED  # the last letter reviewed


def test_the_review_page_shows_the_letter_inline_with_its_facts_and_actions(client):
    campaign = in_review(companies=2)
    first, second = campaign.notices.order_by("reference")
    client.force_login(UserFactory(role="Legal"))

    page = client.get(reverse("campaign_review", args=[campaign.pk])).content.decode()
    pdf = client.get(reverse("notice_pdf_view", args=[first.pk]))

    image = client.get(reverse("notice_page_image", args=[first.pk, 1]))
    beyond = client.get(reverse("notice_page_image", args=[first.pk, first.pdf_pages + 1]))

    assert reverse("notice_page_image", args=[first.pk, 1]) in page
    assert reverse("notice_pdf_view", args=[first.pk]) in page
    assert image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert beyond.status_code == 404
    assert f"?letter={second.pk}" in page
    assert reverse("notice_approve", args=[first.pk]) in page
    assert 'name="comment"' in page
    assert pdf["Content-Disposition"].startswith("inline")
    assert pdf["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in pdf["Content-Security-Policy"]
    assert pdf.content.startswith(b"%PDF")


def test_approving_from_the_review_page_moves_to_the_next_letter(client):
    campaign = in_review(companies=2)
    first, second = campaign.notices.order_by("reference")
    client.force_login(UserFactory(role="Legal"))

    response = client.post(
        reverse("notice_approve", args=[first.pk]), {"back": "review", "next": str(second.pk)}
    )

    assert response["Location"] == reverse("campaign_review", args=[campaign.pk]) + (
        f"?letter={second.pk}"
    )
    first.refresh_from_db()
    assert first.status == "approved"


def test_sending_ends_sent_when_every_letter_left_and_partly_sent_with_reasons_otherwise():
    campaign = in_review(companies=3)
    campaign_approve(campaign=campaign, by=UserFactory(role="Legal"))
    campaign_send(campaign=campaign, by=campaign.created_by)
    a, b, c = campaign.notices.order_by("pk")
    Notice.objects.filter(pk=a.pk).update(status="sent")
    Notice.objects.filter(pk=b.pk).update(status="sending")

    assert campaign_sending_check(campaign_id=campaign.pk) == "sending"
    Notice.objects.filter(pk__in=[b.pk, c.pk]).update(status="sent")
    assert campaign_sending_check(campaign_id=campaign.pk) == "sent"
    assert campaign_sending_check(campaign_id=campaign.pk) == "sent"  # a re-run changes nothing

    assert AuditEvent.objects.filter(verb="campaign.sent").count() == 1


def test_a_failed_letter_leaves_the_campaign_partly_sent_with_its_reason():
    campaign = in_review(companies=2)
    campaign_approve(campaign=campaign, by=UserFactory(role="Legal"))
    campaign_send(campaign=campaign, by=campaign.created_by)
    a, b = campaign.notices.order_by("pk")
    Notice.objects.filter(pk=a.pk).update(status="sent")
    Notice.objects.filter(pk=b.pk).update(status="failed", problem="550 no such user")

    status = campaign_sending_check(campaign_id=campaign.pk)

    assert status == "partly_sent"
    event = AuditEvent.objects.get(verb="campaign.partly_sent")
    assert event.data["reasons"] == [f"{b.reference}: failed (550 no such user)"]


def test_a_delivery_outcome_moves_the_campaign_to_sent_after_it_commits(
    smtp_server, django_capture_on_commit_callbacks
):
    from warnings_app.services.delivery.send import notice_deliver

    campaign = in_review(companies=2)
    campaign_approve(campaign=campaign, by=UserFactory(role="Legal"))
    campaign_send(campaign=campaign, by=campaign.created_by)

    for notice in campaign.notices.order_by("pk"):
        with django_capture_on_commit_callbacks(execute=True):
            notice_deliver(notice_id=notice.pk, worker="w1")

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_a_campaign_that_sent_may_send_letters_approved_later():
    campaign = in_review(companies=2)
    a, b = campaign.notices.order_by("pk")
    notice_send_back(notice=b, by=UserFactory(role="Legal"), comment="Check the address")
    campaign_approve(campaign=campaign, by=UserFactory(role="Legal"))
    campaign_send(campaign=campaign, by=campaign.created_by)
    Notice.objects.filter(pk=a.pk).update(status="sent")
    campaign_sending_check(campaign_id=campaign.pk)
    render_notice_task(b.pk)  # the author fixed the data and rendered it again
    Notice.objects.filter(pk=b.pk).update(status="rendered", problem="")

    notice_approve_one(notice=Notice.objects.get(pk=b.pk), by=UserFactory(role="Legal"))
    result = campaign_send(campaign=campaign, by=campaign.created_by)

    assert result["queued"] == 1
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING


def test_a_letter_sent_back_is_counted_apart_from_failed_renders(client):
    campaign = in_review(companies=2)
    notice_send_back(
        notice=campaign.notices.first(), by=UserFactory(role="Legal"), comment="Wrong name"
    )
    client.force_login(campaign.created_by)

    progress = client.get(reverse("campaign_progress", args=[campaign.pk])).json()

    assert progress["sent_back"] == 1
    assert progress["failed"] == 0
    assert progress["remaining"] == 0
    assert progress["sending"]["awaiting_approval"] == 1


def test_a_sent_campaign_can_still_be_paused_to_stop_its_ladder():
    from warnings_app.services.campaigns import campaign_pause, campaign_resume

    campaign = in_review(companies=1)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SENT)
    campaign.refresh_from_db()

    paused = campaign_pause(campaign=campaign, by=campaign.created_by, reason="settled").status
    resumed = campaign_resume(campaign=campaign, by=campaign.created_by).status

    assert paused == Campaign.Status.PAUSED
    assert resumed == Campaign.Status.SENT
