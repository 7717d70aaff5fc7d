"""The dashboard's section on artists' AI-training preferences, against a register whose counts
are worked out by hand: artists and works by preference today (per-work exceptions, a change not
yet in effect, an artist with nothing recorded), statements per month and each month's end."""

import re
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory, WorkFactory
from warnings_app.domain.preferences import Instruction
from warnings_app.domain.roles import LEGAL, MANAGER
from warnings_app.models import Artist
from warnings_app.reports.dashboard.preferences import preferences_section
from warnings_app.services.preferences import preference_record

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)
CONTACT = "licensing@label.example"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _at(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


def _record(artist, preference, day, *, by, **kwargs):
    return preference_record(
        artist=artist,
        preference=preference,
        effective_from=day,
        instruction=Instruction(b"Please reserve all my recordings.", "instruction.txt"),
        by=by,
        **kwargs,
    )


@pytest.fixture
def known_register(monkeypatch):
    """A: reserved since January, one of two works licensable. B: undecided from March, then
    licensable from 1 June (recorded in May). C: one work, nothing recorded. D: no works,
    reserved from 1 July (recorded in June, so not yet in effect on TODAY)."""
    _at(monkeypatch, datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    legal = UserFactory(role=LEGAL)
    a1, a2 = WorkFactory(artist="Artist A"), WorkFactory(artist="Artist A")
    b1 = WorkFactory(artist="Artist B")
    WorkFactory(artist="Artist C")
    d = Artist.objects.create(name="Artist D")
    _at(monkeypatch, datetime(2026, 1, 10, 9, 0, tzinfo=UTC))
    _record(
        a1.artist_profile,
        "reserved",
        date(2026, 1, 10),
        by=legal,
        work_choices={a2.pk: "licensable"},
        licensing_contact=CONTACT,
    )
    _at(monkeypatch, datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    _record(b1.artist_profile, "undecided", date(2026, 3, 1), by=legal)
    _at(monkeypatch, datetime(2026, 5, 20, 9, 0, tzinfo=UTC))
    _record(b1.artist_profile, "licensable", date(2026, 6, 1), by=legal, licensing_contact=CONTACT)
    _at(monkeypatch, datetime(2026, 6, 10, 9, 0, tzinfo=UTC))
    _record(d, "reserved", date(2026, 7, 1), by=legal)
    _at(monkeypatch, datetime(2026, 6, 15, 12, 0, tzinfo=UTC))
    return legal


def _table(section, key):
    chart = next(c for c in section.charts if c.key == key)
    return {row[0]: row[1:] for row in chart.rows}


def test_today_counts_artists_and_works_by_preference(known_register):
    section = preferences_section(TODAY)

    today = {key: (artists, works) for key, _label, artists, works in section.rows}
    assert today == {
        "reserved": (1, 1),  # A; A's first work
        "licensable": (1, 2),  # B; A's second work and B's work
        "undecided": (0, 0),
        "not_recorded": (2, 1),  # C and D (D's statement starts in July); C's work
    }


def test_statements_are_counted_in_the_month_they_were_recorded(known_register):
    section = preferences_section(TODAY)

    recorded = _table(section, "preferences_recorded")
    assert next(iter(recorded)) == "July 2025"
    assert list(recorded)[-1] == "June 2026"
    # Columns: reserved, licensable, undecided, all.
    assert recorded["January 2026"] == [1, 0, 0, 1]
    assert recorded["March 2026"] == [0, 0, 1, 1]
    assert recorded["May 2026"] == [0, 1, 0, 1]
    assert recorded["June 2026"] == [1, 0, 0, 1]  # D's, though it takes effect in July
    assert recorded["April 2026"] == [0, 0, 0, 0]
    assert sum(row[-1] for row in recorded.values()) == 4


def test_each_months_end_shows_the_state_then_in_effect(known_register):
    section = preferences_section(TODAY)

    ends = _table(section, "preferences_by_month")
    # Columns: reserved, licensable, undecided, not recorded.
    assert ends["31 Dec 2025"] == [0, 0, 0, 0]  # nobody in the register yet
    assert ends["31 Jan 2026"] == [1, 0, 0, 3]
    assert ends["31 Mar 2026"] == [1, 0, 1, 2]
    assert ends["31 May 2026"] == [1, 0, 1, 2]  # B's change was recorded, not yet in effect
    assert ends["15 Jun 2026"] == [1, 1, 0, 2]  # this month: today


def test_the_dashboard_shows_the_section_with_its_tables(client, known_register):
    client.force_login(UserFactory(role=MANAGER))

    html = client.get(reverse("dashboard")).content.decode()

    section = html[html.index('data-testid="preferences"') :]
    assert "Artists' AI-training preferences" in html
    rows = {
        key: re.findall(r"<td>(\d+)</td>", row)
        for key, row in re.findall(r'<tr data-preference="(\w+)">(.*?)</tr>', section, re.S)
    }
    assert rows == {
        "reserved": ["1", "1"],
        "licensable": ["1", "2"],
        "undecided": ["0", "0"],
        "not_recorded": ["2", "1"],
    }
    assert 'data-chart="preferences_recorded"' in section
    assert 'data-table="preferences_by_month"' in section
    assert '<th scope="row">May 2026</th><td>0</td><td>1</td>' in section


def _dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return len(queries)


def test_the_section_reads_the_register_in_a_fixed_number_of_queries(client, known_register):
    client.force_login(UserFactory(role=MANAGER))
    small = _dashboard_queries(client)

    for i in range(25):
        first, second = WorkFactory(artist=f"More {i}"), WorkFactory(artist=f"More {i}")
        _record(
            first.artist_profile,
            ["reserved", "undecided"][i % 2],
            date(2026, 2, 1 + i),
            by=known_register,
            work_choices={second.pk: "licensable"},
            licensing_contact=CONTACT,
        )
    large = _dashboard_queries(client)

    assert large == small
