"""The list of artists: today's preference of each, filters by preference and name, counts,
who changed last, a query count that does not grow with the register, and the way to the
published reservations."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory, WorkFactory
from tests.preference_factories import make_statement
from warnings_app.domain.roles import LEGAL, MANAGER
from warnings_app.models import Artist, PreferenceLink
from warnings_app.selectors.preference_register import register_as_of, register_counts

pytestmark = pytest.mark.django_db


def test_the_list_filters_by_preference_and_name_and_counts_each_preference(client_as):
    legal = UserFactory(role=LEGAL)
    reserved = WorkFactory(artist="Alma Reyes").artist_profile
    licensable = WorkFactory(artist="Bruno Alma").artist_profile
    WorkFactory(artist="Cleo Nobody")  # nothing recorded
    Artist.objects.create(name="Dana Without Works")
    make_statement(reserved, "reserved", by=legal)
    make_statement(licensable, "licensable", by=legal, licensing_contact="lic@example.com")
    make_statement(
        licensable, "reserved", by=legal, effective_from=timezone.localdate() + timedelta(days=3)
    )
    client = client_as(MANAGER)

    def names(**query):
        return [a.name for a in client.get(reverse("artist_list"), query).context["page"]]

    everyone = client.get(reverse("artist_list"))
    counts = {key: n for key, _label, n in everyone.context["counts"]}
    assert counts == {"reserved": 1, "licensable": 1, "undecided": 0, "not_recorded": 2}
    assert names(preference="reserved") == ["Alma Reyes"]
    assert names(preference="licensable") == ["Bruno Alma"]  # the change is not in effect yet
    assert names(preference="not_recorded") == ["Cleo Nobody", "Dana Without Works"]
    assert names(q="alma") == ["Alma Reyes", "Bruno Alma"]
    assert names(q="alma", preference="licensable") == ["Bruno Alma"]
    assert client.get(reverse("artist_list"), {"preference": "maybe"}).status_code == 400


def test_the_list_shows_who_changed_last_and_how_many_works_differ(client_as):
    legal = UserFactory(username="greta", role=LEGAL)
    first, second = WorkFactory(artist="Ivo Lark"), WorkFactory(artist="Ivo Lark")
    WorkFactory(artist="Ivo Lark")
    make_statement(
        first.artist_profile, "undecided", by=legal, work_choices={second.pk: "reserved"}
    )

    html = client_as(MANAGER).get(reverse("artist_list")).content.decode()

    row = re.sub(r"<[^>]+>|\s+", " ", re.search(r"<tr data-artist=.*?</tr>", html, re.S).group(0))
    assert re.search(r"Ivo Lark\s+Undecided\s+\S+ \S+ \d{4}\s+3\s+1\s", row), row
    assert "by greta" in row


def _many_artists(n: int, legal, start: int = 0) -> None:
    for i in range(start, start + n):
        work = WorkFactory(artist=f"Bulk Artist {i:03d}")
        make_statement(work.artist_profile, ["reserved", "undecided"][i % 2], by=legal)
        PreferenceLink.objects.create(
            artist=work.artist_profile,
            recipient_email=f"a{i}@example.com",
            token_sha256=hashlib.sha256(str(i).encode()).hexdigest(),
            created_by=legal,
            expires_at=timezone.now() + timedelta(days=3),
        )


def test_the_list_query_count_does_not_grow_with_the_number_of_artists(
    client_as, django_assert_max_num_queries
):
    legal = UserFactory(role=LEGAL)
    client = client_as(MANAGER)
    _many_artists(3, legal)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("artist_list"))

    _many_artists(30, legal, start=3)
    with django_assert_max_num_queries(len(small)):
        page = client.get(reverse("artist_list"), {"preference": "reserved", "q": "bulk"})

    assert page.status_code == 200
    assert len(page.context["page"]) == 17


def test_on_one_effective_date_the_later_recorded_statement_wins_everywhere(client):
    lawyer = UserFactory(role=LEGAL)
    work = WorkFactory(artist="Tie Break")
    artist = work.artist_profile
    make_statement(artist, "reserved", by=lawyer)
    make_statement(artist, "licensable", by=lawyer, licensing_contact="deals@tie.example")
    client.force_login(UserFactory(role=MANAGER))

    listed = client.get(reverse("artist_list"), {"preference": "licensable"}).content.decode()
    not_listed = client.get(reverse("artist_list"), {"preference": "reserved"}).content.decode()
    dashboard = register_counts(timezone.localdate())

    assert register_as_of(timezone.localdate())[artist.pk].preference == "licensable"
    assert "Tie Break" in listed
    assert "Tie Break" not in not_listed
    assert dashboard["artists"]["licensable"] == 1
    assert dashboard["artists"]["reserved"] == 0


def test_the_artist_list_leads_to_the_published_reservations(client):
    client.force_login(UserFactory(role=MANAGER))

    page = client.get(reverse("artist_list")).content.decode()

    assert f'href="{reverse("reservation_list")}"' in page
