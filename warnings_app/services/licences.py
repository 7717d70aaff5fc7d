"""Recording a deal signed in licence talks, renewing it, and ending it early.

A licence's terms are fixed once recorded. Its scope is decided on the signing date from the
preference register (domain/licence_scope.py): every work considered is kept as a LicenceWork
row, included or excluded with the reason. The signed agreement passes domain/uploads.check
(PDF or Word only) and is stored under a generated name with its SHA-256."""

from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from warnings_app.domain import uploads
from warnings_app.domain.licence_scope import WorkDecision, refusal_message, work_decision
from warnings_app.domain.licence_terms import (
    DealTerms,
    dates_problem,
    fee_problems,
    territory_problem,
    uses_problem,
)
from warnings_app.models import (
    Licence,
    LicenceMatter,
    LicenceWork,
    PreferenceStatement,
    ReferenceCounter,
    Work,
)
from warnings_app.models.licences import DEAL_STAGES, TALKS_STAGES, LicenceUse
from warnings_app.selectors.preference_register import NOT_RECORDED, register_as_of
from warnings_app.services.audit import audit_record
from warnings_app.services.errors import ServiceError
from warnings_app.services.licence_flags import licence_flags_raise
from warnings_app.services.licence_moves import matter_move
from warnings_app.services.stored_files import stored_file_save

if TYPE_CHECKING:
    from django.contrib.auth.models import User

REFERENCE_PREFIX = "LIC"
AGREEMENT_KINDS = frozenset({uploads.PDF, uploads.DOCX})


class LicenceInvalid(ServiceError):
    """The deal cannot be recorded as given; the message says why. Nothing was saved."""


def licence_reference_allocate(*, year: int) -> str:
    """The next licence reference, LIC-<year>-NNNN; inside the licence's transaction, so a
    rollback gives the number back (as services/references.py does for notices)."""
    counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(
        prefix=REFERENCE_PREFIX, year=year
    )
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return f"{REFERENCE_PREFIX}-{year}-{counter.last_value:04d}"


def _works_in_scope(terms: DealTerms) -> QuerySet[Work]:
    works = Work.objects.all()
    if terms.scope == Licence.Scope.PRINCIPALS:
        if not terms.principals:
            raise LicenceInvalid("Choose the principals whose catalogues the deal covers.")
        works = works.filter(principal__in=terms.principals)
    elif terms.scope == Licence.Scope.CHOSEN:
        if not terms.works and not terms.artists:
            raise LicenceInvalid("Choose the works or artists the deal covers.")
        works = works.filter(
            Q(pk__in=[w.pk for w in terms.works]) | Q(artist_profile__in=terms.artists)
        )
    elif terms.scope != Licence.Scope.ALL:
        raise LicenceInvalid(f"“{terms.scope}” is not a licence scope.")
    return works.order_by("artist", "title", "pk")


def scope_decisions(terms: DealTerms) -> list[WorkDecision]:
    """Each work in the deal's scope, included or excluded on the signing date, with why."""
    works = list(_works_in_scope(terms).only("pk", "artist", "artist_profile_id"))
    whole = terms.scope == Licence.Scope.ALL
    states = register_as_of(
        terms.signed_on,
        artist_ids=None if whole else {w.artist_profile_id for w in works if w.artist_profile_id},
        work_ids=None if whole else [w.pk for w in works],
    )
    decisions = []
    for work in works:
        state = states.get(work.artist_profile_id) if work.artist_profile_id else None
        decisions.append(
            work_decision(
                work_id=work.pk,
                artist_id=work.artist_profile_id,
                artist_name=state.name if state else work.artist,
                preference=state.of_work(work.pk) if state else NOT_RECORDED,
                since=state.work_since.get(work.pk, state.since) if state else None,
                artist_preference=state.preference if state else None,
            )
        )
    return decisions


def _check_terms(matter: LicenceMatter, terms: DealTerms) -> uploads.Checked:
    problems = [
        uses_problem(terms.uses),
        territory_problem(terms.territories),
        dates_problem(terms.starts_on, terms.ends_on),
        *fee_problems(terms.fee).values(),
    ]
    if terms.reporting_months not in Licence.Reporting.values:
        problems.append("Choose how often the licensee reports its use.")
    if any(c.pk == matter.company_id for c in terms.group_companies):
        problems.append("The licensee is covered already; list only its group companies.")
    found = [p for p in problems if p]
    if found:
        raise LicenceInvalid(" ".join(found))
    try:
        return uploads.check(
            terms.agreement, name=terms.agreement_filename, allowed=AGREEMENT_KINDS
        )
    except uploads.UploadRefused as exc:
        raise LicenceInvalid(str(exc)) from exc


def _terms_data(licence: Licence, decisions: list[WorkDecision]) -> dict[str, Any]:
    return {
        "reference": licence.reference,
        "company": licence.company_id,
        "group_companies": sorted(c.pk for c in licence.group_companies.all()),
        "uses": licence.uses,
        "scope": licence.scope,
        "territories": licence.territories,
        "signed_on": licence.signed_on.isoformat(),
        "starts_on": licence.starts_on.isoformat(),
        "ends_on": licence.ends_on.isoformat() if licence.ends_on else None,
        "fee_model": licence.fee_model,
        "fee_amount": str(licence.fee_amount) if licence.fee_amount is not None else None,
        "fee_currency": licence.fee_currency,
        "fee_period": licence.fee_period,
        "revenue_share_percent": (
            str(licence.revenue_share_percent) if licence.revenue_share_percent else None
        ),
        "reporting_months": licence.reporting_months,
        "agreement_sha256": licence.agreement_sha256,
        "works_included": sum(1 for d in decisions if d.included),
        "works_excluded": sum(1 for d in decisions if not d.included),
        "renews": licence.renews_id,
    }


def licence_record(
    *,
    matter: LicenceMatter,
    terms: DealTerms,
    by: "User",
    renews: Licence | None = None,
    today: date | None = None,
) -> Licence:
    """Records the deal signed in `matter` (which must be in talks), `renews` the licence it
    renews if any. Moves the matter to signed, and to active when the licence starts on or
    before `today`. Raises LicenceInvalid (or ServiceError from the stage move), changing
    nothing: a deal over chosen works or artists that names one not licensable on terms on the
    signing date is refused whole, each artist named."""
    today = today or timezone.localdate()
    if matter.stage not in TALKS_STAGES:
        raise LicenceInvalid(
            f"Licence talks #{matter.pk} are {matter.get_stage_display().lower()}: a deal is "
            "recorded from talks under way."
        )
    if renews is not None and renews.company_id != matter.company_id:
        raise LicenceInvalid(f"{renews.reference} is another company's licence.")
    checked = _check_terms(matter, terms)
    decisions = scope_decisions(terms)
    excluded = [d for d in decisions if not d.included]
    if terms.scope == Licence.Scope.CHOSEN and excluded:
        raise LicenceInvalid(refusal_message(excluded, terms.signed_on))
    if not any(d.included for d in decisions):
        raise LicenceInvalid(
            f"No work in the deal's scope is licensable on terms on {terms.signed_on}."
        )
    stored = stored_file_save(
        folder="licences/agreements", content=terms.agreement, extension=checked.extension
    )
    try:
        with transaction.atomic():
            licence = _licence_save(matter, terms, checked, stored, by, renews, decisions)
            matter_move(
                matter=matter,
                to_stage="signed",
                by=by,
                system=True,
                reason=f"Licence {licence.reference} recorded",
            )
            if licence.starts_on <= today:
                matter_move(
                    matter=matter,
                    to_stage="active",
                    by=by,
                    system=True,
                    reason=f"Licence {licence.reference} in force from {licence.starts_on}",
                )
            _flag_reservations_ahead(licence, by)
    except Exception:
        default_storage.delete(stored)
        raise
    return licence


def _flag_reservations_ahead(licence: Licence, by: "User") -> None:
    """Reservations recorded before the deal but taking effect after its signing date (while it
    runs) flag it as a later reservation would: the scope was decided on the signing date."""
    ahead = PreferenceStatement.objects.filter(
        effective_from__gt=licence.signed_on,
        artist__works__in=licence.work_rows.filter(included=True).values("work"),
    )
    if licence.ends_on is not None:
        ahead = ahead.filter(effective_from__lte=licence.ends_on)
    for statement in ahead.distinct().order_by("effective_from", "pk"):
        licence_flags_raise(statement=statement, by=by, today=licence.signed_on)


def _licence_save(
    matter: LicenceMatter,
    terms: DealTerms,
    checked: uploads.Checked,
    stored: str,
    by: "User",
    renews: Licence | None,
    decisions: list[WorkDecision],
) -> Licence:
    fee = terms.fee
    licence = Licence.objects.create(
        reference=licence_reference_allocate(year=terms.signed_on.year),
        matter=matter,
        company_id=matter.company_id,
        origin=Licence.Origin.DEAL,
        **{f"use_{use}": use in terms.uses for use in LicenceUse.values},
        scope=terms.scope,
        territories=terms.territories,
        signed_on=terms.signed_on,
        starts_on=terms.starts_on,
        ends_on=terms.ends_on,
        fee_model=fee.model,
        fee_amount=fee.amount,
        fee_currency=fee.currency,
        fee_period=fee.period if fee.model != Licence.FeeModel.REVENUE_SHARE else "",
        revenue_share_percent=(
            fee.percent if fee.model == Licence.FeeModel.REVENUE_SHARE else None
        ),
        reporting_months=terms.reporting_months,
        agreement_file=stored,
        agreement_filename=(terms.agreement_filename or "agreement")[:255],
        agreement_content_type=checked.content_type,
        agreement_size=checked.size,
        agreement_sha256=checked.sha256,
        renews=renews,
        created_by=by,
    )
    licence.group_companies.set(terms.group_companies)
    if terms.scope == Licence.Scope.PRINCIPALS:
        licence.principals.set(terms.principals)
    if terms.scope == Licence.Scope.CHOSEN:
        licence.artists.set(terms.artists)
    LicenceWork.objects.bulk_create(
        [
            LicenceWork(
                licence=licence,
                work_id=d.work_id,
                artist_id=d.artist_id,
                included=d.included,
                preference=d.preference,
                reason=d.reason[:300],
            )
            for d in decisions
        ],
        batch_size=1000,
    )
    audit_record(
        actor=by,
        verb="licence.recorded",
        target=licence,
        to_state="signed",
        data={"matter": matter.pk, **_terms_data(licence, decisions)},
    )
    return licence


@transaction.atomic
def licence_terminate(*, licence: Licence, on: date, reason: str, by: "User") -> Licence:
    """Ends `licence` early: not in force on or after `on`. Recorded once; the matter moves to
    terminated. Raises LicenceInvalid, changing nothing."""
    reason = reason.strip()
    if not reason:
        raise LicenceInvalid("Say why the licence is terminated.")
    if on < licence.starts_on or (licence.ends_on is not None and on > licence.ends_on):
        raise LicenceInvalid(
            f"A termination date falls within the licence ({licence.starts_on} to "
            f"{licence.ends_on or 'open-ended'})."
        )
    updated = Licence.objects.filter(pk=licence.pk, terminated_on__isnull=True).update(
        terminated_on=on, termination_reason=reason[:500]
    )
    if updated != 1:
        raise LicenceInvalid(f"{licence.reference} was terminated already.")
    audit_record(
        actor=by,
        verb="licence.terminated",
        target=licence,
        to_state="terminated",
        data={"terminated_on": on.isoformat(), "reason": reason},
    )
    matter = licence.matter
    if matter is not None and matter.stage in DEAL_STAGES:
        matter_move(
            matter=matter,
            to_stage="terminated",
            by=by,
            system=True,
            reason=f"Licence {licence.reference} terminated from {on}: {reason}"[:500],
        )
    licence.refresh_from_db()
    return licence


def licence_renew(
    *, old: Licence, matter: LicenceMatter, terms: DealTerms, by: "User", today: date | None = None
) -> Licence:
    """A renewal is a new licence recorded from `matter`, that renews `old`."""
    if old.ends_on is not None and terms.starts_on <= old.starts_on:
        raise LicenceInvalid(f"A renewal starts after {old.reference} started ({old.starts_on}).")
    return licence_record(matter=matter, terms=terms, by=by, renews=old, today=today)


def deal_record(
    *, matter: LicenceMatter, terms: DealTerms, by: "User", renews: Licence | None = None
) -> Licence:
    """The deal signed in `matter`, as the record-a-deal page and the API give it: a renewal of
    `renews` when one is named, else a new licence."""
    if renews is not None:
        return licence_renew(old=renews, matter=matter, terms=terms, by=by)
    return licence_record(matter=matter, terms=terms, by=by)
