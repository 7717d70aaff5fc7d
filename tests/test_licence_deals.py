"""Recording a deal: its scope decided by the artists' wishes on the signing date, the
agreement kept with its SHA-256, the talks moved on, and refusals that save nothing."""

import hashlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage

from tests.licence_deal_helpers import make_matter, record_deal
from tests.preference_factories import artist_with_works, make_statement
from warnings_app import models as m
from warnings_app.domain.licence_terms import Fee
from warnings_app.domain.licences import is_licensed
from warnings_app.services.licences import LicenceInvalid

pytestmark = pytest.mark.django_db

SIGNED = date(2026, 4, 1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def register():
    """Three artists as the register stood before the deal: licensable, reserved, undecided,
    and one with nothing recorded."""
    open_, open_works = artist_with_works("Ona Open", 2)
    lanterns, lantern_works = artist_with_works("The Lanterns", 2)
    unsure, unsure_works = artist_with_works("Ida Unsure", 1)
    silent, silent_works = artist_with_works("Sam Silent", 1)
    make_statement(open_, m.Preference.LICENSABLE, effective_from=date(2026, 1, 1))
    make_statement(lanterns, m.Preference.RESERVED, effective_from=date(2026, 3, 1))
    make_statement(unsure, m.Preference.UNDECIDED, effective_from=date(2026, 1, 1))
    return {
        "open": (open_, open_works),
        "lanterns": (lanterns, lantern_works),
        "unsure": (unsure, unsure_works),
        "silent": (silent, silent_works),
    }


def _rows(licence):
    return {row.work_id: row for row in licence.work_rows.all()}


def test_a_whole_catalogue_deal_includes_only_licensable_works_and_says_why_others_are_out(
    register,
):
    matter = make_matter()

    licence = record_deal(matter, signed_on=SIGNED, starts_on=SIGNED, ends_on=date(2027, 3, 31))

    rows = _rows(licence)
    included = {pk for pk, row in rows.items() if row.included}
    assert included == {w.pk for w in register["open"][1]}
    lantern = rows[register["lanterns"][1][0].pk]
    assert not lantern.included
    assert lantern.reason == "The Lanterns reserved from 2026-03-01"
    assert rows[register["unsure"][1][0].pk].reason == "Ida Unsure undecided from 2026-01-01"
    assert rows[register["silent"][1][0].pk].reason == "nothing recorded for Sam Silent"
    assert licence.reference == "LIC-2026-0001"


def test_the_agreement_is_kept_with_its_sha256_and_the_talks_are_signed_and_active(register):
    matter = make_matter()

    licence = record_deal(matter, today=SIGNED, signed_on=SIGNED, starts_on=SIGNED)

    stored = default_storage.open(licence.agreement_file.name).read()
    assert licence.agreement_sha256 == hashlib.sha256(stored).hexdigest()
    assert licence.agreement_content_type == "application/pdf"
    assert "signed agreement" not in licence.agreement_file.name  # a generated name
    matter.refresh_from_db()
    assert matter.stage == "active"
    assert list(matter.moves.values_list("to_stage", flat=True)) == ["signed", "active"]
    event = m.AuditEvent.objects.get(verb="licence.recorded")
    assert event.data["works_included"] == 2
    assert event.data["uses"] == ["training"]
    assert event.data["agreement_sha256"] == licence.agreement_sha256


def test_a_licence_starting_later_leaves_the_talks_signed(register):
    matter = make_matter()

    record_deal(matter, today=SIGNED, signed_on=SIGNED, starts_on=SIGNED + timedelta(days=10))

    matter.refresh_from_db()
    assert matter.stage == "signed"


def test_the_register_is_read_on_the_signing_date_not_today(register):
    """The Lanterns reserved from 1 March: a deal signed on 1 February, when they were
    licensable, includes their works."""
    lanterns, works = register["lanterns"]
    make_statement(lanterns, m.Preference.LICENSABLE, effective_from=date(2026, 1, 15))
    signed = date(2026, 2, 1)

    licence = record_deal(signed_on=signed, starts_on=signed, ends_on=date(2026, 12, 31))

    assert all(_rows(licence)[w.pk].included for w in works)


def test_per_work_exceptions_decide_for_their_work(register):
    open_, open_works = register["open"]
    lanterns, lantern_works = register["lanterns"]
    make_statement(
        open_,
        m.Preference.LICENSABLE,
        effective_from=date(2026, 2, 1),
        work_choices={open_works[0].pk: m.Preference.RESERVED},
    )
    make_statement(
        lanterns,
        m.Preference.RESERVED,
        effective_from=date(2026, 3, 2),
        work_choices={lantern_works[1].pk: m.Preference.LICENSABLE},
        licensing_contact="deals@lanterns.example",
    )

    rows = _rows(record_deal(signed_on=SIGNED, starts_on=SIGNED))

    assert not rows[open_works[0].pk].included
    assert "per-work" in rows[open_works[0].pk].reason
    assert rows[open_works[1].pk].included
    assert not rows[lantern_works[0].pk].included
    assert rows[lantern_works[1].pk].included


def test_a_deal_naming_a_reserved_artists_work_is_refused_with_the_artist_named(register):
    matter = make_matter()
    lantern_work = register["lanterns"][1][0]
    open_work = register["open"][1][0]

    with pytest.raises(LicenceInvalid) as refused:
        record_deal(
            matter,
            scope="chosen",
            works=[open_work, lantern_work],
            artists=[register["unsure"][0]],
            signed_on=SIGNED,
            starts_on=SIGNED,
        )

    assert "The Lanterns reserved from 2026-03-01 (1 work)" in str(refused.value)
    assert "Ida Unsure undecided" in str(refused.value)
    assert "Ona Open" not in str(refused.value)
    assert not m.Licence.objects.exists()
    assert not m.LicenceWork.objects.exists()
    matter.refresh_from_db()
    assert matter.stage == "negotiation"
    assert not m.AuditEvent.objects.filter(verb="licence.recorded").exists()


def test_a_deal_over_chosen_licensable_artists_includes_their_works(register):
    open_, works = register["open"]

    licence = record_deal(scope="chosen", artists=[open_], signed_on=SIGNED, starts_on=SIGNED)

    assert {pk for pk, row in _rows(licence).items() if row.included} == {w.pk for w in works}
    assert list(licence.artists.all()) == [open_]


def test_a_deal_over_principals_considers_only_their_catalogues(register):
    open_works = register["open"][1]
    principal = open_works[0].principal

    licence = record_deal(scope="principals", principals=[principal], signed_on=SIGNED)

    assert set(_rows(licence)) == {w.pk for w in open_works if w.principal_id == principal.pk}


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"uses": []}, "at least one use"),
        ({"territories": ["DE", "XX"]}, "Not an ISO country code: XX"),
        ({"territories": ["*", "DE"]}, "Use * alone"),
        ({"ends_on": SIGNED - timedelta(days=1)}, "cannot end"),
        ({"fee": Fee(model="flat", amount=Decimal(100), currency="euro", period="year")}, "4217"),
        ({"fee": Fee(model="per_work", currency="EUR", period="year")}, "needs its amount"),
        ({"fee": Fee(model="revenue_share", percent=Decimal(120))}, "at most 100"),
        ({"fee": Fee(model="revenue_share", percent=Decimal(0))}, "above 0"),
        ({"agreement": b"<html><script>x</script></html>"}, "web markup"),
        ({"agreement": b"just words", "agreement_filename": "a.txt"}, "is text or CSV"),
        ({"reporting_months": 5}, "how often"),
    ],
)
def test_incomplete_terms_are_refused_and_nothing_is_saved(register, tmp_path, changes, words):
    matter = make_matter()

    with pytest.raises(LicenceInvalid) as refused:
        record_deal(matter, signed_on=SIGNED, starts_on=SIGNED, **changes)

    assert words in str(refused.value)
    assert not m.Licence.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and "agreements" in str(p)]
    matter.refresh_from_db()
    assert matter.stage == "negotiation"


def test_a_revenue_share_with_a_minimum_is_recorded(register):
    fee = Fee(model="revenue_share", percent=Decimal("12.5"), amount=Decimal(5000), currency="USD")

    licence = record_deal(fee=fee, signed_on=SIGNED, starts_on=SIGNED)

    assert licence.revenue_share_percent == Decimal("12.5")
    assert (licence.fee_amount, licence.fee_currency, licence.fee_period) == (5000, "USD", "")


def test_a_deal_is_recorded_only_from_talks_under_way(register):
    matter = make_matter(stage="declined")

    with pytest.raises(LicenceInvalid, match="talks under way"):
        record_deal(matter, signed_on=SIGNED)


def test_references_count_up_within_the_signing_year(register):
    first = record_deal(signed_on=SIGNED, starts_on=SIGNED)
    second = record_deal(signed_on=SIGNED, starts_on=SIGNED)

    assert (first.reference, second.reference) == ("LIC-2026-0001", "LIC-2026-0002")


def test_group_companies_are_licensed_with_the_licensee(register):
    from tests.factories import CompanyFactory

    sister = CompanyFactory()
    licence = record_deal(group_companies=[sister], signed_on=SIGNED, starts_on=SIGNED)

    assert is_licensed(sister.pk, SIGNED)
    assert is_licensed(licence.company_id, SIGNED)
