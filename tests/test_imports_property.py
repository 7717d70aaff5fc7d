"""Hostile and random files: the importer always answers with a report, and writes a file
completely or not at all."""

import io

import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from tests.factories import UserFactory
from warnings_app.integrations.spreadsheets import MAX_ROWS, ZIP_MAGIC
from warnings_app.models import Company, Contact
from warnings_app.services.imports.columns import ALL_COLUMNS
from warnings_app.services.imports.companies import companies_import
from warnings_app.services.imports.report import Report

pytestmark = pytest.mark.django_db

BOUNDED = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HEADERS = st.lists(
    st.sampled_from([*ALL_COLUMNS, "Legal Name", " COUNTRY ", "junk", "", "legal_name"]),
    min_size=0,
    max_size=8,
)
CELLS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "Acme AI Ltd",
            "DE",
            "Germany",
            "acme.ai",
            "https://www.acme.ai",
            "+49 30 123456",
            "legal@acme.ai",
            '=HYPERLINK("http://x")',
            "@SUM(A1)",
            "-2+3",
            "a\x00b",
            "x" * 100_000,
            "Müller Tonträger GmbH",
            "Société Générale de Son",
            "",
        ]
    ),
)
# Usually a header that could be imported, so the rows get checked and some files commit.
USABLE_HEADERS = st.one_of(HEADERS, HEADERS.map(lambda extra: ["legal_name", "country", *extra]))
ROWS = st.lists(
    st.one_of(
        st.lists(CELLS, max_size=9),
        st.tuples(
            st.sampled_from(["Acme AI Ltd", "Beta Sound"]), st.sampled_from(["DE", "FR"])
        ).map(list),
    ),
    max_size=25,
)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "cp1251", "latin-1"])


def _counts() -> tuple[int, int]:
    return Company.objects.count(), Contact.objects.count()


def _import_and_check(data: bytes, filename: str, encoding: str = "") -> Report:
    before = _counts()

    report = companies_import(
        file_bytes=data, filename=filename, encoding=encoding, by=None, commit=True
    )

    assert isinstance(report, Report)
    if currently_in_test_context():  # --hypothesis-show-statistics shows how many commit
        event("committed" if report.committed else "refused" if report.refused else "problems")
    after = _counts()
    if report.committed:
        assert report.ok
        created = (report.counts["companies_create"], report.counts["contacts_create"])
        assert (after[0] - before[0], after[1] - before[1]) == created
    else:
        assert after == before
        assert report.refused or report.problems
    return report


@BOUNDED
@given(data=st.binary(max_size=3000))
def test_random_bytes_never_raise_and_never_write_part_of_a_file(data):
    _import_and_check(data, "random.csv")


@BOUNDED
@given(
    header=USABLE_HEADERS,
    rows=ROWS,
    encoding=ENCODINGS,
    delimiter=st.sampled_from([",", ";", "\t"]),
    declared=st.sampled_from(["", "", "utf-8", "cp1252", "no-such-codec"]),
)
def test_hostile_csv_files_get_a_report_and_all_or_nothing(
    header, rows, encoding, delimiter, declared
):
    def line(cells):
        return delimiter.join('"' + c.replace('"', '""') + '"' for c in cells)

    text = "\r\n".join([line(header), *(line(r) for r in rows)])

    _import_and_check(text.encode(encoding, errors="replace"), "hostile.csv", declared)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=USABLE_HEADERS,
    rows=st.lists(st.lists(CELLS.filter(lambda c: "\x00" not in c), max_size=9), max_size=10),
)
def test_hostile_workbooks_get_a_report_and_all_or_nothing(header, rows):
    workbook = openpyxl.Workbook()
    for cells in [header, *rows]:
        workbook.active.append([_printable(c) or None for c in cells])
    out = io.BytesIO()
    workbook.save(out)

    _import_and_check(out.getvalue(), "hostile.xlsx")


def _printable(text: str) -> str:
    """openpyxl refuses control characters a spreadsheet program could not have saved."""
    return "".join(ch for ch in text if ch.isprintable() or ch in "\n\t")


@BOUNDED
@given(tail=st.binary(max_size=500))
def test_broken_zip_archives_are_refused(tail):
    report = _import_and_check(ZIP_MAGIC + tail, "broken.xlsx")

    assert report.refused


def test_empty_and_blank_files_are_refused():
    assert _import_and_check(b"", "empty.csv").refused
    assert _import_and_check(b"\r\n\r\n,,\r\n", "blank.csv").refused
    assert "legal_name" in _import_and_check(b"country\r\nDE\r\n", "x.csv").refused


def test_a_file_over_the_row_limit_is_refused_before_anything_is_checked():
    body = "".join(f"Company {i},DE\r\n" for i in range(MAX_ROWS + 1))

    report = _import_and_check(("legal_name,country\r\n" + body).encode(), "big.csv")

    assert "20,000" in report.refused


def test_a_valid_generated_file_is_committed_whole():
    UserFactory()
    body = "".join(f"Company {i} Ltd,DE,c{i}.example,l@c{i}.example\r\n" for i in range(50))
    data = ("legal_name,country,domain,contact_email\r\n" + body).encode()

    report = _import_and_check(data, "fifty.csv")

    assert report.committed
    assert _counts() == (50, 50)
