"""Which works a deal may include: the artists' wishes bind the deal. A work is included when,
on the signing date, its preference in the register is "licensable on terms" — the artist's
preference with no per-work exception against it, or a per-work exception that makes it
licensable. Every other work is excluded, with the reason in words a lawyer reads.

The preference of each work on the signing date comes from the register
(selectors/preference_register.works_as_of); this module only decides and words the decision.
A deal over chosen works or artists is refused whole when any one of them is not licensable:
the licensee asked for those works by name, so leaving one out silently would change the deal.
"""

from dataclasses import dataclass
from datetime import date

from warnings_app.models import Preference

NOT_RECORDED = "not_recorded"  # as selectors/preference_register.NOT_RECORDED


@dataclass(frozen=True)
class WorkDecision:
    work_id: int
    artist_id: int | None
    artist_name: str
    included: bool
    preference: str
    reason: str


def work_decision(
    *,
    work_id: int,
    artist_id: int | None,
    artist_name: str,
    preference: str,
    since: date | None,
    artist_preference: str | None = None,
) -> WorkDecision:
    """The decision for one work whose preference on the signing date is `preference` (held
    since `since`); `artist_preference` is the artist's own, to say when a per-work exception
    decided it."""
    if preference == Preference.LICENSABLE:
        reason = f"{artist_name} licensable on terms" + (f" since {since}" if since else "")
        if artist_preference is not None and artist_preference != preference:
            reason = f"Licensable on terms by a per-work exception of {artist_name}"
        return WorkDecision(work_id, artist_id, artist_name, True, preference, reason)
    if artist_id is None:
        reason = "no artist in the register for this work"
    elif preference == NOT_RECORDED:
        reason = f"nothing recorded for {artist_name}"
    else:
        word = "reserved" if preference == Preference.RESERVED else "undecided"
        reason = f"{artist_name} {word}" + (f" from {since}" if since else "")
        if artist_preference is not None and artist_preference != preference:
            reason = f"{artist_name} {word} this work (per-work exception)" + (
                f" from {since}" if since else ""
            )
    return WorkDecision(work_id, artist_id, artist_name, False, preference, reason)


def refusal_message(excluded: list[WorkDecision], signed_on: date) -> str:
    """Why a deal over chosen works or artists cannot be recorded: each artist named once, with
    why, and how many of the chosen works it concerns."""
    by_artist: dict[str, list[WorkDecision]] = {}
    for decision in excluded:
        by_artist.setdefault(decision.reason, []).append(decision)
    parts = [
        f"{reason} ({len(found)} work{'s' if len(found) != 1 else ''})"
        for reason, found in by_artist.items()
    ]
    return (
        f"The deal cannot include works that are not licensable on terms on {signed_on}: "
        + "; ".join(parts)
        + ". Remove them from the deal, or record the artists' wishes first."
    )


def reserved_from(preference: str) -> bool:
    return preference == Preference.RESERVED
