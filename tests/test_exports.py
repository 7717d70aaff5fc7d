import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import CompanyFactory, UserFactory, make_notice
from warnings_app.models import AuditEvent
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
    # XML turns a carriage return into a line feed; what matters is the apostrophe before it.
    assert as_xlsx[1][1] == ("'" + hostile).replace("\r", "\n")
    assert cell.data_type == "s"  # a string, never a formula


def test_an_export_has_the_filtered_rows_only_and_is_audited(manager):
    wanted = make_notice(company=CompanyFactory(segment="voice_cloning", country="FR"))
    make_notice(company=CompanyFactory(segment="platform", country="FR"))

    response = manager.get(
        reverse("export", args=["notices", "xlsx"]), {"segment": "voice_cloning"}
    )

    rows = _xlsx_rows(response)
    assert rows[0][:3] == ["reference", "company", "company_domain"]
    assert [r[0] for r in rows[1:]] == [wanted.reference]
    assert 'filename="notices-' in response["Content-Disposition"]
    event = AuditEvent.objects.get(verb="export.downloaded")
    assert event.data["filters"] == {"segment": "voice_cloning"}


def test_bad_filters_are_refused_with_the_reason(manager):
    response = manager.get(
        reverse("export", args=["replies", "csv"]), {"since": "2026-12-01", "until": "2026-01-01"}
    )

    assert response.status_code == 400
    assert "start date is after the end date" in response.content.decode()
    assert not AuditEvent.objects.filter(verb="export.downloaded").exists()


def test_paralegals_cannot_export(client):
    client.force_login(UserFactory(role="Paralegal"))

    assert client.get(reverse("export", args=["notices", "csv"])).status_code == 403
