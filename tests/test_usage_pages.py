"""The usage report pages: upload, what a report showed, a licence's findings, and a letter from
a finding — as a paralegal, a lawyer and a manager use them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import TemplateVersionFactory, UserFactory
from tests.test_usage_findings import BODY
from tests.usage_files import csv_bytes, five_hundred_rows, seeded_licence, workbook_bytes
from warnings_app.domain.roles import LEGAL, MANAGER, PARALEGAL
from warnings_app.models import Notice, UsageFinding, UsageReport, UsageRow
from warnings_app.models.lifecycle import NoticeStatus

pytestmark = pytest.mark.django_db


def _post(client, seeded, content, name="usage.csv"):
    return client.post(
        reverse("usage_report_upload", args=[seeded.licence.pk]),
        {
            "period_start": seeded.period_start.isoformat(),
            "period_end": seeded.period_end.isoformat(),
            "file": SimpleUploadedFile(name, content),
        },
    )


@pytest.fixture
def seeded():
    return five_hundred_rows(seeded_licence())


def test_a_paralegal_imports_a_report_and_sees_the_exact_rows_found(client, seeded):
    client.force_login(UserFactory(role=PARALEGAL))

    response = _post(client, seeded, workbook_bytes(seeded.rows), "usage.xlsx")

    report = UsageReport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("usage_report_detail", args=[report.pk])
    page = client.get(response.url).content.decode()
    assert "Work outside the licence&#x27;s scope: <strong>4</strong>" in page
    assert "Use not granted: <strong>3</strong>" in page
    assert "Mara Quell reserved this work" in page
    assert page.count("<tr>") - 1 == 10  # the header row, then exactly the 10 rows found
    assert "Make a letter" not in page  # only Legal makes letters


def test_the_same_file_again_is_refused_with_when_and_by_whom(client, seeded):
    client.force_login(UserFactory(role=PARALEGAL, username="pat"))
    _post(client, seeded, csv_bytes(seeded.rows))

    response = _post(client, seeded, csv_bytes(seeded.rows))

    assert response.status_code == 400
    assert b"already imported on" in response.content
    assert b"by pat" in response.content
    assert UsageReport.objects.count() == 1


def test_a_bad_row_shows_each_problem_keeps_the_dates_and_stores_nothing(client, seeded):
    client.force_login(UserFactory(role=PARALEGAL))
    seeded.rows[10][7] = "lots"

    response = _post(client, seeded, csv_bytes(seeded.rows))

    assert response.status_code == 400
    page = response.content.decode()
    assert "<td>12</td><td>count</td><td>Not a count" in page
    assert f'value="{seeded.period_start.isoformat()}"' in page
    assert not UsageRow.objects.exists()


def test_a_lawyer_makes_a_rendered_letter_from_a_finding(client, seeded):
    client.force_login(UserFactory(role=PARALEGAL))
    _post(client, seeded, csv_bytes(seeded.rows))
    finding = UsageFinding.objects.get(kind="out_of_scope", row__line=37)
    version = TemplateVersionFactory(body=BODY)
    client.force_login(UserFactory(role=LEGAL))

    form = client.get(reverse("usage_finding_notice", args=[finding.pk]))
    response = client.post(
        reverse("usage_finding_notice", args=[finding.pk]), {"template_version": version.pk}
    )

    notice = Notice.objects.get()
    assert form.status_code == 200
    assert response.url == reverse("notice_detail", args=[notice.pk])
    assert notice.status == NoticeStatus.RENDERED
    assert notice.licence == seeded.licence
    again = client.post(
        reverse("usage_finding_notice", args=[finding.pk]), {"template_version": version.pk}
    )
    assert b"already been made" in again.content
    assert Notice.objects.count() == 1


def test_no_template_chosen_is_a_clear_error_and_makes_nothing(client, seeded):
    client.force_login(UserFactory(role=PARALEGAL))
    _post(client, seeded, csv_bytes(seeded.rows))
    finding = UsageFinding.objects.first()
    client.force_login(UserFactory(role=LEGAL))

    response = client.post(reverse("usage_finding_notice", args=[finding.pk]), {})

    assert response.status_code == 400
    assert b"This field is required" in response.content
    assert not Notice.objects.exists()


def test_a_manager_reads_the_findings_in_a_bounded_number_of_queries(
    client, seeded, django_assert_max_num_queries
):
    client.force_login(UserFactory(role=PARALEGAL))
    _post(client, seeded, csv_bytes(seeded.rows))
    client.force_login(UserFactory(role=MANAGER))

    with django_assert_max_num_queries(25):
        response = client.get(reverse("licence_findings", args=[seeded.licence.pk]))

    assert response.status_code == 200
    assert response.content.count(b"<strong>") >= 10
    assert b"What this comparison cannot know" in response.content
