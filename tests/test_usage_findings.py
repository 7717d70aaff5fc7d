"""A usage finding becomes a letter to the licensee about its licence, rendered for real, which
then waits for a second person's approval."""

import pytest

from tests.factories import TemplateVersionFactory, UserFactory
from tests.letters_helpers import pdf_text
from tests.usage_files import csv_bytes, five_hundred_rows, seeded_licence
from warnings_app import services
from warnings_app.domain.letters.language import template_problems
from warnings_app.domain.roles import LEGAL, PARALEGAL
from warnings_app.models import AuditEvent, Notice, UsageFinding
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services.errors import NoticeStateError, ServiceError
from warnings_app.services.rendering import stored_pdf_bytes
from warnings_app.services.usage_findings import usage_finding_notice
from warnings_app.services.usage_reports import usage_report_import

pytestmark = pytest.mark.django_db

BODY = (
    "Dear {{ recipient.legal_name }},\n\nUnder licence {{ licence.reference }} "
    "({{ licence.uses }}) your usage report showed:\n\n"
    "{% for finding in licence.findings %}Row {{ finding.line }}: {{ finding.kind }}. "
    "{{ finding.detail }}\n{% endfor %}\n"
    "{% for work in works %}{{ work.title }} by {{ work.artist }}\n{% endfor %}"
)


@pytest.fixture
def finding():
    seeded = five_hundred_rows(seeded_licence())
    usage_report_import(
        licence=seeded.licence,
        file_bytes=csv_bytes(seeded.rows),
        filename="usage.csv",
        period_start=seeded.period_start,
        period_end=seeded.period_end,
        by=UserFactory(role=PARALEGAL),
    )
    return UsageFinding.objects.get(kind="use_not_granted", row__line=120)


def test_a_finding_becomes_a_rendered_letter_about_the_licence(finding):
    lawyer = UserFactory(role=LEGAL)
    version = TemplateVersionFactory(body=BODY)

    notice = usage_finding_notice(finding=finding, template_version=version, by=lawyer)

    assert notice.status == NoticeStatus.RENDERED
    assert notice.licence == finding.licence
    assert notice.company == finding.licence.company
    assert list(notice.works.all()) == [finding.row.work]
    finding.refresh_from_db()
    assert finding.notice == notice
    data = notice.merge_data["licence"]
    assert data["reference"] == finding.licence.reference
    assert data["findings"] == [{"kind": "Use not granted", "detail": finding.detail, "line": 120}]
    text = pdf_text(stored_pdf_bytes(notice))
    assert finding.licence.reference in text
    assert "The licence does not grant fine-tuning." in text
    assert finding.row.work.title in text
    assert AuditEvent.objects.filter(
        verb="usage_finding.notice_made", target_id=str(finding.pk)
    ).exists()


def test_the_letter_then_needs_a_second_persons_approval(finding):
    lawyer = UserFactory(role=LEGAL)
    notice = usage_finding_notice(
        finding=finding, template_version=TemplateVersionFactory(body=BODY), by=lawyer
    )

    with pytest.raises(NoticeStateError):
        services.notice_approve(notice=notice, by=lawyer)
    approved = services.notice_approve(notice=notice, by=UserFactory(role=LEGAL))

    assert approved.status == NoticeStatus.APPROVED


def test_a_finding_makes_one_letter_only(finding):
    version = TemplateVersionFactory(body=BODY)
    usage_finding_notice(finding=finding, template_version=version, by=UserFactory(role=LEGAL))
    stale = UsageFinding.objects.get(pk=finding.pk)
    stale.notice = None  # as a second lawyer's page still saw it

    with pytest.raises(ServiceError, match="already"):
        usage_finding_notice(finding=stale, template_version=version, by=UserFactory(role=LEGAL))

    assert Notice.objects.count() == 1


def test_a_template_may_name_the_licence_and_its_findings():
    assert template_problems(BODY, allow_html=False) == []
    assert template_problems("{{ licence.fee }}", allow_html=False) != []
