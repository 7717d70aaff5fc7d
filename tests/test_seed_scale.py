"""manage.py seed_scale: the counts scale with --notices, the rows keep every rule a real notice
keeps, each notice's audit trail replays to its status, a second run refuses and changes nothing,
and real work goes on afterwards without clashing with the seeded rows."""

import io
import itertools
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F
from django.utils import timezone

from tests.factories import PrincipalFactory, make_notice
from warnings_app.models import (
    AuditEvent,
    Campaign,
    Company,
    DeliveryAttempt,
    FigureCell,
    FollowUp,
    Notice,
    Response,
)
from warnings_app.models.lifecycle import TRANSITIONS
from warnings_demo import scale

pytestmark = pytest.mark.django_db
NOTICES = 400
OUT = ("sent", "delivered", "bounced")


def _seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_scale", notices=NOTICES, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded():
    audit_before = AuditEvent.objects.count()
    report = _seed()
    return report, audit_before


def _row_counts() -> dict[str, int]:
    counts = {
        m.__name__: m.objects.count() for m in apps.get_app_config("warnings_app").get_models()
    }
    counts["users"] = get_user_model().objects.count()
    return counts


def test_the_counts_scale_linearly_with_the_number_of_notices():
    assert scale.target_counts(100_000) == {
        "companies": 5000,
        "campaigns": 12,
        "notices": 100_000,
        "first_letters": 60_000,
        "delivery_attempts": 250_000,
        "replies": 40_000,
        "audit_events": 1_000_000,
    }
    assert scale.target_counts(100)["companies"] == 12  # never fewer than the campaigns


def test_seed_scale_makes_exactly_the_scaled_counts(seeded):
    report, audit_before = seeded

    assert Notice.objects.count() == 400
    assert Notice.objects.filter(ladder_step__isnull=True).count() == 240
    assert Company.objects.count() == 20
    assert Campaign.objects.count() == 12
    assert DeliveryAttempt.objects.count() == 1000
    assert Response.objects.count() == 160
    # The history played, plus the two lawyers' accounts (audited as every account is).
    played = AuditEvent.objects.exclude(verb__startswith="account.")
    assert played.count() - audit_before == 4000
    assert set(
        AuditEvent.objects.filter(verb__startswith="account.").values_list("target_repr", flat=True)
    ) == {"scale-legal-1", "scale-legal-2"}
    for line in ("notice ", "deliveryattempt ", "auditevent ", "figures_refresh", "total"):
        assert line in report


def test_the_register_is_spread_like_a_real_one(seeded):
    statuses = set(Notice.objects.values_list("status", flat=True))
    segments = set(Company.objects.values_list("segment", flat=True))
    countries = set(Company.objects.values_list("country", flat=True))
    outcomes = set(Response.objects.values_list("outcome", flat=True))

    expected = {"sent", "delivered", "bounced", "responded", "resolved", "escalated", "closed"}
    assert expected | {"withdrawn", "failed"} <= statuses
    assert segments == set(Company.Segment.values)
    assert countries == set(scale.COUNTRIES)
    assert {"unclassified", "acknowledged", "disputes", "requests_talks"} <= outcomes
    assert set(Campaign.objects.values_list("status", flat=True)) == {"sending", "completed"}
    sent_on = {
        timezone.localtime(t).date() for t in Notice.objects.values_list("sent_at", flat=True) if t
    }
    assert max(sent_on) - min(sent_on) > timedelta(days=240)  # ten months of campaigns


def test_seeded_notices_keep_the_four_eyes_and_delivery_rules(seeded):
    past_approval = Notice.objects.exclude(status__in=["draft", "rendered", "withdrawn"])
    accepted = DeliveryAttempt.objects.filter(outcome="accepted")

    assert not past_approval.filter(approved_by__isnull=True).exists()
    assert not Notice.objects.filter(approved_by=F("created_by")).exists()
    assert not (
        accepted.values("notice", "channel").annotate(n=Count("pk")).filter(n__gt=1).exists()
    )
    for attempt in accepted.select_related("notice"):
        notice = attempt.notice
        assert attempt.finished_at == notice.sent_at
        assert (
            attempt.message_id == f"<{notice.reference}.{notice.pk}@{settings.MESSAGE_ID_DOMAIN}>"
        )
    assert not Notice.objects.filter(status__in=OUT, sent_at__isnull=True).exists()
    assert set(DeliveryAttempt.objects.values_list("outcome", flat=True)) == {
        "accepted",
        "bounced",
        "failed",
    }
    # at most the service's limit, plus one resend after a bounce
    attempts_per_notice = Counter(DeliveryAttempt.objects.values_list("notice", flat=True))
    assert max(attempts_per_notice.values()) <= settings.DELIVERY_MAX_ATTEMPTS + 1


def test_replies_come_after_the_letter_they_answer(seeded):
    replies = Response.objects.select_related("notice")

    assert not replies.filter(message_id__isnull=True).exists()
    for reply in replies:
        assert reply.received_at > reply.notice.sent_at
        assert reply.company_id == reply.notice.company_id
        assert reply.notice.reference in reply.subject
        assert reply.notice.status in ("responded", "resolved", "closed")
        assert reply.body_text.strip()


def test_reminders_follow_an_unanswered_first_letter_of_the_same_matter(seeded):
    reminders = Notice.objects.filter(follows__isnull=False).select_related(
        "follows", "ladder_step"
    )

    assert reminders.count() == 160
    for reminder in reminders:
        first = reminder.follows
        assert first.ladder_step_id is None
        assert (reminder.company_id, reminder.campaign_id) == (first.company_id, first.campaign_id)
        assert reminder.ladder_step.order == 1
        assert reminder.ladder_step.campaign_id == reminder.campaign_id
        assert reminder.created_at > first.sent_at
        assert not first.responses.filter(received_at__lt=reminder.created_at).exists()


def test_open_matters_have_their_handoff_scheduled_in_the_coming_weeks(seeded):
    now = timezone.now()
    scheduled = FollowUp.objects.filter(status="scheduled").select_related("notice", "step")

    assert scheduled.exists()
    for follow_up in scheduled:
        notice = follow_up.notice
        assert follow_up.step.action == "handoff"
        assert notice.status in OUT
        assert now < follow_up.due_at < now + timedelta(days=22)
        series = [notice, *notice.follow_up_notices.all()]
        assert not Response.objects.filter(notice__in=series).exists()
    for done in FollowUp.objects.filter(status="done", step__order=1):
        assert done.result_notice.follows_id == done.notice_id
    sent_first_letters = Notice.objects.filter(ladder_step__isnull=True, sent_at__isnull=False)
    assert FollowUp.objects.count() == 2 * sent_first_letters.count()
    assert FigureCell.objects.exists()  # the dashboard was rebuilt


def test_each_notice_audit_trail_replays_to_its_status(seeded):
    trails = defaultdict(list)
    events = AuditEvent.objects.filter(target_type="warnings_app.notice").exclude(to_state="")
    for target_id, verb, source, target, at in events.order_by("pk").values_list(
        "target_id", "verb", "from_state", "to_state", "created_at"
    ):
        trails[int(target_id)].append((verb, source, target, at))

    for notice in Notice.objects.all():
        trail = trails[notice.pk]
        assert trail[0][:3] == ("notice.created", "", "draft")
        for (_, _, before, _), (verb, source, target, _) in itertools.pairwise(trail):
            step = TRANSITIONS[verb.removeprefix("notice.")]
            assert source == before, f"{notice.reference}: {verb} from {source}, was {before}"
            assert step.allows(source)
            assert step.target == target
        assert trail[-1][2] == notice.status
        assert trail[-1][3] == notice.status_changed_at
    # The played history is in time order; the two lawyers' accounts were audited for real,
    # when they were made, before the history was played.
    played = AuditEvent.objects.exclude(verb__startswith="account.").order_by("pk")
    times = list(played.values_list("created_at", flat=True))
    assert times == sorted(times)
    assert max(times) < timezone.now()


def test_a_second_run_refuses_and_changes_nothing(seeded):
    before = _row_counts()

    with pytest.raises(CommandError, match="already holds 400 notices"):
        _seed(seed=7)

    assert _row_counts() == before


def test_a_real_notice_after_the_seed_takes_the_next_reference(seeded):
    prefix, year = settings.NOTICE_REFERENCE_PREFIX, timezone.localdate().year
    seeded_refs = set(Notice.objects.values_list("reference", flat=True))
    this_year = [int(r[-6:]) for r in seeded_refs if r.startswith(f"{prefix}-{year}-")]

    notice = make_notice(principals=[PrincipalFactory()])

    assert notice.reference not in seeded_refs
    assert notice.reference == f"{prefix}-{year}-{max(this_year, default=0) + 1:06d}"
    assert notice.pk > max(Notice.objects.exclude(pk=notice.pk).values_list("pk", flat=True))
    assert AuditEvent.objects.filter(verb="notice.created", target_id=str(notice.pk)).count() == 1


def test_the_same_seed_builds_the_same_rows():
    fixed = scale.Fixed(
        lawyers=(1, 2),
        initial_version=1,
        reminder_version=2,
        initial_subject="Reservation of rights",
        reminder_subject="Reminder",
        principal=1,
        works=(1, 2, 3),
    )
    now = timezone.now()

    def rows(seed: int) -> list:
        built = scale.build(
            notices=200,
            seed=seed,
            fixed=fixed,
            first_ids=dict.fromkeys(scale.ID_MODELS, 1),
            last_reference={},
            taken_domains=set(),
            taken_names=set(),
            now=now,
        )
        return [list(table.rows) for table in built.tables]

    assert rows(5) == rows(5)
    assert rows(5) != rows(6)
