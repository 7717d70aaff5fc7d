"""A campaign whose dashboard figures are known in advance: each case says what it must count as."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from tests.campaign_helpers import make_campaign
from tests.factories import CompanyFactory, UserFactory, make_notice
from warnings_app.models import DeliveryAttempt, FollowUp, Notice, Response
from warnings_app.reports.dashboard.figures import week_bounds

SENT = date(2026, 10, 5)  # a Monday; in the US, Columbus Day (12 Oct) is not a business day


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


# Each case: the letter's facts, and what it must count as. The expected figures are sums of
# the right-hand columns, worked out by reading the case, not by running the code under test.
CASES = [
    # key, segment, country, status, attempts, reply (business days, late?), due offset
    dict(key="on_time", seg="generative_music", cc="GB", status="resolved", attempts=["accepted"],
         reply_on=date(2026, 10, 8), outcome="complied", due=date(2026, 10, 26),
         delivered=1, bounced=0, replied=1, late=0, overdue=0, resolved=1, days=3),
    dict(key="bounced_then_delivered", seg="generative_music", cc="GB", status="delivered",
         attempts=["bounced", "accepted"], due=date(2026, 10, 26),
         delivered=1, bounced=0, replied=0, late=0, overdue=1, resolved=0),
    dict(key="bounced", seg="foundation_model", cc="US", status="bounced", attempts=["bounced"],
         due=date(2026, 10, 26), delivered=0, bounced=1, replied=0, late=0, overdue=1, resolved=0),
    dict(key="replied_late", seg="foundation_model", cc="US", status="responded",
         attempts=["accepted"], reply_on=date(2026, 10, 30), outcome="disputes",
         due=date(2026, 10, 26), delivered=1, bounced=0, replied=1, late=1, overdue=0,
         resolved=0, days=18),  # 19 weekdays after 5 Oct, less Columbus Day
    dict(key="not_yet_due", seg="foundation_model", cc="US", status="delivered",
         attempts=["accepted"], due="future", delivered=1, bounced=0, replied=0, late=0,
         overdue=0, resolved=0),
    dict(key="reply_to_reminder", seg="generative_music", cc="GB", status="responded",
         attempts=["accepted"], reminder_reply_on=date(2026, 10, 20), outcome="unclassified",
         due=date(2026, 10, 26), delivered=1, bounced=0, replied=1, late=0, overdue=0,
         resolved=0, days=11),
    dict(key="domain_guess_only", seg="generative_music", cc="GB", status="delivered",
         attempts=["accepted"], guess_on=date(2026, 10, 9), due=date(2026, 10, 26),
         delivered=1, bounced=0, replied=0, late=0, overdue=1, resolved=0),
]  # fmt: skip


def known_letters():
    campaign = make_campaign(companies=0, tag="known")
    step = campaign.steps.get()
    approver = UserFactory(role="Legal")
    notices = {}
    for case in CASES:
        company = CompanyFactory(segment=case["seg"], country=case["cc"])
        notice = make_notice(company=company, campaign=campaign)
        due = timezone.localdate() + timedelta(days=30) if case["due"] == "future" else case["due"]
        Notice.objects.filter(pk=notice.pk).update(
            status=case["status"], sent_at=_at(SENT), due_date=due, approved_by=approver
        )
        for i, outcome in enumerate(case["attempts"]):
            DeliveryAttempt.objects.create(
                notice=notice,
                channel="email",
                outcome=outcome,
                idempotency_key=f"{notice.pk}-{i}",
                started_at=_at(SENT, 10 + i),
            )
        if "reply_on" in case:
            _reply(notice, case["reply_on"], case["outcome"])
        if "reminder_reply_on" in case:
            reminder = make_notice(company=company, campaign=campaign, ladder_step=step)
            Notice.objects.filter(pk=reminder.pk).update(
                follows=notice, status="responded", sent_at=_at(date(2026, 10, 19)),
                approved_by=approver,
            )  # fmt: skip
            _reply(reminder, case["reminder_reply_on"], case["outcome"])
        if "guess_on" in case:
            _reply(notice, case["guess_on"], "unclassified", matched_by="domain")
        notices[case["key"]] = notice
    # Not sent: counts nowhere.
    make_notice(company=CompanyFactory(segment="generative_music", country="GB"), campaign=campaign)
    start, _ = week_bounds(timezone.localdate())
    FollowUp.objects.create(notice=notices["not_yet_due"], step=step, due_at=start + timedelta(1))
    FollowUp.objects.create(
        notice=notices["bounced"], step=step, due_at=start + timedelta(days=9)
    )  # next week
    return campaign, notices


def _reply(notice, day, outcome, matched_by="reply_address"):
    Response.objects.create(
        notice=notice,
        company=notice.company,
        channel="email",
        kind="reply",
        matched_by=matched_by,
        received_at=_at(day, 15),
        outcome=outcome,
    )
