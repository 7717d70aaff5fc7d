"""What a licensee told us about its use (the disclosure answers of its replies: what it used,
which models, when) beside what its usage reports show, work by work.

The comparison is deliberately plain. For each work a letter asked about, an answer's note
names, or a usage report lists: was it asked about, is it named in an answer, is it reported,
and from which period. Two things are pointed out: an answer of "no" or "partial" use while the
usage reports show use that began before that reply; and works reported used that no answer
names. What it cannot know is said beside it (CANNOT_KNOW)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Min, Q, Sum
from django.utils import timezone

from warnings_app.models import DemandAnswer, LicenceUse, Notice, UsageRow, Work

CANNOT_KNOW = (
    "An answer is free text: a work counts as named only when its title, ISRC or ISWC appears "
    "in it, so a work described another way is shown as not named.",
    "Usage reports cover only the licence's periods: use before the licence, or never "
    "reported, does not appear in them.",
    "Neither source proves use; both are the company's own statements.",
)
NAMED_AT_LEAST = 4  # a title shorter than this is too common a word to count as named


@dataclass(frozen=True)
class DisclosureAnswer:
    received_on: date
    answer: str
    answer_label: str
    note: str
    letter: str  # the reference of the letter the reply answered
    reply_id: int


@dataclass
class WorkComparison:
    work_id: int
    title: str
    artist: str
    isrc: str
    asked: bool = False  # a letter the company answered listed it
    named: bool = False  # an answer's note names it
    first_reported: date | None = None  # the first period of a usage report listing it
    uses: list[str] = field(default_factory=list)
    count: int = 0

    @property
    def reported_not_named(self) -> bool:
        return self.first_reported is not None and not self.named


@dataclass
class Transparency:
    answers: list[DisclosureAnswer]
    works: list[WorkComparison]
    contradictions: list[str]
    cannot_know: tuple[str, ...] = CANNOT_KNOW

    @property
    def reported_not_named(self) -> int:
        return sum(1 for w in self.works if w.reported_not_named)


def _answers(company_id: int) -> list[DemandAnswer]:
    of_company = Q(response__company_id=company_id) | Q(response__notice__company_id=company_id)
    return list(
        DemandAnswer.objects.filter(of_company, demand=DemandAnswer.Demand.DISCLOSURE)
        .select_related("response", "response__notice")
        .order_by("response__received_at", "pk")
    )


def work_named_in(work: Work, text: str) -> bool:
    """Whether an answer's text names the work: its ISRC, its ISWC, or its title."""
    folded = text.casefold()
    codes = [c.casefold() for c in (work.isrc, work.iswc) if c]
    title = " ".join(work.title.split()).casefold()
    named_by_title = len(title) >= NAMED_AT_LEAST and title in " ".join(folded.split())
    return named_by_title or any(code in folded for code in codes)


def answer_contradicted(answer: str, received_on: date, first_use: date | None) -> bool:
    """An answer of no or partial use is contradicted when reported use began before it."""
    no_or_partial = answer in (DemandAnswer.Answer.NO, DemandAnswer.Answer.PARTIAL)
    return no_or_partial and first_use is not None and first_use < received_on


def transparency_for(company_id: int) -> Transparency:
    """The company's disclosure answers and the comparison with its usage reports, in a fixed
    handful of queries."""
    raw = _answers(company_id)
    answers = [
        DisclosureAnswer(
            received_on=timezone.localdate(a.response.received_at),
            answer=a.answer,
            answer_label=a.get_answer_display(),
            note=a.note,
            letter=a.response.notice.reference if a.response.notice else "",
            reply_id=a.response_id,
        )
        for a in raw
    ]
    notice_ids = {a.response.notice_id for a in raw if a.response.notice_id}
    asked = set(
        Notice.works.through.objects.filter(notice_id__in=notice_ids).values_list(
            "work_id", flat=True
        )
    )
    rows = UsageRow.objects.filter(report__licence__company_id=company_id, work__isnull=False)
    reported = {
        r["work_id"]: r
        for r in rows.values("work_id").annotate(first=Min("period_start"), total=Sum("count"))
    }
    uses: dict[int, set[str]] = defaultdict(set)
    for work_id, use in rows.values_list("work_id", "use").distinct():
        uses[work_id].add(use)
    works = Work.objects.filter(pk__in=asked | set(reported)).order_by("artist", "title", "pk")
    notes = " \n ".join(a.note for a in answers)
    compared = []
    for work in works:
        found = reported.get(work.pk)
        compared.append(
            WorkComparison(
                work_id=work.pk,
                title=work.title,
                artist=work.artist,
                isrc=work.isrc,
                asked=work.pk in asked,
                named=work_named_in(work, notes),
                first_reported=found["first"] if found else None,
                uses=[str(LicenceUse(u).label) for u in LicenceUse.values if u in uses[work.pk]],
                count=found["total"] if found else 0,
            )
        )
    first_use = min((w.first_reported for w in compared if w.first_reported), default=None)
    contradictions = [
        f"The reply of {a.received_on:%d/%m/%Y} answered “{a.answer_label}” about use, but the "
        f"usage reports show use from {first_use:%d/%m/%Y}."
        for a in answers
        if first_use is not None and answer_contradicted(a.answer, a.received_on, first_use)
    ]
    return Transparency(answers=answers, works=compared, contradictions=contradictions)
