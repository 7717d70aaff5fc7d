"""An artist who reserves after a deal was signed: each licence not yet ended that includes
their works is flagged for the lawyers, with the date the reservation applies from."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.factories import LicenceFactory, UserFactory
from tests.licence_deal_helpers import record_deal
from tests.preference_factories import artist_with_works, make_statement
from warnings_app import models as m
from warnings_app.domain.roles import LEGAL
from warnings_app.services.errors import ServiceError
from warnings_app.services.licence_flags import licence_flag_resolve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def signed():
    """A deal signed a month ago including Ona Open's three works and Ida's one."""
    today = timezone.localdate()
    ona, ona_works = artist_with_works("Ona Open", 3)
    ida, _ = artist_with_works("Ida Ink", 1)
    for artist in (ona, ida):
        make_statement(artist, m.Preference.LICENSABLE, effective_from=today - timedelta(days=60))
    start = today - timedelta(days=30)
    licence = record_deal(signed_on=start, starts_on=start, ends_on=today + timedelta(days=300))
    return licence, ona, ona_works


def test_an_artist_who_reserves_after_signing_flags_the_deal_with_the_effective_date(signed):
    licence, ona, _ = signed
    applies = timezone.localdate() + timedelta(days=14)

    statement = make_statement(ona, m.Preference.RESERVED, effective_from=applies)

    flag = licence.flags.get()
    assert (flag.artist, flag.statement, flag.effective_from, flag.works) == (
        ona,
        statement,
        applies,
        3,
    )
    assert flag.resolved_at is None
    event = m.AuditEvent.objects.get(verb="licence.flag_raised")
    assert event.data["effective_from"] == applies.isoformat()


def test_a_per_work_reservation_flags_the_deal_for_that_work_only(signed):
    licence, ona, works = signed

    make_statement(
        ona,
        m.Preference.LICENSABLE,
        work_choices={works[1].pk: m.Preference.RESERVED},
    )

    assert licence.flags.get().works == 1


def test_a_statement_that_reserves_nothing_flags_nothing(signed):
    licence, ona, _ = signed

    make_statement(ona, m.Preference.LICENSABLE)
    make_statement(ona, m.Preference.UNDECIDED)

    assert not licence.flags.exists()


def test_ended_and_terminated_licences_are_not_flagged(signed):
    licence, ona, _ = signed
    m.Licence.objects.filter(pk=licence.pk).update(terminated_on=timezone.localdate())

    make_statement(ona, m.Preference.RESERVED)

    assert not licence.flags.exists()


def test_a_reservation_applying_only_after_the_licence_ends_flags_nothing(signed):
    licence, ona, _ = signed

    make_statement(ona, m.Preference.RESERVED, effective_from=licence.ends_on + timedelta(days=1))

    assert not licence.flags.exists()


def test_a_licence_recorded_before_licences_existed_covers_everything_and_is_flagged():
    artist, _ = artist_with_works("Old Hand", 2)
    old = LicenceFactory(origin="recorded_before", ends_on=None, agreement_sha256="")

    make_statement(artist, m.Preference.RESERVED, effective_from=date(2030, 1, 1))

    assert old.flags.get().works == 2


def test_a_lawyer_resolves_a_flag_with_a_note_once(signed):
    licence, ona, _ = signed
    make_statement(ona, m.Preference.RESERVED)
    flag = licence.flags.get()
    lawyer = UserFactory(role=LEGAL)

    with pytest.raises(ServiceError, match="note"):
        licence_flag_resolve(flag=flag, note="  ", by=lawyer)
    resolved = licence_flag_resolve(flag=flag, note="Licensee told to drop the works", by=lawyer)

    assert resolved.resolved_by == lawyer
    assert resolved.resolution == "Licensee told to drop the works"
    with pytest.raises(ServiceError, match="already"):
        licence_flag_resolve(flag=flag, note="again", by=lawyer)
    assert m.AuditEvent.objects.filter(verb="licence.flag_resolved").count() == 1


def test_a_reservation_recorded_before_signing_but_applying_during_the_deal_flags_it():
    """The scope is decided on the signing date; a reservation already on record that takes
    effect later, while the licence runs, flags it the moment it is recorded."""
    today = timezone.localdate()
    ona, _ = artist_with_works("Ona Open", 2)
    make_statement(ona, m.Preference.LICENSABLE, effective_from=today - timedelta(days=60))
    applies = today + timedelta(days=20)
    reservation = make_statement(ona, m.Preference.RESERVED, effective_from=applies)

    licence = record_deal(signed_on=today, starts_on=today, ends_on=today + timedelta(days=300))

    assert licence.work_rows.filter(included=True).count() == 2  # licensable on the signing day
    flag = m.LicenceFlag.objects.get(licence=licence)
    assert (flag.artist, flag.statement, flag.effective_from, flag.works) == (
        ona,
        reservation,
        applies,
        2,
    )
    assert m.AuditEvent.objects.filter(verb="licence.flag_raised").count() == 1
