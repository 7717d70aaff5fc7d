"""Shared set-up for the campaign outcome page tests: a sent campaign with its ladder, replies
and reminders, the page and its bulk-action form, and a snapshot of what an action could change."""

import re
from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from tests.campaign_helpers import make_campaign
from tests.factories import UserFactory, make_notice
from warnings_app.models import AuditEvent, Campaign, FollowUp, Notice, Response
from warnings_app.services.campaigns import campaign_generate
from warnings_app.services.classification import response_classify
from warnings_app.services.followups import followups_schedule


def sent_campaign(*, companies: int = 3, tag: str = "wave-1", sent_days_ago: int = 2):
    """A campaign whose first letters went out `sent_days_ago` days ago (without SMTP: the
    delivery itself is tested elsewhere), with its ladder scheduled. Letters by reference."""
    campaign = make_campaign(companies=companies, tag=tag)
    campaign_generate(campaign=campaign, by=campaign.created_by)
    lawyer, now = UserFactory(role="Legal"), timezone.now()
    sent = now - timedelta(days=sent_days_ago)
    Campaign.objects.filter(pk=campaign.pk).update(
        status=Campaign.Status.SENDING, approved_by=lawyer, approved_at=sent
    )
    Notice.objects.filter(campaign=campaign).update(
        status="sent",
        approved_by=lawyer,
        approved_at=sent,
        sent_at=sent,
        status_changed_at=sent,
        due_date=timezone.localdate() + timedelta(days=10),
    )
    notices = list(Notice.objects.filter(campaign=campaign).order_by("reference"))
    for notice in notices:
        followups_schedule(notice=notice)
    campaign.refresh_from_db()
    return campaign, notices


def add_reply(notice, *, outcome=None, demands=None, days_ago=1, matched_by="manual"):
    reply = Response.objects.create(
        notice=notice,
        company=notice.company,
        channel="email",
        matched_by=matched_by,
        received_at=timezone.now() - timedelta(days=days_ago),
    )
    if outcome:
        response_classify(
            response=reply, by=UserFactory(role="Paralegal"), outcome=outcome, demands=demands
        )
    return reply


def reminder_of(first):
    step = first.campaign.steps.get()
    return make_notice(
        company=first.company,
        template_version=step.template_version,
        campaign=first.campaign,
        ladder_step=step,
        follows=first,
    )


def outcomes_page(client, campaign, **params):
    return client.get(reverse("campaign_outcomes", args=[campaign.pk]), params)


def row_references(response) -> list[str]:
    return re.findall(r'<tr data-reference="([^"]+)"', response.content.decode())


def row_html(response, reference: str) -> str:
    body = response.content.decode()
    start = body.index(f'<tr data-reference="{reference}"')
    return body[start : body.index("</tr>", start)]


def bulk_act(client, campaign, action, notices, **data):
    return client.post(
        reverse("campaign_outcomes_act", args=[campaign.pk]),
        {"action": action, "ids": [n.pk for n in notices], "confirmed": "yes", **data},
        follow=True,
    )


def state_of(notices):
    """What a bulk action could change, to prove a refused one changed nothing."""
    ids = [n.pk for n in notices]
    return (
        list(Notice.objects.order_by("pk").values_list("pk", "status", "on_hold")),
        list(FollowUp.objects.filter(notice__in=ids).values_list("pk", "status", "due_at")),
        # Not the account.* events of a user the test makes while acting: the action's own.
        AuditEvent.objects.exclude(verb__startswith="account.").count(),
    )


def group_with(*codenames):
    group = Group.objects.create(name="-".join(codenames))
    group.permissions.set(
        Permission.objects.filter(codename__in=codenames, content_type__app_label="warnings_app")
    )
    return group
