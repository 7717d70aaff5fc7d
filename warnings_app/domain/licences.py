"""Whether a company is licensed, and for which uses: one rule, asked by every page, letter,
export and figure.

A company is licensed on a day when a licence is *in force* that day and names it, as the
licensee or as one of the group companies the licence covers. A licence is in force from its
start date to its end date, both included, unless it was terminated: it is not in force on or
after its termination date. A licence recorded before licences existed has no end date.

A company licensed on a day receives no *warning* letters that day (campaign letters and the
ladder's reminders): its licence is what the letters asked for. Letters about the licence itself
(a usage finding, a renewal) still go, being tied to the licence (Notice.licence)."""

from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet

from warnings_app.models.licences import Licence, LicenceUse

NOT_LICENSED = "Not licensed"


def in_force(on: date, prefix: str = "") -> Q:
    """Licences in force on `on`; `prefix` reaches Licence from another model ("licence__")."""
    return (
        Q(**{f"{prefix}starts_on__lte": on})
        & (Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": on}))
        & (Q(**{f"{prefix}terminated_on__isnull": True}) | Q(**{f"{prefix}terminated_on__gt": on}))
    )


def licences_covering(company_id: int, on: date) -> QuerySet[Licence]:
    """The licences in force on `on` that name the company as licensee or group company."""
    return (
        Licence.objects.filter(in_force(on))
        .filter(Q(company_id=company_id) | Q(group_companies=company_id))
        .distinct()
    )


def licensed_uses(company_id: int, on: date) -> list[str]:
    """The uses the company is licensed for on `on`, in LicenceUse order; [] when none."""
    granted: set[str] = set()
    for licence in licences_covering(company_id, on):
        granted.update(licence.uses)
    return [use for use in LicenceUse.values if use in granted]


def is_licensed(company_id: int, on: date) -> bool:
    return licences_covering(company_id, on).exists()


def licensed_company(on: date) -> Q:
    """A filter on Company: licensed on `on` (as licensee or group company)."""
    covering = Licence.objects.filter(in_force(on))
    return Q(
        Exists(covering.filter(company=OuterRef("pk")))
        | Exists(covering.filter(group_companies=OuterRef("pk")))
    )


def uses_phrase(uses: list[str]) -> str:
    """How pages and letters say it: "Licensed for training only", "Licensed for training and
    evaluation", "Licensed for every use", "Not licensed"."""
    if not uses:
        return NOT_LICENSED
    if len(uses) == len(LicenceUse.values):
        return "Licensed for every use"
    labels = [str(LicenceUse(use).label).lower() for use in uses]
    if len(labels) == 1:
        return f"Licensed for {labels[0]} only"
    return f"Licensed for {', '.join(labels[:-1])} and {labels[-1]}"


def warning_blocked(company_id: int, on: date) -> str:
    """Why no warning letter may go to the company on `on`, or "" if one may."""
    uses = licensed_uses(company_id, on)
    if uses:
        return f"the company is licensed ({uses_phrase(uses).lower()}): no warning letter"
    return ""
