"""Importing companies and contacts: the report, de-duplication, encodings, all-or-nothing."""

import csv
import io

import openpyxl
import pytest
from django.db import IntegrityError

from tests.factories import CompanyFactory, ContactFactory, UserFactory
from warnings_app.models import AuditEvent, Company, Contact, Tag
from warnings_app.services import companies as company_services
from warnings_app.services.imports.columns import ALL_COLUMNS
from warnings_app.services.imports.companies import companies_import

pytestmark = pytest.mark.django_db

GOOD_ROWS = 2000
DISTINCT = 1980  # the last 20 rows add a second contact to companies 0..19
BAD = {  # data row index -> (column, cell value that is wrong there)
    5: ("legal_name", ""),
    70: ("country", "Atlantis"),
    135: ("website", '=HYPERLINK("http://evil.example")'),
    200: ("contact_email", "not-an-email"),
    265: ("contact_phone", "call me maybe"),
    330: ("segment", "banana"),
    395: ("domain", "bad domain!"),
    460: ("notes", "x" * 2001),
    525: ("legal_name", "Nul\x00 Records"),
    590: ("parent_domain", "nowhere.example"),
    655: ("city", ""),
    720: ("contact_role", "boss"),
    785: ("tags", "@evil"),
    850: ("aliases", ";".join(f"Alias {n}" for n in range(21))),
    915: ("notes", "-1+2"),
}
BAD.update({index + 1000: bad for index, bad in BAD.items()})
COUNTRIES = ["DE", "FR", "GB", "Germany", "united states of america"]
SEGMENTS = ["generative_music", "Foundation model", "voice_cloning", "platform", ""]


def company_row(i: int) -> dict[str, str]:
    n = i if i < DISTINCT else i - DISTINCT
    contact = "legal" if i < DISTINCT else "general"
    return {
        "legal_name": f"Company {n} Records Ltd",
        "aliases": f"C{n};Company {n}",
        "website": f"https://www.company-{n}.example/about",
        "domain": "",
        "country": COUNTRIES[n % 5],
        "segment": SEGMENTS[n % 5],
        "parent_domain": "company-1.example" if n % 100 == 50 else "",
        "tags": f"wave-1;batch-{n % 5}",
        "notes": f"Seen training on catalogue {n}.",
        "contact_role": "legal_notices" if i < DISTINCT else "General",
        "contact_name": "Legal Department" if i < DISTINCT else "Front desk",
        "contact_title": "",
        "contact_email": f"{contact}@company-{n}.example",
        "contact_phone": f"+49 30 1234{n:04d}",
        "address_line1": f"{n} Example Street",
        "address_line2": "",
        "city": "Berlin",
        "region": "",
        "postal_code": "10115",
        "contact_country": "DE",
    }


def generated_rows(*, bad: bool) -> list[dict[str, str]]:
    rows = [company_row(i) for i in range(GOOD_ROWS)]
    if bad:
        for index, (column, value) in BAD.items():
            rows[index][column] = value
    return rows


def as_csv(rows: list[dict[str, str]], header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or list(ALL_COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def as_xlsx(rows: list[dict[str, str]], header: list[str] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    columns = header or list(ALL_COLUMNS)
    sheet.append(columns)
    for row in rows:
        # openpyxl refuses NUL in cells; a spreadsheet program would too, so leave that one out
        sheet.append([row.get(c, "").replace("\x00", "") or None for c in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def register_counts() -> dict[str, int]:
    return {
        "companies": Company.objects.count(),
        "contacts": Contact.objects.count(),
        "tags": Tag.objects.count(),
        # Not the account.* events of the importing user the test makes: the import's own.
        "audit": AuditEvent.objects.exclude(verb__startswith="account.").count(),
    }


def register_snapshot() -> list[tuple]:
    companies = Company.objects.order_by("pk").values_list(
        "pk",
        "legal_name",
        "aliases",
        "website",
        "domain",
        "country",
        "segment",
        "parent_id",
        "notes",
        "updated_at",
    )
    contacts = Contact.objects.order_by("pk").values_list()
    return [*companies, *contacts]


def run(data: str | bytes, *, commit: bool, filename: str = "companies.csv", encoding=""):
    raw = data.encode() if isinstance(data, str) else data
    return companies_import(
        file_bytes=raw, filename=filename, encoding=encoding, by=UserFactory(), commit=commit
    )


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_2000_row_file_with_30_bad_rows_lists_all_30_and_commits_nothing(kind):
    rows = generated_rows(bad=True)
    if kind == "xlsx":
        for index in (525, 1525):  # a workbook cannot hold NUL: a real formula cell instead
            rows[index]["legal_name"] = '=CONCAT("Nul", " Records")'
        data, expected_525 = as_xlsx(rows), "Looks like a formula"
    else:
        data, expected_525 = as_csv(rows), "NUL"
    before = register_counts()

    report = run(data, commit=True, filename=f"companies.{kind}")

    assert report.rows == GOOD_ROWS
    assert not report.committed
    assert {(p.row, p.column) for p in report.problems} == {
        (index + 2, column) for index, (column, _value) in BAD.items()
    }
    assert len(report.problems) == 30
    reasons = {p.row: p.reason for p in report.problems}
    assert expected_525 in reasons[527]
    assert "Atlantis" in reasons[72]
    assert "formula" in reasons[137]
    assert "2,001 characters" in reasons[462]
    assert "nowhere.example" in reasons[592]
    assert register_counts() == before


def test_the_corrected_file_commits_everything_and_a_second_import_changes_nothing():
    CompanyFactory(legal_name="Company 7 Records GmbH", domain="", country="DE")  # by name
    data = as_csv(generated_rows(bad=False))
    user = UserFactory(username="importer")

    report = companies_import(
        file_bytes=data.encode(), filename="good.csv", encoding="", by=user, commit=True
    )

    assert report.ok
    assert report.committed
    assert report.counts == {
        "companies_create": DISTINCT - 1,
        "companies_update": 1,
        "companies_unchanged": 0,
        "contacts_create": GOOD_ROWS,
        "contacts_update": 0,
        "contacts_unchanged": 0,
    }
    assert Company.objects.count() == DISTINCT
    acme = Company.objects.get(domain="company-150.example")
    assert acme.legal_name == "Company 150 Records Ltd"
    assert acme.country.code == "DE"
    assert acme.segment == "generative_music"
    assert acme.website == "https://www.company-150.example/about"
    assert acme.alias_list == ["C150", "Company 150"]
    assert acme.parent.domain == "company-1.example"
    assert sorted(t.name for t in acme.tags.all()) == ["batch-0", "wave-1"]
    assert Company.objects.get(domain="company-4.example").country.code == "US"
    merged = Company.objects.get(domain="company-7.example")
    assert merged.legal_name == "Company 7 Records GmbH"  # same name key: kept as registered
    assert {c.email for c in Contact.objects.filter(company=merged)} == {
        "legal@company-7.example",
        "general@company-7.example",
    }
    general = Contact.objects.get(email="general@company-3.example")
    assert general.role == "general"
    assert general.city == "Berlin"
    assert AuditEvent.objects.filter(verb="company.created").count() == DISTINCT - 1
    assert AuditEvent.objects.filter(verb="contact.created").count() == GOOD_ROWS
    summary = AuditEvent.objects.get(verb="import.committed")
    assert summary.actor == user
    assert summary.data["sha256"] == report.sha256
    assert summary.data["counts"]["companies_create"] == DISTINCT - 1

    imports = AuditEvent.objects.exclude(verb__startswith="account.")  # not the importer's user
    snapshot, audit_before = register_snapshot(), imports.count()
    again = run(data, commit=True, filename="good.csv")

    assert again.committed
    assert not again.changes_anything
    assert {r.action for r in again.plan} == {"unchanged", "merge"}
    assert register_snapshot() == snapshot
    new_events = imports.filter(pk__gt=summary.pk).exclude(verb="import.committed")
    assert not new_events.exists()
    assert imports.count() == audit_before + 1  # only the second import's summary


NAMES_CSV = (
    "legal_name,country,domain\r\n"
    "Müller Tonträger GmbH,DE,mueller-tontraeger.de\r\n"
    "Société Générale de Son,FR,sgs.fr\r\n"
)


@pytest.mark.parametrize(
    ("encoding", "raw"),
    [
        ("utf-8", NAMES_CSV.encode("utf-8")),
        ("utf-8-sig", NAMES_CSV.encode("utf-8-sig")),
        ("utf-16", NAMES_CSV.encode("utf-16")),
        ("cp1252", NAMES_CSV.encode("latin-1")),
    ],
)
def test_the_same_names_come_out_of_every_supported_encoding(encoding, raw):
    report = run(raw, commit=True)

    assert report.committed, report.as_text()
    assert report.encoding == encoding
    assert sorted(Company.objects.values_list("legal_name", flat=True)) == [
        "Müller Tonträger GmbH",
        "Société Générale de Son",
    ]


def test_a_file_whose_encoding_cannot_be_told_asks_and_commits_nothing():
    raw = "legal_name,country\r\nKøbenhavns Lydstudie ApS,DK\r\n".encode("latin-1")

    report = run(raw, commit=True)

    assert report.refused
    assert not report.committed
    assert set(report.encodings) == {"cp1252", "cp1250"}
    assert Company.objects.count() == 0
    chosen = run(raw, commit=True, encoding="cp1252")
    assert chosen.committed
    assert Company.objects.get().legal_name == "Københavns Lydstudie ApS"


def test_a_wrong_explicit_encoding_is_refused_not_garbled():
    raw = "legal_name,country\r\nŽluťoučký kůň s.r.o.,CZ\r\n".encode("cp1250")

    assert run(raw, commit=True, encoding="utf-8").refused
    assert run(raw, commit=False).encoding == "cp1250"  # only Windows-1250 reads it sensibly
    assert Company.objects.count() == 0


def test_missing_required_headers_refuse_the_file_and_unknown_ones_are_reported():
    refused = run("name,country\r\nAcme,DE\r\n", commit=True)
    warned = run(" Legal Name ,COUNTRY,Favourite colour\r\nAcme,DE,blue\r\n", commit=False)

    assert "legal_name" in refused.refused
    assert not refused.committed
    assert warned.ok
    assert [(w.row, w.column) for w in warned.warnings] == [(1, "Favourite colour")]


def test_an_update_lists_only_the_fields_that_change_and_never_erases():
    company = CompanyFactory(
        legal_name="Acme AI Ltd", domain="acme.ai", country="GB", notes="keep", aliases="Acme"
    )
    contact = ContactFactory(company=company, email="legal@acme.ai", phone="", city="")
    data = (
        "legal_name,country,domain,segment,notes,aliases,contact_email,contact_phone\r\n"
        "Acme AI Ltd,GB,https://www.acme.ai,platform,,Acme;Acme Sound,legal@ACME.ai,+44 20 1\r\n"
    )

    report = run(data, commit=True)

    assert report.committed
    row = report.plan[0]
    assert (row.action, row.changes) == ("update", ["aliases", "segment"])
    assert (row.contact, row.contact_changes) == ("update", ["phone"])
    company.refresh_from_db()
    assert company.notes == "keep"
    assert company.alias_list == ["Acme", "Acme Sound"]
    event = AuditEvent.objects.get(verb="company.updated", target_id=str(company.pk))
    assert set(event.data["changes"]) == {"aliases", "segment"}
    contact.refresh_from_db()
    assert contact.phone == "+44 20 1"


def test_rows_are_merged_with_the_register_and_within_the_file():
    registered = CompanyFactory(legal_name="Acme AI Limited", domain="", country="GB")
    data = (
        "legal_name,country,domain,contact_email\r\n"
        "ACME A.I. Ltd,GB,acme.ai,legal@acme.ai\r\n"  # same name key as the registered one
        "Acme AI,GB,,counsel@acme.ai\r\n"  # same company again, no domain
        "Beta Sound,DE,beta.de,\r\n"
        "Beta Sound GmbH,DE,beta.de,\r\n"
    )

    report = run(data, commit=True)

    assert report.committed, report.as_text()
    assert [(r.row, r.action) for r in report.plan] == [
        (2, "update"),
        (3, "merge"),
        (4, "create"),
        (5, "merge"),
    ]
    assert report.plan[0].target == "Acme AI Limited (same name)"
    registered.refresh_from_db()
    assert registered.domain == "acme.ai"
    assert registered.contacts.count() == 2
    assert Company.objects.count() == 2


def test_rows_that_disagree_about_one_company_are_a_problem_not_a_choice():
    data = "legal_name,country,domain\r\nBeta Sound,DE,beta.de\r\nBeta Sound,AT,beta.de\r\n"

    report = run(data, commit=True)

    assert [(p.row, p.column) for p in report.problems] == [(3, "country")]
    assert Company.objects.count() == 0


def test_phone_numbers_may_start_with_plus_but_formulas_are_refused():
    data = (
        "legal_name,country,contact_email,contact_phone,notes\r\n"
        "Alpha,DE,a@alpha.de,+49 30 123456,\r\n"
        "Beta,DE,b@beta.de,+cmd|' /C calc'!A0,\r\n"
        "Gamma,DE,c@gamma.de,,@SUM(1)\r\n"
    )

    report = run(data, commit=False)

    assert [(p.row, p.column) for p in report.problems] == [
        (3, "contact_phone"),
        (4, "notes"),
    ]


def test_a_failure_in_the_middle_of_a_commit_writes_nothing(monkeypatch):
    calls = []
    real = company_services.contact_create

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise IntegrityError("duplicate key value violates unique constraint")
        return real(**kwargs)

    monkeypatch.setattr("warnings_app.services.imports.companies.contact_create", flaky)
    before = register_counts()
    data = as_csv(generated_rows(bad=False)[:10])

    report = run(data, commit=True)

    assert not report.committed
    assert report.problems
    assert register_counts() == before


def test_the_command_previews_by_default_and_commits_on_request(tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    path = tmp_path / "companies.csv"
    path.write_bytes(NAMES_CSV.encode("latin-1"))
    out = io.StringIO()

    call_command("import_companies", str(path), stdout=out)

    assert "Dry run" in out.getvalue()
    assert "row 2: Müller Tonträger GmbH: create" in out.getvalue()
    assert Company.objects.count() == 0
    call_command("import_companies", str(path), "--commit", "--encoding", "cp1252", stdout=out)
    assert Company.objects.count() == 2
    (tmp_path / "bad.csv").write_text("name\r\nx\r\n")
    with pytest.raises(CommandError):
        call_command("import_companies", str(tmp_path / "bad.csv"), stdout=io.StringIO())
