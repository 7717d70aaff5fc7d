"""Evidence bundles: a request only records what was asked for and enqueues the build; a worker
writes the zip onto a temporary file, letter by letter, and saves it into storage; the page
shows its progress and, when ready, a download. Each step is one audit event on the company or
campaign: evidence.requested, evidence.built, evidence.failed, evidence.downloaded."""

import hashlib
import logging
import tempfile
from datetime import timedelta
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from warnings_app.models import Campaign, Company, EvidenceBundle
from warnings_app.reports.bundle_zip import CHUNK_BYTES
from warnings_app.reports.evidence import bundle_size, evidence_bundle_write
from warnings_app.selectors.notices import notices_of
from warnings_app.services.audit import audit_record
from warnings_app.tasks import build_evidence_bundle_task

if TYPE_CHECKING:
    from celery.contrib.django.task import DjangoTask
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)
Status = EvidenceBundle.Status
PROGRESS_STEPS = 100  # progress is written about this many times per build, not per letter


def bundle_subject(bundle: EvidenceBundle) -> Company | Campaign:
    if bundle.subject_kind == EvidenceBundle.Kind.COMPANY:
        return Company.objects.get(pk=bundle.subject_id)
    return Campaign.objects.get(pk=bundle.subject_id)


def _audit_target(bundle: EvidenceBundle) -> Company | Campaign | EvidenceBundle:
    """Events go on the company or campaign (its history shows them); on the bundle itself
    when that is gone."""
    try:
        return bundle_subject(bundle)
    except (Company.DoesNotExist, Campaign.DoesNotExist):
        return bundle


def _enqueue(bundle: EvidenceBundle) -> None:
    # Celery's Django fixup makes every task a DjangoTask; shared_task's stubs do not say so.
    cast("DjangoTask[[int], str]", build_evidence_bundle_task).delay_on_commit(bundle.pk)


@transaction.atomic
def bundle_request(
    *, subject: Company | Campaign, by: "User", include_privileged: bool
) -> tuple[EvidenceBundle, bool]:
    """Ask for a bundle of a company or a campaign (the caller checked the permissions): the
    bundle and True, or, while one of the same subject is queued or building, that one and
    False. Nothing is built here; the build task leaves after commit."""
    is_company = isinstance(subject, Company)
    kind = EvidenceBundle.Kind.COMPANY if is_company else EvidenceBundle.Kind.CAMPAIGN
    same = EvidenceBundle.objects.filter(
        subject_kind=kind, subject_id=subject.pk, include_privileged=include_privileged
    )
    stale = timezone.now() - timedelta(seconds=settings.EVIDENCE_BUNDLE_STALE_SECONDS)
    for lost in same.filter(Q(status=Status.BUILDING, started_at__lt=stale)):
        _fail(lost.pk, "the worker building it stopped; asked again", expected=Status.BUILDING)
    active = same.filter(status__in=EvidenceBundle.ACTIVE).first()
    if active is not None:
        if active.status == Status.QUEUED:
            _enqueue(active)  # its message may be lost; a second copy finds nothing to claim
        return active, False
    try:
        with transaction.atomic():
            bundle = EvidenceBundle.objects.create(
                subject_kind=kind,
                subject_id=subject.pk,
                subject_name=(subject.legal_name if isinstance(subject, Company) else subject.name)[
                    :300
                ],
                include_privileged=include_privileged,
                requested_by=by,
            )
    except IntegrityError:  # someone asked at the same moment: show theirs
        return same.get(status__in=EvidenceBundle.ACTIVE), False
    audit_record(
        actor=by,
        verb="evidence.requested",
        target=subject,
        data={"bundle": bundle.pk, "include_privileged": include_privileged},
    )
    _enqueue(bundle)
    return bundle, True


def bundle_build(*, bundle_id: int) -> str:
    """Build a queued bundle. Safe to run twice or after a redelivery: only a queued bundle is
    claimed (a guarded update), so a second copy finds nothing to do. A failure is recorded on
    the bundle and audited, not retried: asking again builds a new one."""
    now = timezone.now()
    claimed = EvidenceBundle.objects.filter(pk=bundle_id, status=Status.QUEUED).update(
        status=Status.BUILDING, started_at=now
    )
    if claimed != 1:
        return "not queued"
    bundle = EvidenceBundle.objects.select_related("requested_by").get(pk=bundle_id)
    try:
        _write(bundle)
    except Exception as exc:
        logger.exception("evidence bundle %s failed", bundle_id)
        _fail(bundle_id, f"{type(exc).__name__}: {exc}"[:2000], expected=Status.BUILDING)
        return "failed"
    return "ready"


def _write(bundle: EvidenceBundle) -> None:
    subject = bundle_subject(bundle)
    if isinstance(subject, Company):
        notices = notices_of(company=subject)
        facts = {"company": subject.legal_name, "company_id": subject.pk}
    else:
        notices = notices_of(campaign=subject)
        facts = {"campaign": subject.name, "campaign_id": subject.pk}
    total = bundle_size(notices)
    EvidenceBundle.objects.filter(pk=bundle.pk).update(total=total)
    step = max(1, total // PROGRESS_STEPS)

    def progress(done: int) -> None:
        if done % step == 0 or done == total:
            EvidenceBundle.objects.filter(pk=bundle.pk).update(done=done)

    with tempfile.TemporaryFile(prefix="bundle-", suffix=".zip") as target:
        evidence_bundle_write(
            notices=notices,
            subject=facts,
            target=target,
            built_by=bundle.requested_by.get_username(),
            include_privileged=bundle.include_privileged,
            progress=progress,
        )
        size = target.seek(0, 2)
        target.seek(0)
        digest = hashlib.sha256()
        while chunk := target.read(CHUNK_BYTES):
            digest.update(chunk)
        target.seek(0)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        name = bundle.file.field.generate_filename(
            bundle, f"evidence-{bundle.subject_kind}-{bundle.subject_id}-{stamp}.zip"
        )
        stored = bundle.file.storage.save(name, File(target), max_length=100)
    with transaction.atomic():
        moved = EvidenceBundle.objects.filter(pk=bundle.pk, status=Status.BUILDING).update(
            status=Status.READY,
            file=stored,
            sha256=digest.hexdigest(),
            size=size,
            done=total,
            finished_at=timezone.now(),
        )
        if moved != 1:
            raise RuntimeError(f"bundle {bundle.pk} is no longer building")
        audit_record(
            actor=bundle.requested_by,
            verb="evidence.built",
            target=subject,
            data={
                "bundle": bundle.pk,
                "bytes": size,
                "sha256": digest.hexdigest(),
                "letters_and_replies": total,
                "include_privileged": bundle.include_privileged,
            },
        )


def _fail(bundle_id: int, error: str, *, expected: str) -> None:
    with transaction.atomic():
        moved = EvidenceBundle.objects.filter(pk=bundle_id, status=expected).update(
            status=Status.FAILED, error=error, finished_at=timezone.now()
        )
        if moved == 1:
            bundle = EvidenceBundle.objects.get(pk=bundle_id)
            audit_record(
                actor=None,
                verb="evidence.failed",
                target=_audit_target(bundle),
                data={"bundle": bundle_id, "error": error},
            )


def bundle_downloaded(*, bundle: EvidenceBundle, by: "User") -> None:
    """Record that someone took a ready bundle away (the caller checked the permissions)."""
    audit_record(
        actor=by,
        verb="evidence.downloaded",
        target=_audit_target(bundle),
        data={
            "bundle": bundle.pk,
            "bytes": bundle.size,
            "sha256": bundle.sha256,
            "include_privileged": bundle.include_privileged,
        },
    )
