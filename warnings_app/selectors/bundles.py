"""Reads of evidence bundles: one with its requester, and the latest of its subject."""

from django.db.models import QuerySet

from warnings_app.models import EvidenceBundle


def bundle_of(*, bundle_id: int) -> EvidenceBundle:
    """One bundle with who asked for it (EvidenceBundle.DoesNotExist when there is none)."""
    return EvidenceBundle.objects.select_related("requested_by").get(pk=bundle_id)


def bundles_of_subject(*, bundle: EvidenceBundle, privileged: bool) -> QuerySet[EvidenceBundle]:
    """The latest ten bundles of the same company or campaign, newest first; bundles holding
    privileged notes only when `privileged`."""
    others = EvidenceBundle.objects.filter(
        subject_kind=bundle.subject_kind, subject_id=bundle.subject_id
    ).select_related("requested_by")
    if not privileged:
        others = others.filter(include_privileged=False)
    return others[:10]
