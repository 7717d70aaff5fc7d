"""Moving a licence matter from one stage to the next: the one place that changes a matter's
stage, so every move is checked (domain/licence_stages.py), kept as a MatterMove row and
audited."""

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from warnings_app.domain.licence_stages import move_problem
from warnings_app.models import LicenceMatter, MatterMove
from warnings_app.models.licences import CLOSED_STAGES
from warnings_app.services.audit import audit_record
from warnings_app.services.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def matter_move(
    *,
    matter: LicenceMatter,
    to_stage: str,
    by: "User | None",
    reason: str = "",
    system: bool = False,
) -> LicenceMatter:
    """Move `matter` to `to_stage`. A system move (`system`, or `by` None: a licence's date
    passed, a licence was recorded by `by`) may make the moves people may not make by hand.
    Raises ServiceError, changing nothing, when the move is not allowed."""
    locked = LicenceMatter.objects.select_for_update().get(pk=matter.pk)
    problem = move_problem(locked.stage, to_stage, by_system=system or by is None)
    if problem:
        raise ServiceError(f"Licence talks #{locked.pk}: {problem}")
    now = timezone.now()
    from_stage = locked.stage
    locked.stage = to_stage
    locked.stage_changed_at = now
    locked.closed_at = now if to_stage in CLOSED_STAGES else None
    locked.save(update_fields=["stage", "stage_changed_at", "closed_at"])
    MatterMove.objects.create(
        matter=locked, from_stage=from_stage, to_stage=to_stage, at=now, by=by, reason=reason
    )
    audit_record(
        actor=by,
        verb="licence_matter.moved",
        target=locked,
        from_state=from_stage,
        to_state=to_stage,
        data={"company": locked.company_id, "reason": reason},
    )
    return locked
