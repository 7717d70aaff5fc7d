"""The reservation files as served: the robots.txt section following the crawler list kept as
data (and the admin that edits it), public files open to anyone, and the staff page of every
stored version to its roles."""

import json
import re
from urllib.robotparser import RobotFileParser

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import UserFactory, WorkFactory
from tests.preference_factories import make_statement
from warnings_app.models import AICrawler, AuditEvent, ReservationPublication
from warnings_app.services.reservations import reservations_publish

pytestmark = pytest.mark.django_db

CONTACT = "licensing@label.example"


@pytest.fixture
def legal():
    return UserFactory(role="Legal")


def robots_parser(text):
    parser = RobotFileParser()
    parser.parse(text.splitlines())
    return parser


def test_the_robots_section_follows_the_crawler_list_in_the_data(client, legal):
    make_statement(
        WorkFactory(artist="Ned Robots", isrc="GBAAA2600009").artist_profile,
        "licensable",
        by=legal,
        licensing_contact=CONTACT,
    )
    AICrawler.objects.create(user_agent="NewTrainerBot", operator="Someone")

    reservations_publish()

    text = client.get(reverse("reservations_robots")).content.decode()
    agents = re.findall(r"^User-agent: (.+)$", text, re.M)
    assert agents == sorted(
        AICrawler.objects.filter(active=True).values_list("user_agent", flat=True)
    )
    assert "NewTrainerBot" in agents
    assert "GPTBot" in agents
    assert "licensable on terms" in text
    parser = robots_parser(text)
    assert not parser.can_fetch("GPTBot", "https://label.example/artists/ned-robots/tour")
    assert not parser.can_fetch("NewTrainerBot", "https://label.example/recordings/GBAAA2600009/")
    assert parser.can_fetch("GPTBot", "https://label.example/about")
    assert parser.can_fetch("Googlebot", "https://label.example/artists/ned-robots/")


@pytest.fixture
def admin_client(client):
    user = UserFactory(role="Admin", is_staff=True)
    client.force_login(user)
    client.user = user
    return client


def test_switching_a_crawler_off_in_the_admin_removes_it_and_republishes(admin_client, legal):
    make_statement(WorkFactory(artist="Ola Admin").artist_profile, "reserved", by=legal)
    before = ReservationPublication.objects.latest()
    crawler = AICrawler.objects.get(user_agent="GPTBot")

    response = admin_client.post(
        reverse("admin:warnings_app_aicrawler_change", args=[crawler.pk]),
        {"user_agent": "GPTBot", "operator": "OpenAI"},  # "active" unticked
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    after = ReservationPublication.objects.latest()
    assert after.version == before.version + 1
    assert "User-agent: GPTBot\n" in before.robots_txt
    assert "User-agent: GPTBot\n" not in after.robots_txt
    assert "User-agent: CCBot\n" in after.robots_txt
    assert after.tdmrep_sha256 == before.tdmrep_sha256
    assert after.published_by == admin_client.user
    assert AuditEvent.objects.filter(verb="admin.changed", target_id=str(crawler.pk)).exists()


INJECTIONS = ["GPTBot\nDisallow: /", "GPTBot\rAllow: /", "GPTBot\r\nUser-agent: *", "GPT Bot"]


@pytest.mark.parametrize("user_agent", INJECTIONS)
def test_the_admin_refuses_a_user_agent_that_is_not_one_token(admin_client, user_agent):
    reservations_publish()
    crawler = AICrawler.objects.get(user_agent="GPTBot")
    crawlers_before = list(AICrawler.objects.values_list("pk", "user_agent", "active"))
    versions_before = ReservationPublication.objects.count()

    added = admin_client.post(
        reverse("admin:warnings_app_aicrawler_add"),
        {"user_agent": user_agent, "operator": "Mallory", "active": "on"},
    )
    changed = admin_client.post(
        reverse("admin:warnings_app_aicrawler_change", args=[crawler.pk]),
        {"user_agent": user_agent, "operator": "OpenAI", "active": "on"},
    )

    for response in (added, changed):
        assert response.status_code == 200
        assert "one robots.txt product token" in response.content.decode()
    assert list(AICrawler.objects.values_list("pk", "user_agent", "active")) == crawlers_before
    assert ReservationPublication.objects.count() == versions_before
    assert not AuditEvent.objects.filter(verb__startswith="admin.").exists()


@pytest.mark.parametrize("user_agent", INJECTIONS)
def test_the_model_refuses_a_user_agent_that_is_not_one_token(user_agent):
    crawler = AICrawler(user_agent=user_agent, operator="Mallory")

    with pytest.raises(ValidationError) as refused:
        crawler.full_clean()

    assert "one robots.txt product token" in " ".join(refused.value.message_dict["user_agent"])
    AICrawler(user_agent="NewTrainerBot", operator="Someone").full_clean()


def test_every_listed_crawler_passes_the_user_agent_rule():
    from warnings_app.domain.crawlers import user_agent_problem

    assert AICrawler.objects.count() > 10
    for user_agent in AICrawler.objects.values_list("user_agent", flat=True):
        assert user_agent_problem(user_agent) is None, user_agent
    assert user_agent_problem("GPTBot\nDisallow: /") is not None


def test_the_robots_section_never_carries_a_line_injected_into_the_data(client, legal):
    make_statement(WorkFactory(artist="Ina Jection").artist_profile, "reserved", by=legal)
    AICrawler.objects.filter(user_agent="GPTBot").update(user_agent="GPTBot\nDisallow: /")
    AICrawler.objects.filter(user_agent="CCBot").update(user_agent="CCBot\rUser-agent: *")
    AICrawler.objects.filter(user_agent="Diffbot").update(user_agent="Diff\x0bbot")

    reservations_publish()

    text = client.get(reverse("reservations_robots")).content.decode()
    lines = text.splitlines()  # splits at CR, VT and the other breaks a parser might honour
    assert "Disallow: /" not in lines
    assert "User-agent: *" not in lines
    agents = [line.removeprefix("User-agent: ") for line in lines if line.startswith("User-a")]
    assert "ClaudeBot" in agents
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", agent) for agent in agents), agents
    assert not any(agent.startswith(("GPTBot", "CCBot", "Diff")) for agent in agents)
    assert robots_parser(text).can_fetch("Googlebot", "https://label.example/about")
    assert ReservationPublication.objects.latest().summary["crawlers_refused"] == 3


def test_public_files_need_no_account_and_the_first_request_publishes(client):
    assert not ReservationPublication.objects.exists()

    tdmrep = client.get(reverse("tdmrep_json"))
    robots = client.get(reverse("reservations_robots"))

    assert tdmrep.status_code == 200
    assert tdmrep["Content-Type"] == "application/json"
    assert json.loads(tdmrep.content) == []
    assert robots.status_code == 200
    assert robots["Content-Type"] == "text/plain; charset=utf-8"
    assert robots.content.startswith(b"# AI training crawlers")
    assert list(ReservationPublication.objects.values_list("version", flat=True)) == [1]
    assert client.post(reverse("tdmrep_json")).status_code == 405
    assert client.get(reverse("reservation_policy", args=[1])).status_code == 404


def test_the_staff_page_is_refused_without_the_permission(client):
    reservations_publish()
    client.force_login(UserFactory())  # signed in, no role

    assert client.get(reverse("reservation_list")).status_code == 403
    assert client.get(reverse("reservation_download", args=[1, "tdmrep.json"])).status_code == 403
    assert not AuditEvent.objects.filter(verb="reservations.downloaded").exists()


def test_the_staff_page_shows_the_current_version_crawlers_and_every_version(
    client, legal, django_assert_max_num_queries
):
    for name in ("Pia One", "Quin Two", "Rae Three"):
        make_statement(
            WorkFactory(artist=name).artist_profile,
            "licensable",
            by=legal,
            licensing_contact=CONTACT,
        )
    current = ReservationPublication.objects.latest()
    client.force_login(UserFactory(role="Manager"))

    with django_assert_max_num_queries(10):
        response = client.get(reverse("reservation_list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert f"Current version: {current.version}" in page
    assert current.tdmrep_sha256 in page
    assert current.robots_sha256 in page
    assert "/artists/rae-three/" in page
    assert "User-agent: GPTBot" in page
    assert "Bytespider" in page
    assert "Undecided" in page
    for version in range(1, current.version + 1):
        assert f"tdmrep-v{version}.json" in page
        assert f"robots-ai-v{version}.txt" in page
    assert ">Pia One</a>" in page  # the policy link
