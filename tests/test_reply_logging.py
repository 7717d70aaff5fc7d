"""Replies logged by hand, and counsel of record taking over a company's correspondence."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.campaign_helpers import sent_notices
from tests.factories import ContactFactory, UserFactory
from warnings_app.models import AuditEvent, Contact, FollowUp, Notice, Response
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services.delivery.send import notice_deliver
from warnings_app.services.followups import followups_process
from warnings_app.tasks import render_notice_task

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {
        "channel": "phone",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "sender": "Dana Ruiz, General Counsel",
        "subject": "Called about the letter",
        "body_text": "They will stop and want to talk about a licence.",
    }
    return {**data, **overrides}


def test_a_phone_call_with_a_scan_is_logged_from_the_notice_page(client, smtp_server):
    [notice] = sent_notices(companies=1)
    client.force_login(UserFactory(role="Paralegal"))
    scan = b"%PDF-1.4 scanned letter"

    page = client.get(reverse("notice_detail", args=[notice.pk])).content.decode()
    response = client.post(
        reverse("notice_log_reply", args=[notice.pk]),
        _form(attachments=[SimpleUploadedFile("note.pdf", scan, "application/pdf")]),
    )

    assert reverse("notice_log_reply", args=[notice.pk]) in page
    reply = Response.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("reply_detail", args=[reply.pk])
    assert (reply.notice, reply.channel, reply.matched_by) == (notice, "phone", "manual")
    [attachment] = reply.attachments.all()
    assert attachment.sha256 == hashlib.sha256(scan).hexdigest()
    assert attachment.file.read() == scan
    assert attachment.content_type == "application/pdf"
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.RESPONDED
    assert FollowUp.objects.get(notice=notice).status == FollowUp.Status.SCHEDULED  # stops at run
    assert AuditEvent.objects.filter(verb="reply.logged", target_id=str(reply.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"channel": "email"}, "Select a valid choice"),
        ({"subject": "", "body_text": ""}, "write what was said"),
        (
            {"received_at": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")},
            "in the future",
        ),
        ({"received_at": "yesterday-ish"}, "Enter a valid date/time"),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_nothing_is_saved(client, overrides, message):
    company = ContactFactory().company
    client.force_login(UserFactory(role="Paralegal"))

    response = client.post(reverse("company_log_reply", args=[company.pk]), _form(**overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Response.objects.exists()


def test_an_oversized_attachment_is_refused_and_nothing_is_saved(client, settings):
    settings.REPLY_MAX_ATTACHMENT_BYTES = 1000
    company = ContactFactory().company
    client.force_login(UserFactory(role="Legal"))

    response = client.post(
        reverse("company_log_reply", args=[company.pk]),
        _form(attachments=[SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * 2000)]),
    )

    assert response.status_code == 400
    assert "attachments may be at most" in response.content.decode()
    assert not Response.objects.exists()


def test_counsel_of_record_receives_the_next_ladder_letter_and_the_company_nothing(
    client, smtp_server
):
    [notice] = sent_notices(companies=1)
    company_address = notice.merge_data["recipient"]["email"]
    counsel = ContactFactory(
        company=notice.company,
        role=Contact.Role.COUNSEL_OF_RECORD,
        name="Avery Marlowe",
        organisation="Marlowe & Finch LLP",
        email="avery@marlowe-finch.example",
    )
    client.force_login(UserFactory(role="Paralegal"))
    warning = client.get(reverse("company_log_reply", args=[notice.company_id])).content.decode()
    before = len(smtp_server.handler.received)

    due = FollowUp.objects.get(notice=notice).due_at + timedelta(minutes=1)
    followups_process(now=due)
    reminder = Notice.objects.get(follows=notice)
    render_notice_task(reminder.pk)
    notice_deliver(notice_id=reminder.pk, worker="w")

    assert "contact the company only through counsel" in warning
    reminder.refresh_from_db()
    assert reminder.status == NoticeStatus.SENT
    assert reminder.addressed_to_counsel
    new = smtp_server.handler.received[before:]
    assert [m.recipients for m in new] == [[counsel.email]]
    assert all(company_address not in m.recipients for m in new)


def test_the_notice_page_tells_its_story_in_time_order_in_few_queries(
    client, smtp_server, django_assert_max_num_queries
):
    from warnings_app.services.classification import response_classify
    from warnings_app.services.replies import reply_log

    [notice] = sent_notices(companies=1)
    paralegal = UserFactory(role="Paralegal")
    reply = reply_log(
        by=paralegal,
        channel="letter",
        received_at=timezone.now(),
        notice=notice,
        sender="Dana Ruiz",
        subject="Our answer",
    )
    response_classify(
        response=reply, by=paralegal, outcome="disputes", demands={"deletion": ("no", "")}
    )
    client.force_login(paralegal)

    with django_assert_max_num_queries(25):
        page = client.get(reverse("notice_detail", args=[notice.pk])).content.decode()

    story = page[page.index('data-testid="timeline"') :]
    steps = [
        f"{notice.reference} drafted",
        "notice.render",
        "E-mail to ",
        "250 2.0.0",
        "Reply by letter from Dana Ruiz — Disputes (Deletion of copies: No)",
        "stopped because the reply",
    ]
    positions = [story.index(step) for step in steps]
    assert positions == sorted(positions)
