"""A register for the licence figures: two campaigns whose first letters went (or did not go)
to companies of three segments, licence talks in various stages opened before or after those
letters, deals with each fee model and currency, a licence recorded before licences existed,
licences no longer in force, and usage reports overdue or settled by a later report. Beside it,
the figures worked out by hand from that description (EXPECTED), never by the code that shows
them."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from tests.campaign_helpers import make_campaign
from tests.factories import CompanyFactory, LicenceFactory, UserFactory, WorkFactory, make_notice
from warnings_app.models import Campaign, Company, Notice, Response
from warnings_app.models.licences import Licence, LicenceMatter, LicenceWork
from warnings_app.models.usage import UsageFinding, UsageReport
from warnings_app.services.licence_moves import matter_move


@dataclass
class Built:
    today: date
    a: Campaign
    b: Campaign
    companies: dict[str, Company]
    matters: dict[str, LicenceMatter]
    licences: dict[str, Licence]


def _at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _sent(company: Company, campaign: Campaign, on: date) -> Notice:
    notice = make_notice(company=company, campaign=campaign)
    Notice.objects.filter(pk=notice.pk).update(
        status="delivered", sent_at=_at(on), approved_by=UserFactory(role="Legal")
    )
    return Notice.objects.get(pk=notice.pk)


def _matter(company: Company, opened: date, *moves: str, **links: object) -> LicenceMatter:
    legal, paralegal = UserFactory(role="Legal"), UserFactory(role="Paralegal")
    matter = LicenceMatter.objects.create(
        company=company, opened_at=_at(opened), opened_by=paralegal, **links
    )
    for stage in moves:
        system = stage in ("signed", "active")
        matter = matter_move(matter=matter, to_stage=stage, by=legal, system=system)
    return matter


def build() -> Built:
    today = timezone.localdate()
    a, b = make_campaign(companies=0, tag="wave-a"), make_campaign(companies=0, tag="wave-b")
    c = {
        name: CompanyFactory(legal_name=f"{name} Ltd", segment=segment)
        for name, segment in [
            ("Asked", "generative_music"),
            ("Enquiring", "generative_music"),
            ("Early", "foundation_model"),
            ("Twice", "foundation_model"),
            ("Silent", "platform"),
            ("Declining", "platform"),
            ("Unsent", "platform"),
        ]
    }
    letter = _sent(c["Asked"], a, today - timedelta(60))
    for name in ("Enquiring", "Early", "Twice"):
        _sent(c[name], a, today - timedelta(60))
    for name in ("Twice", "Silent", "Declining"):
        _sent(c[name], b, today - timedelta(40))
    make_notice(company=c["Unsent"], campaign=a)  # a draft: never sent
    reply = Response.objects.create(
        notice=letter,
        company=c["Asked"],
        channel="email",
        kind="reply",
        received_at=_at(today - timedelta(55)),
        outcome="requests_talks",
    )
    m = {
        # The reply asked for talks, the paralegal opened them, a lawyer signed a licence.
        "asked": _matter(
            c["Asked"], today - timedelta(54), "nda", "signed", "active", reply=reply, notice=letter
        ),
        "enquiring": _matter(c["Enquiring"], today - timedelta(50)),
        "early": _matter(c["Early"], today - timedelta(90), "term_sheet"),  # before its letter
        "twice": _matter(c["Twice"], today - timedelta(30), "negotiation", "signed"),
        "declining": _matter(c["Declining"], today - timedelta(35), "declined"),
    }
    started = today - timedelta(20)
    ends = started + timedelta(730)
    lic = {
        "asked": LicenceFactory(
            company=c["Asked"], matter=m["asked"], fee_amount=2500, fee_period="quarter",
            starts_on=started, ends_on=ends, reporting_months=1,
        ),
        "twice": LicenceFactory(
            company=c["Twice"], matter=m["twice"], fee_model="per_work", fee_amount=10,
            fee_currency="GBP", fee_period="month", starts_on=started, ends_on=ends,
        ),
        "recorded": LicenceFactory(
            origin="recorded_before", fee_model="none", fee_amount=None, fee_currency="",
            fee_period="", ends_on=None, agreement_sha256="",
        ),
        "share_min": LicenceFactory(
            fee_model="revenue_share", fee_amount=5000, fee_currency="USD", fee_period="",
            revenue_share_percent=10, reporting_months=3,
        ),
        "share": LicenceFactory(
            fee_model="revenue_share", fee_amount=None, fee_currency="USD", fee_period="",
            revenue_share_percent=8,
        ),
        "once": LicenceFactory(
            fee_amount=30000, fee_period="once", starts_on=today - timedelta(100),
            ends_on=today - timedelta(100) + timedelta(730),
        ),
        "expired": LicenceFactory(
            starts_on=today - timedelta(400), ends_on=today - timedelta(35), fee_amount=1000,
        ),
        "terminated": LicenceFactory(fee_amount=12000, terminated_on=today),
    }  # fmt: skip
    for included in (True, True, False):
        LicenceWork.objects.create(
            licence=lic["twice"], work=WorkFactory(), included=included, reason="as wished"
        )
    _usage(lic, today)
    return Built(today, a, b, c, m, lic)


def _usage(lic: dict[str, Licence], today: date) -> None:
    """Overdue: one period of "asked", two of "share_min"; one of "twice" was reported since,
    and a finding of another kind is no overdue report."""

    def overdue(licence: Licence, period_end: date) -> UsageFinding:
        return UsageFinding.objects.create(
            licence=licence,
            kind="report_overdue",
            detail="No report",
            period_start=period_end - timedelta(27),
            period_end=period_end,
        )

    overdue(lic["asked"], today - timedelta(10))
    overdue(lic["share_min"], today - timedelta(25))
    overdue(lic["share_min"], today - timedelta(5))
    settled = overdue(lic["twice"], today - timedelta(12))
    report = UsageReport.objects.create(
        licence=lic["twice"],
        period_start=settled.period_end - timedelta(27),
        period_end=settled.period_end,
        file="licences/usage/late.csv",
        original_filename="late.csv",
        content_type="text/csv",
        size=10,
        sha256="a" * 64,
        imported_by=UserFactory(role="Paralegal"),
    )
    UsageFinding.objects.create(
        licence=lic["twice"], report=report, kind="unknown_work", detail="Not in the catalogue"
    )


def once_fee() -> Decimal:
    """30,000 once over a term of 731 days (start and end included)."""
    return (Decimal(30000) * Decimal("365.25") / Decimal(731)).quantize(Decimal("0.01"))


# The figures, by hand from build()'s description.
EXPECTED = {
    "stages": {"enquiry": 1, "nda": 0, "term_sheet": 1, "negotiation": 0, "signed": 1},
    "stages_closed": {"active": 1, "expired": 0, "terminated": 0, "declined": 1},
    # (sent, talks, signed): "Early" opened its talks before its letter; "Twice" counts for
    # both campaigns; "Unsent" got no letter.
    "campaign a": (4, 3, 2),
    "campaign b": (3, 2, 1),
    "generative_music": (2, 2, 1),
    "foundation_model": (2, 1, 1),
    "platform": (2, 1, 0),
    # In force today: asked, twice, recorded, share_min, share, once.
    "active": 6,
    "fees": {
        "EUR": (2, Decimal("10000.00") + once_fee()),
        "GBP": (1, Decimal("240.00")),  # 10 a month x 12 x 2 works included
        "USD": (1, Decimal("5000.00")),
    },
    "not_counted": 2,  # recorded before, revenue share without a minimum
    "overdue": 3,
}
