"""Shared set-up for the letter tests: a company, principals and works, and PDF text."""

import io

from pypdf import PdfReader

from tests.factories import (
    CompanyFactory,
    ContactFactory,
    PrincipalFactory,
    TemplateVersionFactory,
    UserFactory,
    WorkFactory,
    make_notice,
)
from warnings_demo import demo_data

LETTER_BODY = demo_data.INITIAL_NOTICE


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def notice_with_schedule(
    *,
    works: int = 5,
    legal_name: str = "Sonora Machine Audio Ltd",
    body: str = LETTER_BODY,
    **kwargs,
):
    company = CompanyFactory(legal_name=legal_name, country="DE")
    ContactFactory(
        company=company,
        address_line1="1 Hafenstraße",
        city="Hamburg",
        postal_code="20457",
        country="DE",
    )
    principal = PrincipalFactory(
        legal_name="Northlight Records Ltd",
        signatory_name="Harriet Vale",
        signatory_title="General Counsel",
    )
    version = kwargs.pop("template_version", None) or TemplateVersionFactory(
        subject="Reservation of rights", body=body
    )
    return make_notice(
        company=company,
        template_version=version,
        principals=[principal],
        works=[WorkFactory(principal=principal) for _ in range(works)],
        by=kwargs.pop("by", UserFactory(role="Legal")),
        **kwargs,
    )
