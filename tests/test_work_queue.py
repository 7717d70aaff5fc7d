from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory, make_notice
from warnings_app.models import AuditEvent, Notice, Response
from warnings_app.selectors.work_queue import section_counts

pytestmark = pytest.mark.django_db


def _reply(**fields):
    return Response.objects.create(
        channel="email", received_at=timezone.now() - timedelta(days=1), **fields
    )


def _notice(status, **fields):
    notice = make_notice()
    Notice.objects.filter(pk=notice.pk).update(
        status=status,
        approved_by=UserFactory(role="Legal"),
        approved_at=timezone.now(),
        sent_at=timezone.now() if status != "failed" else None,
        **fields,
    )
    return Notice.objects.get(pk=notice.pk)


@pytest.fixture
def queue():
    today = timezone.localdate()
    matched = _notice("sent", due_date=today + timedelta(days=5))
    return {
        "triage": _reply(subject="Who is this?"),
        "snoozed": _reply(subject="Later", snoozed_until=today + timedelta(days=3)),
        "unclassified": _reply(notice=matched, company=matched.company, subject="Our answer"),
        "bounce": _reply(kind="bounce", subject="Undeliverable"),
        "bounced": _notice("bounced"),
        "failed": _notice("failed", problem="550 mailbox unavailable"),
        "reconciliation": _notice("needs_reconciliation"),
        "overdue": _notice("sent", due_date=today - timedelta(days=1)),
        "matched": matched,
    }


def test_each_section_counts_what_needs_a_person_and_a_snooze_ends_on_its_day(queue):
    counts = section_counts()
    later = section_counts(today=timezone.localdate() + timedelta(days=3))

    counts.pop("due_week")  # depends on the weekday: tests/test_queue_filters.py checks it
    assert counts == {
        "triage": 1,
        "unclassified": 1,
        "bounced": 1,
        "failed": 1,
        "reconciliation": 1,
        "to_approve": 0,
        "approval": 0,
        "overdue": 1,
    }
    assert later["triage"] == 2  # the snoozed reply is back


def test_the_queue_page_lists_a_section_oldest_first_in_few_queries(
    client, queue, django_assert_max_num_queries
):
    client.force_login(UserFactory(role="Paralegal"))
    for _ in range(20):
        _reply(subject="More mail")

    with django_assert_max_num_queries(16):
        page = client.get(reverse("work_queue"), {"section": "triage"})

    body = page.content.decode()
    assert body.index("Who is this?") < body.index("More mail")
    assert "Later" not in body
    assert "Undeliverable" not in body
    assert 'data-count="triage">21<' in body
    failed = client.get(reverse("work_queue"), {"section": "failed"}).content.decode()
    assert queue["failed"].reference in failed
    assert "550 mailbox unavailable" in failed


def test_a_bulk_classification_changes_all_or_nothing(client, queue):
    client.force_login(UserFactory(role="Paralegal"))
    first = queue["unclassified"]
    second = _reply(notice=queue["matched"], company=queue["matched"].company, subject="More")
    triage = queue["triage"]

    refused = client.post(
        reverse("work_queue_act"),
        {
            "action": "classify",
            "outcome": "acknowledged",
            "ids": [first.pk, triage.pk],
            "confirmed": "2",
        },
        follow=True,
    )
    done = client.post(
        reverse("work_queue_act"),
        {
            "action": "classify",
            "outcome": "acknowledged",
            "ids": [first.pk, second.pk],
            "confirmed": "2",
        },
        follow=True,
    )

    assert "Nothing was changed: match the reply" in refused.content.decode()
    assert "2 replies classified." in done.content.decode()
    outcomes = dict(Response.objects.values_list("pk", "outcome"))
    assert (outcomes[first.pk], outcomes[second.pk], outcomes[triage.pk]) == (
        "acknowledged",
        "acknowledged",
        "unclassified",
    )
    assert AuditEvent.objects.filter(verb="reply.classified").count() == 2


def test_bulk_match_snooze_and_assign_from_the_queue(client, queue):
    paralegal = UserFactory(role="Paralegal")
    client.force_login(paralegal)
    triage, notice = queue["triage"], queue["overdue"]

    unknown = client.post(
        reverse("work_queue_act"),
        {"action": "match", "reference": "WN-1999-000001", "ids": [triage.pk]},
        follow=True,
    )
    client.post(
        reverse("work_queue_act"),
        {"action": "match", "reference": notice.reference.lower(), "ids": [triage.pk]},
    )
    client.post(
        reverse("work_queue_act"),
        {"action": "assign", "assignee": paralegal.pk, "ids": [triage.pk]},
    )
    past = client.post(
        reverse("work_queue_act"),
        {"action": "snooze", "until": timezone.localdate().isoformat(), "ids": [triage.pk]},
        follow=True,
    )

    assert "No notice has the reference" in unknown.content.decode()
    assert "snooze until a day after today" in past.content.decode()
    triage.refresh_from_db()
    assert (triage.notice, triage.matched_by, triage.assigned_to) == (notice, "manual", paralegal)
    assert triage.snoozed_until is None
    notice.refresh_from_db()
    assert notice.status == "responded"
    assert section_counts()["overdue"] == 0


def test_the_reply_page_shows_html_only_as_sanitised(client):
    reply = _reply(
        subject="Hi",
        body_html='<p>Hello<script>alert(1)</script><img src="https://t.example/p.gif"></p>',
    )
    client.force_login(UserFactory(role="Manager"))

    body = client.get(reverse("reply_detail", args=[reply.pk])).content.decode()

    assert "<p>Hello</p>" in body
    assert "alert(1)" not in body
    assert "t.example" not in body
    assert "Save classification" not in body  # a manager reads, does not classify
