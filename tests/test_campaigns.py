from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.campaign_helpers import company_with_contact, make_campaign, sent_campaign
from tests.factories import LicenceFactory, UserFactory, make_notice
from warnings_app.models import AuditEvent, Campaign, FollowUp, Notice, Response, Tag
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.selectors.campaigns import campaign_progress
from warnings_app.services import ServiceError
from warnings_app.services.campaigns import (
    campaign_approve,
    campaign_generate,
    campaign_pause,
    campaign_resume,
    campaign_send,
)
from warnings_app.services.delivery.send import notice_deliver
from warnings_app.services.followups import followups_process
from warnings_app.tasks import render_notice_task

pytestmark = pytest.mark.django_db


def _render_all(campaign):
    for notice in Notice.objects.filter(campaign=campaign, status=NoticeStatus.DRAFT):
        render_notice_task(notice.pk)


def _deliver_all(campaign, **filters):
    for notice in Notice.objects.filter(campaign=campaign, status=NoticeStatus.QUEUED, **filters):
        notice_deliver(notice_id=notice.pk, worker="w1")


def test_generation_skips_licensed_and_held_companies_and_reports_progress():
    campaign = make_campaign(companies=4)
    wave = Tag.objects.get(name="wave-1")
    LicenceFactory(company=company_with_contact()).company.tags.add(wave)
    company_with_contact(hold_automation=True, hold_reason="talks").tags.add(wave)

    campaign_generate(campaign=campaign, by=campaign.created_by)
    before = campaign_progress(campaign.pk)
    _render_all(campaign)
    after = campaign_progress(campaign.pk)

    campaign.refresh_from_db()
    assert before == {
        "total": 4,
        "done": 0,
        "failed": 0,
        "sent_back": 0,
        "remaining": 4,
        "by_status": {"draft": 4},
    }
    assert after["done"] == 4
    assert after["remaining"] == 0
    assert campaign.status == Campaign.Status.IN_REVIEW
    event = AuditEvent.objects.get(verb="campaign.generating")
    assert sorted(reason for _pk, reason in event.data["excluded"]) == [
        "licensed: no warning letter",
        "on hold: talks",
    ]


def test_generation_gives_each_letter_the_next_reference_its_links_and_its_audit_event():
    campaign = make_campaign(companies=5)
    earlier = make_notice(principals=list(campaign.principals.all()))

    campaign_generate(campaign=campaign, by=campaign.created_by)

    notices = list(Notice.objects.filter(campaign=campaign).order_by("pk"))
    numbers = [int(n.reference.rsplit("-", 1)[1]) for n in notices]
    first = int(earlier.reference.rsplit("-", 1)[1]) + 1
    assert numbers == list(range(first, first + 5))
    for notice in notices:
        assert notice.created_by == campaign.created_by
        assert set(notice.principals.all()) == set(campaign.principals.all())
        assert set(notice.works.all()) == set(campaign.works.all())
    created = AuditEvent.objects.filter(
        verb="notice.created", target_id__in=[str(n.pk) for n in notices]
    )
    assert sorted(created.values_list("target_repr", flat=True)) == [n.reference for n in notices]
    assert {e.actor_id for e in created} == {campaign.created_by_id}


def test_a_generation_that_fails_half_way_leaves_no_letter_and_no_used_number():
    campaign = make_campaign(companies=3)

    def generate_then_fail():
        with transaction.atomic():
            campaign_generate(campaign=campaign, by=campaign.created_by)
            raise RuntimeError("the request failed after generating")

    with pytest.raises(RuntimeError):
        generate_then_fail()

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT
    assert not Notice.objects.filter(campaign=campaign).exists()
    assert make_notice(principals=list(campaign.principals.all())).reference.endswith("-000001")


def test_the_author_cannot_approve_and_a_second_lawyer_can():
    campaign = make_campaign(companies=2)
    campaign_generate(campaign=campaign, by=campaign.created_by)
    _render_all(campaign)

    with pytest.raises(ServiceError, match="author"):
        campaign_approve(campaign=campaign, by=campaign.created_by)
    result = campaign_approve(campaign=campaign, by=UserFactory(role="Legal"))

    campaign.refresh_from_db()
    assert result == {"approved": 2, "refused": []}
    assert campaign.status == Campaign.Status.APPROVED


def test_a_sent_campaign_delivers_each_letter_once_and_schedules_the_ladder(smtp_server):
    campaign = sent_campaign(companies=3)

    notices = Notice.objects.filter(campaign=campaign, ladder_step__isnull=True)
    assert set(notices.values_list("status", flat=True)) == {NoticeStatus.SENT}
    assert len(smtp_server.handler.received) == 3
    assert len(set(smtp_server.handler.message_ids())) == 3
    assert FollowUp.objects.filter(notice__campaign=campaign).count() == 3


def test_a_reminder_goes_out_once_on_its_day_and_not_after_a_reply(smtp_server):
    campaign = sent_campaign(companies=2)
    replied, silent = Notice.objects.filter(campaign=campaign).order_by("pk")
    Response.objects.create(
        notice=replied, company=replied.company, channel="email", received_at=timezone.now()
    )
    due_day = FollowUp.objects.get(notice=silent).due_at

    early = followups_process(now=due_day - timedelta(hours=1))
    on_the_day = followups_process(now=due_day + timedelta(minutes=1))
    again = followups_process(now=due_day + timedelta(days=3))
    _render_all(campaign)
    _deliver_all(campaign, ladder_step__isnull=False)

    assert early == {"letters": 0, "handoffs": 0, "stopped": 0}
    assert on_the_day == {"letters": 1, "handoffs": 0, "stopped": 1}
    assert again == {"letters": 0, "handoffs": 0, "stopped": 0}
    reminder = Notice.objects.get(follows=silent)
    assert reminder.status == NoticeStatus.SENT
    assert not Notice.objects.filter(follows=replied).exists()
    assert FollowUp.objects.get(notice=replied).cancelled_reason == "a reply was logged"
    assert len(smtp_server.handler.received) == 3


def test_a_paused_campaign_sends_nothing_until_resumed(smtp_server):
    campaign = make_campaign(companies=2)
    campaign_generate(campaign=campaign, by=campaign.created_by)
    _render_all(campaign)
    campaign_approve(campaign=campaign, by=UserFactory(role="Legal"))
    campaign_send(campaign=campaign, by=campaign.created_by)
    campaign.refresh_from_db()

    campaign_pause(campaign=campaign, by=campaign.created_by, reason="client instruction")
    _deliver_all(campaign)
    held = len(smtp_server.handler.received)
    campaign_resume(campaign=campaign, by=campaign.created_by)
    _deliver_all(campaign)

    campaign.refresh_from_db()
    assert held == 0
    assert campaign.status == Campaign.Status.SENDING
    assert len(smtp_server.handler.received) == 2


def test_a_reply_to_any_letter_of_the_company_stops_the_ladder(smtp_server):
    campaign = sent_campaign(companies=1)
    first = Notice.objects.get(campaign=campaign)
    other = Notice.objects.create(
        reference="WN-OTHER-1", company=first.company, template_version=first.template_version
    )
    Response.objects.create(
        notice=other, company=first.company, channel="letter", received_at=timezone.now()
    )

    result = followups_process(now=FollowUp.objects.get().due_at + timedelta(minutes=1))

    assert result["stopped"] == 1
    assert FollowUp.objects.get().cancelled_reason == "a reply was logged"


def test_a_step_that_cannot_make_its_letter_is_stopped_without_holding_up_others(smtp_server):
    campaign = sent_campaign(companies=2)
    step = campaign.steps.get()
    from warnings_app.models import TemplateVersion

    TemplateVersion.objects.filter(pk=step.template_version_id).update(status="retired")
    due = FollowUp.objects.order_by("due_at").last().due_at + timedelta(minutes=1)

    result = followups_process(now=due)

    assert result == {"letters": 0, "handoffs": 0, "stopped": 2}
    reasons = set(FollowUp.objects.values_list("cancelled_reason", flat=True))
    assert all(r.startswith("could not make the letter") for r in reasons)
