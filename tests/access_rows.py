"""The rows the access matrices (tests/test_access.py, tests/test_api_access.py) open URLs on,
each made the first time a URL asks for it: a test that opens one URL pays for one kind of row,
not for all of them."""

import datetime as dt
import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from tests.campaign_helpers import make_campaign
from tests.factories import (
    ContactFactory,
    UserFactory,
    WorkFactory,
    make_notice,
)
from warnings_app.domain.preferences import Instruction
from warnings_app.domain.roles import LEGAL
from warnings_app.models import (
    Notice,
    PreferenceLink,
    ReservationPublication,
    UsageFinding,
    UsageReport,
)
from warnings_app.services.preferences import preference_record


class Rows:
    def __init__(self):
        self.made = {}

    def once(self, key, build):
        if key not in self.made:
            self.made[key] = build()
        return self.made[key]

    def contact(self):
        return self.once("contact", ContactFactory)

    def notice(self):
        """A draft notice with a stored stand-in PDF and its hash."""
        return self.once("notice", self._notice)

    def _notice(self):
        notice = make_notice(company=self.contact().company)
        content = _blank_pdf()  # one real page, so its page image can be drawn
        Notice.objects.filter(pk=notice.pk).update(
            pdf=default_storage.save("notices/test.pdf", ContentFile(content)),
            pdf_sha256=hashlib.sha256(content).hexdigest(),
            pdf_pages=1,
        )
        return Notice.objects.get(pk=notice.pk)

    def campaign(self):
        return self.once("campaign", lambda: make_campaign(companies=1))

    def statement(self):
        return self.once("statement", self._statement)

    def _statement(self):
        work = WorkFactory(artist="Aurora Lane")
        return preference_record(
            artist=work.artist_profile,
            preference="reserved",
            effective_from=timezone.localdate(),
            instruction=Instruction(b"Reserve my recordings.", "instruction.txt"),
            by=UserFactory(role=LEGAL),
        )

    def link(self):
        return self.once(
            "link",
            lambda: PreferenceLink.objects.create(
                artist=self.statement().artist,
                recipient_email="artist@example.com",
                token_sha256=hashlib.sha256(b"token").hexdigest(),
                created_by=UserFactory(),
                expires_at=timezone.now() + dt.timedelta(days=7),
            ),
        )

    def usage_report(self):
        return self.once("usage_report", self._usage_report)

    def _usage_report(self):
        licence = self.licence()
        return UsageReport.objects.create(
            licence=licence,
            period_start=licence.starts_on,
            period_end=licence.starts_on,
            file="licences/usage/test.csv",
            original_filename="usage.csv",
            content_type="text/csv",
            size=1,
            sha256=hashlib.sha256(b"usage").hexdigest(),
            imported_by=UserFactory(),
        )

    def usage_finding(self):
        return self.once(
            "usage_finding",
            lambda: UsageFinding.objects.create(
                licence=self.licence(),
                kind=UsageFinding.Kind.REPORT_OVERDUE,
                period_end=self.licence().starts_on,
                detail="No usage report.",
            ),
        )

    def matter(self):
        """Licence talks under way, ready for a deal to be recorded."""
        return self.once("matter", lambda: _matter(ContactFactory().company))

    def licence(self):
        """A deal recorded through the real service, with a flag and a reminder on it."""
        return self.once("licence", self._licence)

    def _licence(self):
        from warnings_app.domain.licence_terms import DealTerms, Fee
        from warnings_app.models import LicenceReminder
        from warnings_app.services.licences import licence_record

        work = WorkFactory(artist="Licensable Lou")
        today = timezone.localdate()
        preference_record(
            artist=work.artist_profile,
            preference="licensable",
            effective_from=today,
            licensing_contact="deals@lou.example",
            instruction=Instruction(b"Licensable on terms.", "instruction.txt"),
            by=UserFactory(role=LEGAL),
        )
        licence = licence_record(
            matter=_matter(ContactFactory().company),
            terms=DealTerms(
                uses=["training"],
                scope="all",
                territories=["*"],
                signed_on=today,
                starts_on=today,
                ends_on=today + dt.timedelta(days=365),
                fee=Fee(model="flat", amount=1000, currency="EUR", period="year"),
                reporting_months=3,
                agreement=_blank_pdf(),
                agreement_filename="agreement.pdf",
            ),
            by=UserFactory(role=LEGAL),
        )
        preference_record(
            artist=work.artist_profile,
            preference="reserved",
            effective_from=today + dt.timedelta(days=7),
            instruction=Instruction(b"Reserve now.", "instruction.txt"),
            by=UserFactory(role=LEGAL),
        )
        LicenceReminder.objects.create(
            licence=licence, kind="ends", due_on=licence.ends_on, raised_on=today
        )
        return licence

    def publication(self):
        self.statement()  # recording it publishes a version
        return ReservationPublication.objects.latest()


def _matter(company):
    from warnings_app.models import LicenceMatter

    return LicenceMatter.objects.create(
        company=company, stage="negotiation", opened_by=UserFactory(role=LEGAL)
    )


def _blank_pdf() -> bytes:
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def licence_rows(notice):
    """Builders of a licence matter, a licence, its usage report and a finding (API rows)."""
    from tests.factories import LicenceFactory
    from warnings_app.models import LicenceMatter, UsageFinding, UsageReport

    def licence():
        return LicenceFactory(company=notice().company)

    def report():
        return UsageReport.objects.create(
            licence=licence(),
            period_start=timezone.localdate(),
            period_end=timezone.localdate(),
            file="licences/usage/r.csv",
            original_filename="r.csv",
            content_type="text/csv",
            size=1,
            sha256="b" * 64,
            imported_by=UserFactory(),
        )

    return {
        "licencematter": lambda: (
            LicenceMatter.objects.create(company=notice().company, opened_by=UserFactory()).pk
        ),
        "licence": lambda: licence().pk,
        "usagereport": lambda: report().pk,
        "usagefinding": lambda: (
            UsageFinding.objects.create(
                licence=licence(),
                kind="report_overdue",
                detail="late",
                period_end=timezone.localdate(),
            ).pk
        ),
    }
