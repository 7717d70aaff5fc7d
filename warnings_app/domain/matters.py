"""Matters, answers and overdue: what the dashboard, the outcome view, the work queue and the
home page count.

A *matter* is the first letter of a series, a notice with no ladder step; its reminders follow
it. A matter is *answered* by a reply to any letter of its series. A bounce report, an automatic
reply (out of office), a reply matched only by the sender's domain or one whose sender was not
authenticated is no answer: a person has not yet tied it to the letter. A matter is *overdue*
when its letter has gone out and the matter is still open (sent, delivered or bounced), its
response deadline has passed, and no answer came.
"""

from datetime import date, timedelta

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When

from warnings_app.models import Notice, Response
from warnings_app.models.lifecycle import OPEN

# The statuses of a matter whose letter went out and that nobody has settled.
OPEN_STATUSES = OPEN


def answers_to(matter: OuterRef) -> QuerySet[Response]:
    """The replies that answer a matter (to its letter or any of its reminders), as a subquery of
    a query over notices: `matter` is the matter's id as that query sees it, `OuterRef("pk")`."""
    series_of = OuterRef(matter)  # seen from the series query, one level further in
    series = Notice.objects.filter(Q(pk=series_of) | Q(follows=series_of)).values("pk")
    return Response.objects.filter(counts_as_answer(), notice__in=series).order_by()


def acts_on_notices(prefix: str = "") -> Q:
    """A reply that may move a notice and stop a ladder: a reply (not a bounce or an automatic
    message), not a mere guess from the sender's domain, and not one waiting for a person to
    confirm it (its sender or its address proved nothing). `prefix` reaches Response from
    another model ("response__")."""
    return (
        Q(**{f"{prefix}kind": Response.Kind.REPLY})
        & ~Q(**{f"{prefix}matched_by": Response.Match.DOMAIN})
        & ~Q(**{f"{prefix}trust": Response.Trust.UNCONFIRMED})
    )


def counts_as_answer() -> Q:
    """The same rule as a filter on Response, for reading every answer in one pass: their
    matter is `Coalesce("notice__follows_id", "notice_id")`."""
    return acts_on_notices() & Q(notice__isnull=False)


def is_overdue(*, status: str, due: date | None, answered: bool, today: date) -> bool:
    """The rule for one matter already read into memory (the dashboard's rollup)."""
    return status in OPEN_STATUSES and due is not None and due < today and not answered


def _open_unanswered_matters() -> QuerySet[Notice]:
    """Matters whose letter went out, still open, with no answer. The answer test is
    `answers_to` split in two plain EXISTS (to the letter; to one of its reminders), which the
    planner answers from the indexes; the combined series subquery took seconds over a whole
    register."""
    answer = Response.objects.filter(counts_as_answer())
    return (
        Notice.objects.filter(ladder_step__isnull=True, status__in=sorted(OPEN_STATUSES))
        .exclude(Exists(answer.filter(notice=OuterRef("pk"))))
        .exclude(Exists(answer.filter(notice__follows=OuterRef("pk"))))
    )


def overdue_matters(today: date) -> QuerySet[Notice]:
    """Every overdue matter, oldest deadline first."""
    return _open_unanswered_matters().filter(due_date__lt=today).order_by("due_date", "pk")


def week_of(today: date) -> tuple[date, date]:
    """The Monday and the Sunday of the week `today` is in: "this week" wherever it is said."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def due_this_week(today: date) -> QuerySet[Notice]:
    """Open, unanswered matters whose response deadline falls this week (Monday to Sunday, so
    the days already past are in it: they are overdue too), earliest deadline first."""
    monday, sunday = week_of(today)
    return (
        _open_unanswered_matters()
        .filter(due_date__range=(monday, sunday))
        .order_by("due_date", "pk")
    )


def overdue_flag(today: date, *, unanswered: Q) -> Case:
    """`overdue` as an annotation on matters, where `unanswered` says the row has no answer
    (the outcome view knows it from its own annotation of the latest answer)."""
    return Case(
        When(Q(status__in=sorted(OPEN_STATUSES), due_date__lt=today) & unanswered, then=True),
        default=Value(False),
    )


def replies_to_classify() -> QuerySet[Response]:
    """Replies tied to a letter that nobody has classified yet (bounces and automatic replies
    are not replies; messages tied to no letter wait in triage instead)."""
    return Response.objects.filter(
        kind=Response.Kind.REPLY, notice__isnull=False, outcome=Response.Outcome.UNCLASSIFIED
    )
