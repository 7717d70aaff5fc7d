"""The licence figures say the same on the dashboard, in the API and in the downloads, and agree
with what the rows say (tests/licence_figures_helpers.py works them out by hand); every number
on the dashboard opens exactly the rows it counts."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.api_helpers import api_client
from tests.factories import UserFactory
from tests.figures_pages_helpers import dashboard_read
from tests.licence_figures_helpers import EXPECTED, build
from tests.page_helpers import figure_shown
from warnings_app.models import AuditEvent
from warnings_app.models.licences import MatterStage

pytestmark = pytest.mark.django_db

STAGE_LABELS = dict(MatterStage.choices)


@pytest.fixture
def built():
    return build()


@pytest.fixture
def manager():
    client = Client()
    client.force_login(UserFactory(role="Manager"))
    return client


def _dashboard(client):
    """The page, the licence section's tiles {key: number shown} and every chart table."""
    html = client.get(reverse("dashboard")).content.decode()
    _letter_tiles, tables = dashboard_read(html)
    keys = re.findall(r'data-licence-tile="(\w+)"', html)
    tiles = {key: {"value": figure_shown(html, "licence-tile", key)} for key in keys}
    return html, tiles, tables


def _csv(client, table):
    response = client.get(reverse("licence_figures_export", args=[table, "csv"]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return {row[0]: row[1:] for row in rows}


def _stage_rows(table):
    return {label: table[label][0] for label in STAGE_LABELS.values()}


def test_talks_by_stage_agree_on_the_dashboard_the_api_and_the_download(built, manager):
    expected = {**EXPECTED["stages"], **EXPECTED["stages_closed"]}

    _html, tiles, tables = _dashboard(manager)
    api = api_client(UserFactory(role="Manager")).get("/api/v1/licence-figures/").json()
    download = _csv(manager, "licence_stages")

    shown = {STAGE_LABELS[s]: str(n) for s, n in expected.items()}
    assert _stage_rows(tables["licence_stages"]) == shown
    assert api["stages"] == expected
    assert {label: cells[0] for label, cells in download.items() if label != "Stage"} == shown
    assert tiles["licence_talks"]["value"] == "2"  # enquiry and term sheet: under way


def test_conversion_per_campaign_and_segment_agrees_everywhere(built, manager):
    _html, _tiles, tables = _dashboard(manager)
    api = api_client(UserFactory(role="Manager")).get("/api/v1/licence-figures/").json()
    by_campaign = _csv(manager, "conversion_campaign")
    by_segment = _csv(manager, "conversion_segment")

    for campaign, key in ((built.a, "campaign a"), (built.b, "campaign b")):
        sent, talks, signed = EXPECTED[key]
        cells = [str(sent), str(talks), str(signed)]
        assert tables["conversion_campaign"][campaign.name][:3] == cells
        assert by_campaign[campaign.name][:3] == cells
        api_row = next(r for r in api["conversion_by_campaign"] if r["key"] == str(campaign.pk))
        assert (api_row["sent"], api_row["talks"], api_row["signed"]) == EXPECTED[key]
    pct = tables["conversion_campaign"][built.a.name][3:]
    assert pct == ["75.0", "50.0"]  # 3 and 2 of 4
    for segment, label in (
        ("generative_music", "Generative music"),
        ("foundation_model", "Foundation model"),
        ("platform", "Platform"),
    ):
        cells = [str(n) for n in EXPECTED[segment]]
        assert tables["conversion_segment"][label][:3] == cells
        assert by_segment[label][:3] == cells
        api_row = next(r for r in api["conversion_by_segment"] if r["key"] == segment)
        assert (api_row["sent"], api_row["talks"], api_row["signed"]) == EXPECTED[segment]


def test_a_reply_asking_for_talks_that_ends_in_a_signed_licence_is_counted_as_converted(
    built, manager
):
    """The done-when case: the company's reply asked for talks, a paralegal opened them from
    it, a lawyer signed a licence: the company is among the campaign's signed companies."""
    url = reverse("licence_figures_conversion") + (f"?by=campaign&key={built.a.pk}&step=signed")

    listed = manager.get(url).content.decode()

    assert built.matters["asked"].reply.outcome == "requests_talks"
    assert "Asked Ltd" in listed
    assert "Twice Ltd" in listed
    assert "Enquiring Ltd" not in listed


def test_fees_by_currency_agree_everywhere(built, manager):
    _html, tiles, tables = _dashboard(manager)
    api = api_client(UserFactory(role="Manager")).get("/api/v1/licence-figures/").json()
    download = _csv(manager, "licence_fees")
    xlsx = manager.get(reverse("licence_figures_export", args=["licence_fees", "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    workbook_rows = {row[0]: row[1:] for row in sheet.iter_rows(min_row=2, values_only=True)}

    assert tiles["active_licences"]["value"] == str(EXPECTED["active"])
    assert api["active_licences"] == EXPECTED["active"]
    api_fees = {row["currency"]: row for row in api["fees"]}
    assert set(api_fees) == set(EXPECTED["fees"])
    for currency, (licences, amount) in EXPECTED["fees"].items():
        assert tables["licence_fees"][currency] == [str(licences), str(amount)]
        assert download[currency] == [str(licences), str(amount)]
        assert api_fees[currency]["licences"] == licences
        assert Decimal(api_fees[currency]["annualised"]) == amount
        assert workbook_rows[currency][0] == licences
        assert Decimal(str(workbook_rows[currency][1])) == amount
    assert tables["licence_fees"]["Fee not counted"][0] == str(EXPECTED["not_counted"])
    assert api["fees_not_counted"] == EXPECTED["not_counted"]


def test_overdue_usage_reports_agree_everywhere(built, manager):
    _html, tiles, tables = _dashboard(manager)
    api = api_client(UserFactory(role="Manager")).get("/api/v1/licence-figures/").json()
    download = _csv(manager, "overdue_reports")
    findings = api_client(UserFactory(role="Manager")).get(
        "/api/v1/usage-findings/", {"overdue": "true"}
    )

    assert tiles["overdue_reports"]["value"] == str(EXPECTED["overdue"])
    assert api["overdue_reports"] == EXPECTED["overdue"]
    assert findings.json()["count"] == EXPECTED["overdue"]
    share_min = built.licences["share_min"].reference
    assert tables["overdue_reports"][share_min][-1] == "2"
    assert download[share_min][-1] == "2"
    assert tables["overdue_reports"][built.licences["asked"].reference][-1] == "1"
    assert built.licences["twice"].reference not in tables["overdue_reports"]  # reported since


def _links(html: str) -> list[tuple[str, int]]:
    """Every linked number of the licence section: (url, number)."""
    section = html[html.index('data-testid="licence-figures"') :]
    found = re.findall(r'<a href="(/dashboard/licences/[^"]+)"[^>]*>(\d+)</a>', section)
    return [(url.replace("&amp;", "&"), int(n)) for url, n in found]


def test_every_number_opens_exactly_the_rows_it_counts(built, manager):
    html, _tiles, _tables = _dashboard(manager)

    links = _links(html)

    assert len(links) >= 20
    for url, number in links:
        page = manager.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        count = int(re.search(r'data-testid="result-count">(\d+) ', text).group(1))
        assert count == number, url
        assert text.count("<tr>") - 1 == number, url  # the header row, then one per row


def test_the_rows_of_a_stage_are_its_matters(built, manager):
    listed = manager.get(reverse("licence_figures_matters") + "?stage=term_sheet")

    assert "Early Ltd" in listed.content.decode()
    assert "Asked Ltd" not in listed.content.decode()


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("licence_figures_matters", "stage=nope"),
        ("licence_figures_conversion", "by=campaign&key=x&step=sent"),
        ("licence_figures_conversion", "by=campaign&key=999999&step=sent"),
        ("licence_figures_conversion", "by=segment&key=nope&step=sent"),
        ("licence_figures_conversion", "by=country&key=DE&step=talks"),
        ("licence_figures_conversion", "by=segment&key=platform&step=maybe"),
        ("licence_figures_licences", "currency=EURO"),
        ("licence_figures_overdue", "licence=-1"),
    ],
)
def test_a_list_asked_for_with_a_bad_filter_says_why(manager, name, query):
    response = manager.get(reverse(name) + f"?{query}")

    assert response.status_code == 400
    assert 'data-testid="rows-problem"' in response.content.decode()


def test_an_unknown_table_is_not_downloaded(manager):
    response = manager.get(reverse("licence_figures_export", args=["secrets", "csv"]))

    assert response.status_code == 400


def test_a_download_is_audited(built, manager):
    manager.get(reverse("licence_figures_export", args=["licence_stages", "xlsx"]))

    event = AuditEvent.objects.filter(verb="export.downloaded").latest("pk")
    assert event.data["kind"] == "licence_stages"


@pytest.mark.parametrize(
    "name", ["licence_figures_matters", "licence_figures_licences", "licence_figures_overdue"]
)
def test_a_rows_list_reads_in_a_few_queries(built, manager, django_assert_max_num_queries, name):
    with django_assert_max_num_queries(12):
        assert manager.get(reverse(name)).status_code == 200


def test_the_conversion_list_reads_in_a_few_queries(built, manager, django_assert_max_num_queries):
    url = reverse("licence_figures_conversion") + f"?by=campaign&key={built.a.pk}&step=talks"
    with django_assert_max_num_queries(12):
        assert manager.get(url).status_code == 200


def test_the_section_is_for_those_who_read_licences(built):
    admin = Client()
    admin.force_login(UserFactory(role="Admin"))

    html = admin.get(reverse("dashboard")).content.decode()

    assert 'data-testid="licence-figures"' not in html


def test_every_numbers_rows_download_with_as_many_rows(built, manager):
    html, _tiles, _tables = _dashboard(manager)

    for url, number in _links(html):
        download = manager.get(url + ("&" if "?" in url else "?") + "format=csv")

        assert download.status_code == 200, url
        rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
        assert len(rows) - 1 == number, url


def test_the_fee_rows_download_with_each_licences_annualised_fee(built, manager):
    response = manager.get(reverse("licence_figures_licences") + "?currency=GBP&format=xlsx")

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "Annualised fee"
    assert rows[1][0] == built.licences["twice"].reference
    assert rows[1][-1] == "240.00 GBP"


def test_a_paralegal_reads_the_rows_but_does_not_download_them(built):
    paralegal = Client()
    paralegal.force_login(UserFactory(role="Paralegal"))
    url = reverse("licence_figures_matters")

    assert paralegal.get(url).status_code == 200
    assert 'data-testid="rows-csv"' not in paralegal.get(url).content.decode()
    assert paralegal.get(url + "?format=csv").status_code == 403


def test_a_rows_download_in_another_format_is_refused(built, manager):
    response = manager.get(reverse("licence_figures_matters") + "?format=pdf")

    assert response.status_code == 400


def test_the_licence_tiles_stay_apart_from_the_letters_tiles(built, manager):
    html, tiles, _tables = _dashboard(manager)

    letter_tiles, _ = dashboard_read(html)

    assert set(tiles) == {"licence_talks", "active_licences", "overdue_reports"}
    assert not set(tiles) & set(letter_tiles)
