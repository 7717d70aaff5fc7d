"""Reads for usage reports: the catalogue as a usage row names it, what a licence included, the
artists' preferences over a row's period, and the pages' lists of reports and findings."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from warnings_app.domain.usage_checks import days_to_check, reserved_from, work_name_key
from warnings_app.models import PreferenceStatement, Work
from warnings_app.models.licences import Licence, LicenceWork
from warnings_app.models.usage import UsageFinding, UsageReport
from warnings_app.selectors.preference_register import register_as_of


@dataclass
class Catalogue:
    """The catalogue's works by the ways a usage row may name them."""

    by_isrc: dict[str, int] = field(default_factory=dict)
    by_iswc: dict[str, int] = field(default_factory=dict)
    by_name: dict[str, int] = field(default_factory=dict)

    def find(self, *, isrc: str, iswc: str, title: str, artist: str) -> int | None:
        """The work a row names: by ISRC, else ISWC, else title and artist."""
        if isrc:
            return self.by_isrc.get(isrc.upper())
        if iswc:
            return self.by_iswc.get(iswc.upper())
        if title and artist:
            return self.by_name.get(work_name_key(title, artist))
        return None


def usage_catalogue() -> Catalogue:
    """Every work by ISRC, ISWC and title + artist. An ISWC or a title + artist shared by
    several works names the first of them (the oldest)."""
    catalogue = Catalogue()
    rows = Work.objects.order_by("-pk").values_list("pk", "isrc", "iswc", "title", "artist")
    for pk, isrc, iswc, title, artist in rows:  # oldest last, so the oldest wins
        if isrc:
            catalogue.by_isrc[isrc.upper()] = pk
        if iswc:
            catalogue.by_iswc[iswc.upper()] = pk
        catalogue.by_name[work_name_key(title, artist)] = pk
    return catalogue


def licence_included_work_ids(licence: Licence) -> set[int]:
    return set(
        LicenceWork.objects.filter(licence=licence, included=True).values_list("work_id", flat=True)
    )


@dataclass(frozen=True)
class Reservation:
    artist: str
    since: date


def reservations_over(
    periods: Iterable[tuple[int, date, date]],
) -> dict[tuple[int, date, date], Reservation]:
    """For each (work, first day, last day), the reservation found on some day of that period
    (the register's state on each day its answer may change), keyed like the input; periods in
    which the work was never reserved are left out."""
    wanted = set(periods)
    if not wanted:
        return {}
    works = {
        w.pk: w
        for w in Work.objects.filter(pk__in={p[0] for p in wanted}).only(
            "pk", "artist", "artist_profile_id"
        )
    }
    artist_ids = {w.artist_profile_id for w in works.values() if w.artist_profile_id}
    first = min(p[1] for p in wanted)
    last = max(p[2] for p in wanted)
    change_days = set(
        PreferenceStatement.objects.filter(
            artist_id__in=artist_ids, effective_from__gt=first, effective_from__lte=last
        ).values_list("effective_from", flat=True)
    )
    plan = {p: days_to_check(p[1], p[2], change_days) for p in wanted if p[0] in works}
    states_on = {
        day: register_as_of(day, artist_ids=artist_ids, work_ids=list(works))
        for day in {d for days in plan.values() for d in days}
    }
    found = {}
    for period, days in plan.items():
        work = works[period[0]]
        answers = []
        for day in days:
            state = states_on[day].get(work.artist_profile_id or 0)
            if state is not None:
                answers.append((state.of_work(work.pk), state.work_since.get(work.pk, state.since)))
        since = reserved_from(answers)
        if since is not None:
            found[period] = Reservation(artist=work.artist, since=since)
    return found


def usage_reports_of(licence: Licence) -> QuerySet[UsageReport]:
    return UsageReport.objects.filter(licence=licence).select_related("imported_by")


def usage_report_already(licence: Licence, sha256: str) -> UsageReport | None:
    """The report already imported from the same file for the licence, if any."""
    return (
        UsageReport.objects.filter(licence=licence, sha256=sha256)
        .select_related("imported_by")
        .first()
    )


def findings_of(
    *, licence: Licence | None = None, report: UsageReport | None = None
) -> QuerySet[UsageFinding]:
    findings = UsageFinding.objects.select_related("row", "row__work", "notice", "report")
    if licence is not None:
        findings = findings.filter(licence=licence)
    if report is not None:
        findings = findings.filter(report=report)
    return findings.order_by("report_id", "row__line", "kind", "pk")


def finding_counts(findings: Iterable[UsageFinding]) -> list[tuple[str, int]]:
    """(kind label, how many) for every kind, in the kinds' order, zeros included."""
    counted = Counter(f.kind for f in findings)
    return [(str(label), counted[kind]) for kind, label in UsageFinding.Kind.choices]
