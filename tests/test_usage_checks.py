"""The usage report rules, one by one: reading a row's use, dates and count; scope for a
licence recorded before licences existed; a work reserved on its own while its artist is not."""

from datetime import date, timedelta

import pytest

from tests.factories import LicenceFactory, UserFactory, WorkFactory
from tests.usage_files import csv_bytes, seeded_licence
from warnings_app.domain.preferences import Instruction
from warnings_app.domain.roles import LEGAL, PARALEGAL
from warnings_app.domain.usage_checks import (
    days_to_check,
    usage_column,
    usage_count,
    usage_date,
    usage_use,
    work_out_of_scope,
)
from warnings_app.models import Licence, UsageFinding
from warnings_app.services.preferences import preference_record
from warnings_app.services.usage_reports import usage_report_import

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "use"),
    [
        ("training", "training"),
        ("Fine-tuning", "fine_tuning"),
        ("fine_tuning", "fine_tuning"),
        ("RETRIEVAL OR INFERENCE", "retrieval"),
        ("Output generation", "output"),
        ("mining", None),
    ],
)
def test_a_use_is_its_value_or_its_label_in_any_case(text, use):
    assert usage_use(text) == use


def test_dates_are_iso_or_day_month_year_and_nothing_else():
    assert usage_date("2026-03-31") == date(2026, 3, 31)
    assert usage_date("31/3/2026") == date(2026, 3, 31)
    assert usage_date("2026-03-31 00:00:00") == date(2026, 3, 31)
    assert usage_date("3/31/2026") is None
    assert usage_date("31.03.2026") is None


def test_a_count_is_a_whole_number_not_below_zero():
    assert usage_count("1,200") == 1200
    assert usage_count("0") == 0
    assert usage_count("-1") is None
    assert usage_count("2.5") is None


def test_header_names_are_tolerant():
    assert usage_column("period_start") == "period_start"
    assert usage_column("track_title") == "title"
    assert usage_column("colour") == ""


def test_a_period_is_checked_on_its_first_day_and_each_day_the_register_changed():
    start = date(2026, 1, 1)
    changes = [date(2025, 12, 1), date(2026, 1, 10), date(2026, 2, 1)]

    assert days_to_check(start, date(2026, 1, 31), changes) == [start, date(2026, 1, 10)]


def test_a_licence_recorded_before_licences_existed_covers_the_whole_catalogue():
    old = LicenceFactory(origin=Licence.Origin.RECORDED_BEFORE, ends_on=None)
    deal = LicenceFactory()

    assert not work_out_of_scope(old, 1, set())
    assert work_out_of_scope(deal, 1, set())
    assert not work_out_of_scope(deal, 1, {1})


def test_a_work_reserved_on_its_own_is_found_though_its_artist_is_licensable():
    seeded = seeded_licence()
    own = WorkFactory(artist="Ivo Brandt")
    other = WorkFactory(artist="Ivo Brandt")
    for work in (own, other):
        seeded.licence.work_rows.create(work=work, included=True, reason="licensable")
    from_day = seeded.period_start + timedelta(days=3)
    preference_record(
        artist=own.artist_profile,
        preference="licensable",
        effective_from=from_day,
        instruction=Instruction(b"Licensable, except one.", "instruction.txt"),
        work_choices={own.pk: "reserved"},
        licensing_contact="licensing@example.com",
        by=UserFactory(role=LEGAL),
    )
    when = [seeded.period_start.isoformat(), seeded.period_end.isoformat()]
    rows = [[w.isrc, "", "", "", "training", *when, 1] for w in (own, other)]

    usage_report_import(
        licence=seeded.licence,
        file_bytes=csv_bytes(rows),
        filename="u.csv",
        period_start=seeded.period_start,
        period_end=seeded.period_end,
        by=UserFactory(role=PARALEGAL),
    )

    found = UsageFinding.objects.get()
    assert (found.row.work, found.kind) == (own, "reserved_artist")
    assert f"{from_day:%d/%m/%Y}" in found.detail
