import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from tests.page_helpers import figure_shown, page_as
from warnings_app.models import (
    AuditEvent,
    Campaign,
    Company,
    DeliveryAttempt,
    FollowUp,
    LetterTemplate,
    Notice,
    Principal,
    Response,
    Work,
)
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.reports.dashboard.figures import week_bounds
from warnings_app.selectors.merge_data import letter_contact
from warnings_app.services.rendering import stored_pdf_bytes
from warnings_demo import demo_data
from warnings_demo.demo_story import SENT_BUSINESS_DAYS_AGO, Timeline

pytestmark = pytest.mark.django_db


def _dump() -> str:
    """Every table of every app. Nothing is left out: content types and permissions are made
    by the migrations and sessions by requests, none of which happen between the two runs."""
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


def _seed(settings, **options) -> str:
    settings.DEBUG = True
    output = io.StringIO()
    call_command("seed_demo", stdout=output, **options)
    return output.getvalue()


def test_seed_demo_fills_the_register_and_a_second_run_changes_nothing(settings):
    _seed(settings)
    first = _dump()

    second_output = _seed(settings)

    assert _dump() == first
    assert "nothing changed" in second_output
    assert Company.objects.count() >= 700
    assert Company.objects.values("segment").distinct().count() >= 5
    assert Company.objects.values("country").distinct().count() >= 10
    assert Company.objects.filter(contacts__role="legal_notices").distinct().count() == (
        Company.objects.count()
    )
    assert Principal.objects.count() == 2
    assert Work.objects.count() == 50
    assert set(LetterTemplate.objects.values_list("kind", flat=True)) == {
        "initial_notice",
        "reminder",
        "final_notice",
    }
    assert Campaign.objects.get().name == demo_data.STORY_CAMPAIGN
    assert AuditEvent.objects.filter(verb="demo.seeded").count() == 1


def test_the_demo_campaign_fills_the_dashboard_the_work_queue_and_the_outcomepage_as(
    client, settings
):
    output = _seed(settings, companies=120)

    campaign = Campaign.objects.get()
    assert f"{demo_data.STORY_CAMPAIGN}”: 40 letters sent" in output
    dashboard = page_as(client, "manager", reverse("dashboard"))
    tiles = {
        key: figure_shown(dashboard, "tile", key)
        for key in ("issued", "delivered", "bounced", "replied", "overdue", "steps_due")
    }
    week = week_bounds(timezone.localdate())
    due_this_week = FollowUp.objects.filter(
        status=FollowUp.Status.SCHEDULED, due_at__gte=week[0], due_at__lt=week[1]
    ).count()
    assert tiles == {
        "issued": "40",
        "delivered": "39",
        "bounced": "1",
        "replied": "8",
        "overdue": "32",
        "steps_due": str(due_this_week),
    }
    queue = page_as(client, "paralegal", reverse("work_queue"))
    counts = {
        key: int(figure_shown(queue, "count", key))
        for key in ("triage", "unclassified", "bounced", "failed", "overdue")
    }
    # One rule for overdue (domain/matters.py): the queue counts what the dashboard's tile does,
    # the bounced letter included.
    assert counts == {"triage": 1, "unclassified": 3, "bounced": 1, "failed": 0, "overdue": 32}
    outcomes = page_as(client, "legal", reverse("campaign_outcomes", args=[campaign.pk]))
    assert "40 letters" in outcomes
    shown = re.findall(r'data-outcome="([a-z_]+)"', outcomes)
    assert {o: shown.count(o) for o in set(shown)} == {
        "none": 32,
        "unclassified": 3,
        "acknowledged": 1,
        "complied": 1,
        "claims_licence": 1,
        "disputes": 1,
        "requests_talks": 1,
    }
    assert outcomes.count('class="badge badge-stop">overdue<') == 32


def test_a_demo_letter_was_rendered_approved_by_a_second_lawyer_sent_and_delivered(
    client, settings
):
    _seed(settings, companies=120)

    letters = Notice.objects.filter(campaign__isnull=False).select_related("company")
    quiet = letters.filter(status=NoticeStatus.SENT).order_by("reference").first()
    page = page_as(client, "legal", reverse("notice_detail", args=[quiet.pk]))
    timeline = page[page.index('data-testid="timeline"') :]
    assert "Letter approved (Rendered → Approved) by Leo Lindqvist" in timeline
    assert "Letter sent (Sending → Sent) by the system" in timeline
    assert f"E-mail to {quiet.merge_data['recipient']['email']}, accepted: 250 2.0.0 Ok" in timeline
    text = PdfReader(io.BytesIO(stored_pdf_bytes(quiet))).pages[0].extract_text()
    assert quiet.company.legal_name in " ".join(text.split())
    assert {(n.created_by.username, n.approved_by.username) for n in letters} == {
        ("legal", "legal2")
    }
    verbs = list(
        AuditEvent.objects.filter(target_type="warnings_app.notice", target_id=str(quiet.pk))
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "notice.created",
        "notice.render",
        "notice.approve",
        "notice.queue",
        "notice.claim",
        "notice.mark_sent",
    ]
    attempts = DeliveryAttempt.objects.filter(notice__in=letters)
    assert attempts.count() == 40
    assert attempts.filter(outcome="accepted", server_reply__startswith="250 ").count() == 39
    bounced = attempts.get(outcome="bounced")
    assert "550 5.1.1" in bounced.server_reply
    assert bounced.notice.status == NoticeStatus.BOUNCED


def test_the_story_is_dated_weeks_ago_in_order_and_its_audit_chain_verifies(settings):
    _seed(settings, companies=120)

    timeline = Timeline.ending(timezone.localdate())
    sent = Notice.objects.filter(campaign__isnull=False).values_list("sent_at", flat=True)
    assert {timezone.localdate(at) for at in sent} == {timeline.sent_day}
    assert (timezone.localdate() - timeline.sent_day).days >= SENT_BUSINESS_DAYS_AGO
    answers = Response.objects.filter(kind=Response.Kind.REPLY)
    assert answers.filter(notice__isnull=True).count() == 1  # in triage
    # A law firm wrote for one company and became its counsel of record: its letters go there.
    counsel_reply = answers.get(sender__contains="Marlowe & Finch LLP")
    assert counsel_reply.outcome == Response.Outcome.UNCLASSIFIED
    assert letter_contact(counsel_reply.company).organisation == "Marlowe & Finch LLP"
    assert Notice.objects.filter(addressed_to_counsel=True).count() == 2
    assert max(answers.values_list("received_at", flat=True)) < timezone.now()
    # Every unanswered letter's deadline has passed and its reminder falls due by next week.
    unanswered = Notice.objects.filter(status=NoticeStatus.SENT)
    assert all(n.due_date < timezone.localdate() for n in unanswered)
    reminders = FollowUp.objects.filter(
        notice__in=unanswered, step__name="Reminder", status=FollowUp.Status.SCHEDULED
    )
    assert reminders.count() == unanswered.count()
    assert max(reminders.values_list("due_at", flat=True)) < timezone.now() + timedelta(days=14)
    times = list(AuditEvent.objects.order_by("pk").values_list("created_at", flat=True))
    assert times == sorted(times)  # the chain's order is the order things happened in
    call_command("verify_integrity", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_seeding_sends_nothing_to_a_broker(settings, monkeypatch):
    """The first `make run` seeds before it has chosen a broker: the render and send tasks the
    story's services publish at commit run in this process (finding nothing left to do)."""
    from celery import current_app

    def refuse(name, *args, **kwargs):
        raise AssertionError(f"{name} was published to the broker")

    monkeypatch.setattr(current_app, "send_task", refuse)

    _seed(settings, companies=120)

    assert Notice.objects.filter(status=NoticeStatus.SENT).count() == 31
    assert not Notice.objects.filter(status__in=[NoticeStatus.QUEUED, NoticeStatus.DRAFT])


def test_without_a_working_renderer_the_register_is_seeded_and_the_story_waits(
    settings, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr("warnings_app.services.rendering.render_letter_pdf", broken)

    _seed(settings, companies=120)

    assert Company.objects.count() == 120
    assert not Campaign.objects.exists()
    assert not Notice.objects.exists()
    assert "no demo campaign" in caplog.text
    monkeypatch.undo()
    _seed(settings, companies=120)
    assert Notice.objects.filter(campaign__isnull=False).count() == 40


def test_demo_companies_are_fictional(settings):
    _seed(settings, companies=120)

    domains = Company.objects.values_list("domain", flat=True)
    assert all(d.endswith(".example") for d in domains)
    recipients = DeliveryAttempt.objects.values_list("recipient", flat=True)
    assert len(recipients) == 40
    assert all(r.endswith(".example") for r in recipients)
    senders = Response.objects.exclude(sender="").values_list("sender", flat=True)
    assert all(s.endswith(".example>") for s in senders if "<" in s)


def test_a_small_register_gets_no_story(settings):
    _seed(settings, companies=50)

    assert not Campaign.objects.exists()
    assert not AuditEvent.objects.filter(created_at__lt=timezone.now() - timedelta(days=1))


def test_demo_users_can_log_in_with_the_printed_passwords(client, settings):
    output = _seed(settings, companies=5)

    for line in output.splitlines()[2:]:
        username, password, role = line.split()
        # django-axes needs the request to know the address the attempt came from.
        request = HttpRequest()
        request.META["REMOTE_ADDR"] = "127.0.0.1"
        assert client.login(request=request, username=username, password=password), username
        assert client.get("/").context["roles"] == [role]
        client.logout()


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="known passwords"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Company.objects.exists()
