"""Reads about licence talks (a *licence matter*): the list with its filters, one matter's page,
the talks a company or a letter has, and the two facts the ladder asks — whether talks or a
signed deal stop it, and since when a lawyer let it go on again."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db.models import Max, Q, QuerySet

from warnings_app.domain.licence_stages import MANUAL_MOVES
from warnings_app.models import (
    FollowUp,
    Licence,
    LicenceMatter,
    MatterDocument,
    MatterMove,
    MatterNote,
    Notice,
)
from warnings_app.models.licences import CLOSED_STAGES, DEAL_STAGES, TALKS_STAGES, MatterStage

# The talks list's sections: every matter, or those whose next step is due.
SECTIONS = {"all": "All licence talks", "due": "Next step due"}


def next_step_due(today: date) -> Q:
    """A matter not yet closed whose next step falls on or before `today`: the to-do."""
    return Q(next_step_on__lte=today) & ~Q(stage__in=CLOSED_STAGES)


def matters_listed(
    *, today: date, section: str = "all", stage: str = "", owner: int | None = None
) -> QuerySet[LicenceMatter]:
    """The talks list as filtered: by section (all, next step due), stage and owner. Due
    matters come earliest next step first; the others newest first."""
    qs = LicenceMatter.objects.select_related("company", "owner", "reply", "notice")
    if section == "due":
        qs = qs.filter(next_step_due(today)).order_by("next_step_on", "pk")
    if stage:
        qs = qs.filter(stage=stage)
    if owner is not None:
        qs = qs.filter(owner_id=owner)
    return qs


def matters_next_step_due(today: date) -> QuerySet[LicenceMatter]:
    """The home page's count: the same rows as the list's "Next step due" section."""
    return matters_listed(today=today, section="due")


def matter_owners() -> QuerySet:  # type: ignore[type-arg]
    """People who may own talks: those who may open them (Legal and Paralegal)."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(groups__permissions__codename="add_licencematter")
            | Q(user_permissions__codename="add_licencematter")
        )
        .distinct()
        .order_by("username")
    )


def open_talks_of(company_id: int) -> LicenceMatter | None:
    """The company's talks under way (one at most: a database constraint), or None."""
    return LicenceMatter.objects.filter(company_id=company_id, stage__in=TALKS_STAGES).first()


def talks_of_company(company_id: int) -> list[LicenceMatter]:
    """Every matter with the company, newest first, for the company page: one query."""
    return list(
        LicenceMatter.objects.filter(company_id=company_id).select_related("owner", "reply")
    )


def talks_of_series(notice: Notice) -> list[LicenceMatter]:
    """Talks opened from a reply to this letter, or to any letter of its series, with their
    moves (two queries)."""
    series = Q(notice=notice) | Q(reply__notice=notice) | Q(reply__notice__follows=notice)
    return list(
        LicenceMatter.objects.filter(series)
        .select_related("company")
        .prefetch_related("moves__by")
        .distinct()
    )


@dataclass
class MatterPage:
    matter: LicenceMatter
    moves: list[MatterMove]
    notes: list[MatterNote]
    documents: list[MatterDocument]
    licences: list[Licence]
    # Stages a person may move the talks to from here (declining has its own form).
    moves_allowed: list[tuple[str, str]] = field(default_factory=list)
    scheduled: list[FollowUp] = field(default_factory=list)
    restartable: list[FollowUp] = field(default_factory=list)


def matter_page(*, matter_id: int, privileged: bool) -> MatterPage:
    """Everything the matter page shows, in a fixed number of queries. Notes are read only for
    a reader who may see privileged notes."""
    matter = LicenceMatter.objects.select_related(
        "company",
        "reply",
        "notice",
        "owner",
        "opened_by",
        "ladder_restarted_by",
    ).get(pk=matter_id)
    moves = list(matter.moves.select_related("by"))
    notes = list(matter.notes.select_related("written_by")) if privileged else []
    documents = list(matter.documents.select_related("uploaded_by"))
    licences = list(matter.licences.all())
    allowed = [
        (stage, MatterStage(stage).label)
        for stage in MANUAL_MOVES.get(matter.stage, ())
        if stage != MatterStage.DECLINED
    ]
    page = MatterPage(matter, moves, notes, documents, licences, allowed)
    if matter.notice_id is not None:
        follow_ups = FollowUp.objects.filter(notice_id=matter.notice_id).select_related("step")
        page.scheduled = [f for f in follow_ups if f.status == FollowUp.Status.SCHEDULED]
        page.restartable = [f for f in follow_ups if stopped_by_talks(f)]
    return page


# The reasons a follow-up was cancelled because the company answered or talks began (the
# follow-up job's and the reply classification's wording): a restart brings these back.
TALKS_STOP_PREFIXES = ("a reply was logged", "the reply of ", "licence talks are open")


def stopped_by_talks(follow_up: FollowUp) -> bool:
    return follow_up.status == FollowUp.Status.CANCELLED and follow_up.cancelled_reason.startswith(
        TALKS_STOP_PREFIXES
    )


def follow_ups_to_restart(matter: LicenceMatter) -> QuerySet[FollowUp]:
    """The ladder steps a restart brings back: those of the talks' letter (or, for talks a
    lawyer opened from the company, of the company's letters) that the reply or the talks
    stopped."""
    qs = FollowUp.objects.filter(status=FollowUp.Status.CANCELLED).select_related(
        "step", "notice__company"
    )
    if matter.notice_id is not None:
        qs = qs.filter(notice_id=matter.notice_id)
    else:
        qs = qs.filter(notice__company_id=matter.company_id)
    reasons = Q()
    for prefix in TALKS_STOP_PREFIXES:
        reasons |= Q(cancelled_reason__startswith=prefix)
    return qs.filter(reasons).order_by("notice_id", "step__order", "pk")


def talks_stop_reason(company_id: int, today: date) -> str:
    """Why talks stop the company's ladder, or "": talks under way, or a deal signed whose
    licence has not started yet (once it is in force, domain/licences.warning_blocked says
    so)."""
    matter = (
        LicenceMatter.objects.filter(company_id=company_id)
        .filter(stage__in=(*TALKS_STAGES, *DEAL_STAGES))
        .order_by("-stage_changed_at", "-pk")
        .first()
    )
    if matter is None:
        return ""
    if matter.stage in TALKS_STAGES:
        return f"licence talks are open ({MatterStage(matter.stage).label})"
    starts = (
        Licence.objects.filter(matter=matter, starts_on__gt=today, terminated_on__isnull=True)
        .order_by("starts_on")
        .values_list("starts_on", flat=True)
        .first()
    )
    if starts is not None:
        return f"a licence was signed (starts {starts.day} {starts:%b %Y})"
    return ""


def ladder_restarted_at(company_id: int) -> datetime | None:
    """When a lawyer last let the company's ladder go on after talks closed without a deal:
    replies received before then no longer stop it."""
    found: datetime | None = LicenceMatter.objects.filter(
        company_id=company_id, ladder_restarted_at__isnull=False
    ).aggregate(at=Max("ladder_restarted_at"))["at"]
    return found
