"""The stages of licence talks and the moves between them.

Talks (enquiry, NDA, term sheet, negotiation) may move between their stages in any order, as
talks do, or end declined. A matter reaches *signed* only by recording the licence
(services/licences.py), *active* when the licence starts, *expired* when it ends without a
renewal, *terminated* when it is ended early. Declined, expired and terminated are final: new
talks are a new matter."""

from warnings_app.models.licences import (
    CLOSED_STAGES,
    DEAL_STAGES,
    TALKS_STAGES,
    MatterStage,
)

# Moves a person may make on the matter's page. A deal ends through its licence (terminated on
# a date, services/licences.licence_terminate), never by moving the talks alone.
MANUAL_MOVES: dict[str, tuple[str, ...]] = {
    stage: (*(s for s in TALKS_STAGES if s != stage), "declined") for stage in TALKS_STAGES
}
# Moves the system makes when a licence is recorded, starts or ends.
SYSTEM_MOVES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(TALKS_STAGES, ("signed", "active")),
    "signed": ("active", "expired", "terminated"),
    "active": ("expired", "terminated"),
}


def move_problem(from_stage: str, to_stage: str, *, by_system: bool = False) -> str:
    """Why the matter may not move from `from_stage` to `to_stage`, or "" if it may."""
    if to_stage not in MatterStage.values:
        return f'"{to_stage}" is not a stage of licence talks'
    allowed = (SYSTEM_MOVES if by_system else MANUAL_MOVES).get(from_stage, ())
    if to_stage in allowed:
        return ""
    if from_stage in CLOSED_STAGES:
        return f"the talks are {MatterStage(from_stage).label.lower()}: open new talks instead"
    if to_stage in DEAL_STAGES and not by_system:
        return "a matter is signed by recording its licence"
    if to_stage == "terminated" and not by_system:
        return "a deal is terminated from its licence's page (from a date, with the reason)"
    return (
        f"talks cannot move from {MatterStage(from_stage).label} to {MatterStage(to_stage).label}"
    )


def is_talks(stage: str) -> bool:
    return stage in TALKS_STAGES
