"""Importing a licensee's usage report: the rows the licence does not allow are found, exactly;
the same file again changes nothing; one bad row and nothing is stored."""

from datetime import timedelta

import pytest

from tests.factories import UserFactory
from tests.usage_files import (
    HEADER,
    csv_bytes,
    five_hundred_rows,
    seeded_licence,
    workbook_bytes,
)
from warnings_app.domain.roles import PARALEGAL
from warnings_app.models import AuditEvent, UsageFinding, UsageReport, UsageRow
from warnings_app.services.usage_reports import usage_report_import

pytestmark = pytest.mark.django_db


def _import(seeded, content, *, by=None, filename="usage.csv"):
    return usage_report_import(
        licence=seeded.licence,
        file_bytes=content,
        filename=filename,
        period_start=seeded.period_start,
        period_end=seeded.period_end,
        by=by or UserFactory(role=PARALEGAL),
    )


def _counts():
    return (
        UsageReport.objects.count(),
        UsageRow.objects.count(),
        UsageFinding.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_500_row_report_finds_exactly_the_rows_the_licence_does_not_allow(kind):
    seeded = five_hundred_rows(seeded_licence(), dates_as_cells=kind == "xlsx")
    content = csv_bytes(seeded.rows) if kind == "csv" else workbook_bytes(seeded.rows)

    result = _import(seeded, content, filename=f"usage.{kind}")

    assert result.report.ok, result.report.as_text()
    assert result.report.kind == kind
    report = result.usage_report
    assert report.rows == 500
    assert report.lines.count() == 500
    found = {(f.row.line, f.kind) for f in UsageFinding.objects.filter(report=report)}
    assert found == seeded.expected
    assert result.report.counts == {
        "rows": 500,
        "out_of_scope": 4,
        "use_not_granted": 3,
        "reserved_artist": 2,
        "unknown_work": 1,
        "outside_term": 0,
        "report_overdue": 0,
    }
    event = AuditEvent.objects.get(verb="usage_report.imported")
    assert event.data["sha256"] == report.sha256


def test_rows_naming_works_by_title_and_artist_find_them_whatever_the_case_and_spacing():
    seeded = five_hundred_rows(seeded_licence())

    report = _import(seeded, csv_bytes(seeded.rows)).usage_report

    by_name = report.lines.get(line=10)
    assert by_name.isrc == ""
    assert by_name.work == seeded.included[10 % 40]


def test_a_reserved_artists_finding_names_the_artist_and_the_date_even_for_included_works():
    seeded = five_hundred_rows(seeded_licence())

    report = _import(seeded, csv_bytes(seeded.rows)).usage_report

    finding = UsageFinding.objects.get(report=report, row__line=250)
    assert finding.kind == "reserved_artist"
    assert "Mara Quell" in finding.detail
    assert f"{seeded.reserved_from:%d/%m/%Y}" in finding.detail


def test_a_reservation_that_took_effect_after_the_period_is_no_finding():
    seeded = seeded_licence()
    rows = [
        [
            "",
            seeded.reserved[0].iswc,
            "",
            "",
            "training",
            seeded.period_start.isoformat(),
            (seeded.reserved_from - timedelta(days=1)).isoformat(),
            5,
        ]
    ]

    result = _import(seeded, csv_bytes(rows))

    assert result.report.ok
    assert not UsageFinding.objects.exists()


def test_the_same_file_again_changes_nothing_and_says_when_and_by_whom():
    seeded = five_hundred_rows(seeded_licence())
    first_by = UserFactory(role=PARALEGAL, username="pat")
    first = _import(seeded, csv_bytes(seeded.rows), by=first_by)
    someone_else = UserFactory(role=PARALEGAL)
    before = _counts()

    again = _import(seeded, csv_bytes(seeded.rows), by=someone_else)

    assert _counts() == before
    assert again.usage_report is None
    assert again.already == first.usage_report
    assert "already imported on" in again.report.refused
    assert "pat" in again.report.refused


def test_different_bytes_are_a_new_report():
    seeded = five_hundred_rows(seeded_licence())
    _import(seeded, csv_bytes(seeded.rows))

    second = _import(seeded, csv_bytes(seeded.rows[:-1]))

    assert second.usage_report is not None
    assert UsageReport.objects.count() == 2


def test_one_bad_row_stores_nothing_and_the_report_names_each_bad_row():
    seeded = five_hundred_rows(seeded_licence())
    seeded.rows[41][7] = "-3"  # line 43
    seeded.rows[99][4] = "mining"  # line 101
    seeded.rows[199][5] = "31/02/2026"  # line 201
    by = UserFactory(role=PARALEGAL)
    before = _counts()

    result = _import(seeded, csv_bytes(seeded.rows), by=by)

    assert _counts() == before
    assert not result.report.ok
    assert result.usage_report is None
    problems = {(p.row, p.column) for p in result.report.problems}
    assert problems == {(43, "count"), (101, "use"), (201, "period_start")}
    assert "Unknown use “mining”" in result.report.as_text()


def test_rows_outside_the_reports_period_or_the_licence_are_refused():
    seeded = seeded_licence()
    before_licence = seeded.period_start - timedelta(days=1)
    after_report = seeded.period_end + timedelta(days=1)
    work = seeded.included[0]
    rows = [
        [work.isrc, "", "", "", "training", seeded.period_start, after_report, 1],
        [work.isrc, "", "", "", "training", before_licence, seeded.period_end, 1],
    ]

    result = _import(seeded, csv_bytes(rows))

    reasons = [p.reason for p in result.report.problems]
    assert [p.row for p in result.report.problems] == [2, 3]
    assert "outside the report's period" in reasons[0]
    assert "outside the report's period" in reasons[1]
    assert not UsageRow.objects.exists()


def test_a_report_period_with_no_day_in_the_licence_is_refused():
    seeded = seeded_licence()
    before = seeded.licence.starts_on - timedelta(days=1)

    result = usage_report_import(
        licence=seeded.licence,
        file_bytes=csv_bytes([]),
        filename="u.csv",
        period_start=before - timedelta(days=30),
        period_end=before,
        by=UserFactory(role=PARALEGAL),
    )

    assert "ends before the licence began" in result.report.refused
    assert not UsageReport.objects.exists()


def test_use_outside_the_licence_term_is_a_finding_not_a_refusal():
    """Use before the licence began is the most serious unlicensed use: the row is kept and
    found, the rest of the report is checked as usual."""
    seeded = seeded_licence()
    early = seeded.licence.starts_on - timedelta(days=5)
    work = seeded.included[0]
    rows = [
        [work.isrc, "", "", "", "training", early.isoformat(), early.isoformat(), 7],
        [
            work.isrc,
            "",
            "",
            "",
            "training",
            seeded.period_start.isoformat(),
            seeded.period_end.isoformat(),
            3,
        ],
    ]

    result = usage_report_import(
        licence=seeded.licence,
        file_bytes=csv_bytes(rows),
        filename="u.csv",
        period_start=early,
        period_end=seeded.period_end,
        by=UserFactory(role=PARALEGAL),
    )

    assert result.usage_report is not None, result.report.refused
    found = list(UsageFinding.objects.values_list("row__line", "kind", "detail"))
    assert [(line, kind) for line, kind, _ in found] == [(2, "outside_term")]
    assert "starts before the licence began" in found[0][2]


def test_a_missing_required_column_refuses_the_file():
    seeded = seeded_licence()
    header = [h for h in HEADER if h != "Count"]

    result = _import(seeded, csv_bytes([["GBAYE2600001", "", "", "", "training", "", ""]], header))

    assert "Required column missing: count" in result.report.refused
    assert not UsageReport.objects.exists()
