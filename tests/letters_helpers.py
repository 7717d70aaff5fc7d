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


def sent_notice(smtp_server):
    """A notice rendered, approved by a second lawyer, queued and delivered to the test SMTP
    server; (notice, the message as received)."""
    from warnings_app import services
    from warnings_app.services.delivery.queue import notice_queue
    from warnings_app.services.delivery.send import notice_deliver

    notice = notice_with_schedule()
    notice = services.notice_render(notice=notice, by=notice.created_by)
    notice = services.notice_approve(notice=notice, by=UserFactory(role="Legal"))
    notice_queue(notice=notice, by=None)
    assert notice_deliver(notice_id=notice.pk, worker="w") == "sent"
    notice.refresh_from_db()
    return notice, smtp_server.handler.received[-1].message
