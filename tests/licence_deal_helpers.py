"""Deals for the licence tests: talks ready to sign, and the terms of a deal with a real
agreement file, recorded through the real service."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from tests.factories import CompanyFactory, UserFactory
from warnings_app import models as m
from warnings_app.domain.licence_terms import DealTerms, Fee
from warnings_app.domain.roles import LEGAL
from warnings_app.services.licences import licence_record

AGREEMENT_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def make_matter(company=None, stage: str = "negotiation", by=None) -> m.LicenceMatter:
    return m.LicenceMatter.objects.create(
        company=company or CompanyFactory(),
        stage=stage,
        opened_by=by or UserFactory(role=LEGAL),
    )


def deal_terms(**changes) -> DealTerms:
    """A flat-fee training deal over the whole catalogue, worldwide, signed today for a year."""
    today = timezone.localdate()
    values = {
        "uses": ["training"],
        "scope": m.Licence.Scope.ALL,
        "territories": ["*"],
        "signed_on": today,
        "starts_on": today,
        "ends_on": today + timedelta(days=364),
        "fee": Fee(model="flat", amount=Decimal("25000.00"), currency="EUR", period="year"),
        "reporting_months": 3,
        "agreement": AGREEMENT_PDF,
        "agreement_filename": "signed agreement.pdf",
    }
    values.update(changes)
    return DealTerms(**values)


def record_deal(matter=None, by=None, today: date | None = None, **changes) -> m.Licence:
    return licence_record(
        matter=matter or make_matter(),
        terms=deal_terms(**changes),
        by=by or UserFactory(role=LEGAL),
        today=today,
    )
