import csv
import io
from datetime import date, datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import CompanyFactory, UserFactory, make_notice
from warnings_app.models import AuditEvent, Notice, Response
from warnings_app.reports.exports import FORMULA_STARTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    client.force_login(UserFactory(role="Manager"))
    return client


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def _xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_formula_trigger_is_neutralised_in_csv_and_xlsx(manager, start):
    hostile = f'{start}HYPERLINK("http://evil.example","click")'
    make_notice(company=CompanyFactory(legal_name=hostile))

    as_csv = _csv_rows(manager.get(reverse("export", args=["notices", "csv"])))
    response = manager.get(reverse("export", args=["notices", "xlsx"]))
    as_xlsx = _xlsx_rows(response)
    cell = load_workbook(io.BytesIO(response.content)).active["B2"]

    assert as_csv[1][1] == "'" + hostile
    # XML may turn a carriage return into a line feed (openpyxl's own writer does, lxml's does
    # not); what matters is the apostrophe before it.
    assert as_xlsx[1][1].replace("\r", "\n") == ("'" + hostile).replace("\r", "\n")
    assert cell.data_type == "s"  # a string, never a formula


def test_an_export_has_the_filtered_rows_only_and_is_audited(manager):
    wanted = make_notice(company=CompanyFactory(segment="voice_cloning", country="FR"))
    make_notice(company=CompanyFactory(segment="platform", country="FR"))

    response = manager.get(
        reverse("export", args=["notices", "xlsx"]), {"segment": "voice_cloning"}
    )

    rows = _xlsx_rows(response)
    assert rows[0][:3] == ["Reference", "Company", "Company domain"]
    assert [r[0] for r in rows[1:]] == [wanted.reference]
    assert 'filename="notices-' in response["Content-Disposition"]
    event = AuditEvent.objects.get(verb="export.downloaded")
    assert event.data["filters"] == {"segment": "voice_cloning"}


def test_bad_filters_are_refused_with_the_reason(manager):
    response = manager.get(
        reverse("export", args=["replies", "csv"]), {"since": "2026-12-01", "until": "2026-01-01"}
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")  # a page, not bare text
    assert 'data-testid="export-refused"' in response.content.decode()
    assert "start date is after the end date" in response.content.decode()
    assert not AuditEvent.objects.filter(verb="export.downloaded").exists()


def test_paralegals_cannot_export(client):
    client.force_login(UserFactory(role="Paralegal"))

    assert client.get(reverse("export", args=["notices", "csv"])).status_code == 403


def test_a_date_range_chooses_matters_by_their_first_letter_with_every_reminder(manager):
    """ "Sent from/until" chooses matters by the day their first letter went out, as the
    dashboard counts them; a reminder comes with its first letter whatever day it was sent."""
    company, approver = CompanyFactory(), UserFactory(role="Legal")
    march = make_notice(company=company)
    march_reminder = make_notice(company=company, follows=march)
    february = make_notice(company=company)
    february_reminder = make_notice(company=company, follows=february)
    never_sent = make_notice(company=company)
    for letter, month in (
        (march, 3),
        (march_reminder, 4),  # after the range, but its matter is March's
        (february, 2),
        (february_reminder, 3),  # in the range, but its matter is February's
    ):
        sent_at = timezone.make_aware(datetime.combine(date(2026, month, 10), time(10)))
        Notice.objects.filter(pk=letter.pk).update(
            status="sent", sent_at=sent_at, approved_by=approver
        )
    for letter in (march_reminder, february_reminder, never_sent):
        Response.objects.create(
            notice=letter, company=company, channel="email", received_at=timezone.now()
        )
    march_only = {"since": "2026-03-01", "until": "2026-03-31"}

    notices = _csv_rows(manager.get(reverse("export", args=["notices", "csv"]), march_only))
    replies = _csv_rows(manager.get(reverse("export", args=["replies", "csv"]), march_only))

    assert [row[0] for row in notices[1:]] == [march.reference, march_reminder.reference]
    assert [row[1] for row in replies[1:]] == [march_reminder.reference]


def test_an_xlsx_export_has_labels_typed_dates_and_a_frozen_header(manager):
    notice = make_notice(company=CompanyFactory(segment="voice_cloning", country="FR"))
    sent_at = timezone.make_aware(datetime.combine(date(2026, 3, 10), time(14, 30)))
    Notice.objects.filter(pk=notice.pk).update(
        status="needs_reconciliation",
        sent_at=sent_at,
        due_date=date(2026, 4, 9),
        approved_by=UserFactory(role="Legal"),
    )

    response = manager.get(reverse("export", args=["notices", "xlsx"]))

    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    assert header[:7] == [
        "Reference",
        "Company",
        "Company domain",
        "Country",
        "Segment",
        "Campaign",
        "Status",
    ]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert row["Status"].value == "Needs reconciliation"
    assert row["Country"].value == "France"
    assert row["Segment"].value == "Voice cloning"
    assert row["Sent"].value == timezone.localtime(sent_at).replace(tzinfo=None)
    assert row["Sent"].is_date
    assert row["Reply due"].value == datetime.combine(date(2026, 4, 9), time())  # a day, in Excel
    assert row["Reply due"].number_format == "yyyy-mm-dd"


def test_a_csv_export_has_the_same_labels_with_dates_as_text(manager):
    notice = make_notice()
    Notice.objects.filter(pk=notice.pk).update(
        status="sent", due_date=date(2026, 4, 9), approved_by=UserFactory(role="Legal")
    )

    rows = _csv_rows(manager.get(reverse("export", args=["notices", "csv"])))

    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Status"] == "Sent"
    assert row["Reply due"] == "2026-04-09"
    assert "legal_name" not in rows[0]
