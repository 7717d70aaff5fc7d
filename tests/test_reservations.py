"""The published reservations: tdmrep.json in the protocol's shape and precedence, a new stored
version (and hash) exactly when what is served changes, unique versions from concurrent
publishers at the same time. The files as served and the staff page: test_reservation_pages."""

import hashlib
import json
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from tests.conftest import require_postgres
from tests.factories import UserFactory, WorkFactory
from tests.preference_factories import make_statement
from warnings_app.models import AICrawler, Artist, AuditEvent, ReservationPublication, Work
from warnings_app.services.reservations import reservations_publish
from warnings_app.tasks import publish_reservations_task

pytestmark = pytest.mark.django_db

CONTACT = "licensing@label.example"


@pytest.fixture
def legal():
    return UserFactory(role="Legal")


def artist_with_work(name, **work):
    return WorkFactory(artist=name, **work).artist_profile


def served_rules(client):
    response = client.get(reverse("tdmrep_json"))
    assert response.status_code == 200, response.content[:500]
    return json.loads(response.content)


def first_match(rules, path):
    """The rule a TDM agent applies to `path`: the first whose location is a prefix of it
    (TDMRep #sec-tdm-file; our locations use neither * nor $)."""
    return next((r for r in rules if path.startswith(r["location"])), None)


def versions():
    return list(
        ReservationPublication.objects.order_by("version").values_list("version", flat=True)
    )


def test_tdmrep_json_has_the_protocols_structure_and_a_working_policy(client, legal):
    reserved = artist_with_work("Ada Reserved")
    licensable = artist_with_work("Bo Licensable")
    undecided = artist_with_work("Cy Undecided")
    silent = artist_with_work("Di Silent")
    make_statement(reserved, "reserved", by=legal)
    make_statement(
        licensable, "licensable", by=legal, licensing_contact=f"Licensing desk <{CONTACT}>"
    )
    make_statement(undecided, "undecided", by=legal)

    rules = served_rules(client)

    assert isinstance(rules, list)
    assert rules
    for rule in rules:
        assert set(rule) <= {"location", "tdm-reservation", "tdm-policy"}
        assert isinstance(rule["location"], str)
        assert rule["location"].startswith("/")
        assert rule["tdm-reservation"] in (0, 1)
        if "tdm-policy" in rule:
            assert rule["tdm-reservation"] == 1
            assert urlsplit(rule["tdm-policy"]).scheme in ("http", "https")
            assert urlsplit(rule["tdm-policy"]).netloc
    by_location = {r["location"]: r for r in rules}
    assert by_location["/artists/ada-reserved/"] == {
        "location": "/artists/ada-reserved/",
        "tdm-reservation": 1,
    }
    assert by_location["/artists/cy-undecided/"]["tdm-reservation"] == 1
    assert "tdm-policy" not in by_location["/artists/cy-undecided/"]
    assert "/artists/di-silent/" not in by_location
    # Recordings live outside their artist's path by default, so each needs its own rule.
    for artist in (reserved, licensable, undecided):
        assert f"/recordings/{artist.works.get().isrc}/" in by_location
    assert f"/recordings/{silent.works.get().isrc}/" not in by_location
    policy_url = by_location["/artists/bo-licensable/"]["tdm-policy"]
    assert policy_url == settings.PUBLIC_BASE_URL + f"/reservations/policies/{licensable.pk}.json"

    policy = client.get(urlsplit(policy_url).path)

    assert policy["Content-Type"] == "application/ld+json"
    document = json.loads(policy.content)
    assert document["@context"][0] == "http://www.w3.org/ns/odrl.jsonld"
    assert document["@type"] == "Offer"
    assert document["profile"] == "http://www.w3.org/ns/tdmrep"
    assert document["uid"] == policy_url
    assert document["assigner"]["vcard:fn"] == "Bo Licensable"
    assert document["assigner"]["vcard:hasEmail"] == f"mailto:{CONTACT}"
    assert document["permission"] == [{"action": "tdm:mine", "duty": [{"action": "obtainConsent"}]}]
    assert client.get(reverse("reservation_policy", args=[reserved.pk])).status_code == 404
    assert client.get(reverse("reservation_policy", args=[silent.pk])).status_code == 404


def test_a_recording_rule_comes_before_its_artists_rule_because_the_first_match_wins(
    client, legal, settings
):
    settings.RESERVATION_WORK_PATH = "/artists/{slug}/{isrc}/"
    follows = WorkFactory(artist="Eve Nested", isrc="GBAAA2600001")
    differs = WorkFactory(artist="Eve Nested", isrc="GBAAA2600002")
    artist = follows.artist_profile
    make_statement(
        artist,
        "reserved",
        by=legal,
        licensing_contact=CONTACT,
        work_choices={differs.pk: "licensable"},
    )

    rules = served_rules(client)

    locations = [r["location"] for r in rules]
    assert locations == ["/artists/eve-nested/GBAAA2600002/", "/artists/eve-nested/"]
    exception = first_match(rules, "/artists/eve-nested/GBAAA2600002/lyrics")
    assert exception["tdm-policy"].endswith(f"/reservations/policies/{artist.pk}.json")
    assert "tdm-policy" not in first_match(rules, "/artists/eve-nested/GBAAA2600001/")
    assert first_match(rules, "/artists/eve-nested/biography")["tdm-reservation"] == 1


def test_a_licensable_recording_of_a_reserved_artist_gets_its_own_rule_with_the_policy(
    client, legal
):
    differs = WorkFactory(artist="Fay Mixed", isrc="GBAAA2600003")
    WorkFactory(artist="Fay Mixed", isrc="GBAAA2600004")
    make_statement(
        differs.artist_profile,
        "reserved",
        by=legal,
        licensing_contact=CONTACT,
        work_choices={differs.pk: "licensable"},
    )

    by_location = {r["location"]: r for r in served_rules(client)}

    assert "tdm-policy" in by_location["/recordings/GBAAA2600003/"]
    assert "tdm-policy" not in by_location["/recordings/GBAAA2600004/"]
    assert "tdm-policy" not in by_location["/artists/fay-mixed/"]


def test_recordings_without_isrc_and_names_without_a_path_are_left_out_and_counted(legal):
    make_statement(artist_with_work("Gus Plain", isrc=""), "reserved", by=legal)
    make_statement(artist_with_work("!!!"), "reserved", by=legal)

    latest = ReservationPublication.objects.latest()

    assert latest.summary["works_without_isrc"] == 1
    assert latest.summary["artists_without_path"] == 1
    assert latest.summary["artists"]["reserved"] == 2
    assert [r["location"] for r in json.loads(latest.tdmrep_json)] == [
        f"/recordings/{Work.objects.get(artist='!!!').isrc}/",
        "/artists/gus-plain/",
    ]


def test_two_artists_whose_names_give_one_path_share_a_reserved_rule_without_a_policy(legal):
    make_statement(
        artist_with_work("Beyoncé Tester"), "licensable", by=legal, licensing_contact=CONTACT
    )
    make_statement(artist_with_work("Beyonce Tester"), "reserved", by=legal)

    latest = ReservationPublication.objects.latest()

    shared = [
        r for r in json.loads(latest.tdmrep_json) if r["location"] == "/artists/beyonce-tester/"
    ]
    assert shared == [{"location": "/artists/beyonce-tester/", "tdm-reservation": 1}]
    assert latest.summary["shared_artist_paths"] == 1


def test_publishing_again_without_a_change_stores_no_new_version():
    first = reservations_publish()

    again = reservations_publish()

    assert first.version == 1
    assert first.tdmrep_json == "[]\n"
    assert again is None
    assert versions() == [1]


def test_recording_a_statement_stores_exactly_one_version_whose_hash_is_of_the_served_bytes(
    client, legal
):
    artist = artist_with_work("Hal Hash")
    before = reservations_publish()

    make_statement(artist, "reserved", by=legal)

    assert versions() == [1, 2]
    after = ReservationPublication.objects.get(version=2)
    assert after.tdmrep_sha256 != before.tdmrep_sha256
    assert after.published_by == legal
    assert after.effective_on == timezone.localdate()
    response = client.get(reverse("tdmrep_json"))
    assert hashlib.sha256(response.content).hexdigest() == after.tdmrep_sha256
    assert response["ETag"] == f'"{after.tdmrep_sha256}"'
    assert response["X-Reservation-Version"] == "2"
    assert response["X-Reservation-Effective-On"] == timezone.localdate().isoformat()
    robots = client.get(reverse("reservations_robots"))
    assert hashlib.sha256(robots.content).hexdigest() == after.robots_sha256
    event = AuditEvent.objects.get(verb="reservations.published", target_id=str(after.pk))
    assert event.actor == legal
    assert event.data["version"] == 2
    assert event.data["previous_version"] == 1
    assert event.data["tdmrep_sha256"] == after.tdmrep_sha256
    assert (
        client.get(reverse("tdmrep_json"), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    )


def test_an_identical_restatement_stores_no_version(legal):
    artist = artist_with_work("Ida Again")
    make_statement(artist, "reserved", by=legal)
    published = versions()

    make_statement(artist, "reserved", by=legal)

    assert artist.statements.count() == 2
    assert versions() == published


def test_a_new_licensing_contact_publishes_a_new_policy_version(client, legal):
    artist = artist_with_work("Jo Contact")
    make_statement(artist, "licensable", by=legal, licensing_contact="old@label.example")
    first = ReservationPublication.objects.latest()

    make_statement(artist, "licensable", by=legal, licensing_contact="new@label.example")

    second = ReservationPublication.objects.latest()
    assert second.version == first.version + 1
    assert second.tdmrep_sha256 == first.tdmrep_sha256  # same rules, same policy address
    assert second.summary["policies_sha256"] != first.summary["policies_sha256"]
    policy = json.loads(client.get(reverse("reservation_policy", args=[artist.pk])).content)
    assert policy["assigner"]["vcard:hasEmail"] == "mailto:new@label.example"


def test_a_statement_dated_ahead_is_published_on_its_day_by_the_scheduled_task(
    client, legal, monkeypatch
):
    artist = artist_with_work("Kim Later")
    reservations_publish()
    day = timezone.localdate() + timedelta(days=3)

    make_statement(artist, "reserved", by=legal, effective_from=day)

    assert versions() == [1]
    assert served_rules(client) == []
    assert reservations_publish(today=day - timedelta(days=1)) is None
    monkeypatch.setattr(timezone, "localdate", lambda *args: day)
    assert publish_reservations_task() == {"published": 2}
    assert publish_reservations_task() == {"published": None}
    latest = ReservationPublication.objects.latest()
    assert latest.effective_on == day
    assert latest.published_by is None
    assert "/artists/kim-later/" in [r["location"] for r in served_rules(client)]


def test_an_old_version_stays_downloadable_with_its_old_hash(client, legal):
    make_statement(artist_with_work("Lu First"), "reserved", by=legal)
    old = ReservationPublication.objects.latest()
    make_statement(artist_with_work("Mo Second"), "undecided", by=legal)
    manager = UserFactory(role="Manager")
    client.force_login(manager)

    tdmrep = client.get(reverse("reservation_download", args=[old.version, "tdmrep.json"]))
    robots = client.get(reverse("reservation_download", args=[old.version, "robots.txt"]))

    assert ReservationPublication.objects.latest().version == old.version + 1
    assert hashlib.sha256(tdmrep.content).hexdigest() == old.tdmrep_sha256
    assert tdmrep["Content-Disposition"] == f'attachment; filename="tdmrep-v{old.version}.json"'
    assert b"lu-first" in tdmrep.content
    assert b"mo-second" not in tdmrep.content
    assert hashlib.sha256(robots.content).hexdigest() == old.robots_sha256
    assert robots["Content-Disposition"] == f'attachment; filename="robots-ai-v{old.version}.txt"'
    downloads = AuditEvent.objects.filter(verb="reservations.downloaded", actor=manager)
    assert sorted(e.data["file"] for e in downloads) == ["robots.txt", "tdmrep.json"]
    assert {e.data["sha256"] for e in downloads} == {old.tdmrep_sha256, old.robots_sha256}
    assert client.get(reverse("reservation_download", args=[99, "tdmrep.json"])).status_code == 404
    assert client.get("/reservations/v99999999999999999999/tdmrep.json").status_code == 404


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_publishers_at_the_same_time_store_consecutive_unique_versions():
    require_postgres()
    start = threading.Barrier(4)
    errors = []

    def publish(n):
        try:
            start.wait(timeout=10)
            with transaction.atomic():
                AICrawler.objects.create(user_agent=f"RaceBot{n}", operator="Test")
                reservations_publish()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    WorkFactory(artist="Sam Race")
    reservations_publish(by=None)  # version 1: nothing reserved yet
    make_statement(Artist.objects.get(name="Sam Race"), "reserved", by=UserFactory(role="Legal"))
    threads = [threading.Thread(target=publish, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert versions() == list(range(1, 7))
    last = ReservationPublication.objects.latest().robots_txt
    assert all(f"User-agent: RaceBot{n}\n" in last for n in range(4))
