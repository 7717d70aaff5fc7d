"""A reply's classification note is privileged (attorney work product): the API serves it only
to users allowed privileged content (Legal), the rule the evidence bundle and exports use. For
everyone else the key is absent, not null, on the reply, the list and a classify's answer."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.api_helpers import api_client
from tests.factories import UserFactory, make_notice
from warnings_app.domain.privileged import may_see_privileged
from warnings_app.domain.roles import ADMIN, LEGAL, MANAGER, PARALEGAL
from warnings_app.models import Response

pytestmark = pytest.mark.django_db
NOTE = "Settle below 10k if they ask"


@pytest.fixture
def reply():
    notice = make_notice()
    return Response.objects.create(
        notice=notice,
        company=notice.company,
        channel="letter",
        received_at=timezone.now(),
        subject="Our answer",
        outcome="disputes",
        classification_note=NOTE,
        classified_at=timezone.now(),
    )


@pytest.mark.parametrize("role", [PARALEGAL, MANAGER, ADMIN])
def test_a_reply_leaves_out_its_classification_note_for_roles_without_privilege(reply, role):
    client = api_client(UserFactory(role=role))

    one = client.get(f"/api/v1/replies/{reply.pk}/")
    listed = client.get("/api/v1/replies/")

    assert one.status_code == listed.status_code == 200
    assert one.json()["outcome"] == "disputes"
    assert "classification_note" not in one.json()
    rows = listed.json()["results"]
    assert [r["id"] for r in rows] == [reply.pk]
    assert "classification_note" not in rows[0]
    assert NOTE not in one.content.decode() + listed.content.decode()


def test_legal_sees_the_classification_note_on_a_reply_and_in_the_list(reply):
    client = api_client(UserFactory(role=LEGAL))

    one = client.get(f"/api/v1/replies/{reply.pk}/")
    listed = client.get("/api/v1/replies/")

    assert one.json()["classification_note"] == NOTE
    assert listed.json()["results"][0]["classification_note"] == NOTE


def test_a_paralegal_may_write_a_note_when_classifying_but_not_read_it_back(reply):
    paralegal, legal = api_client(UserFactory(role=PARALEGAL)), api_client(UserFactory(role=LEGAL))

    classified = paralegal.post(
        f"/api/v1/replies/{reply.pk}/classify/", {"outcome": "complied", "note": "They agreed"}
    )
    read_by_legal = legal.get(f"/api/v1/replies/{reply.pk}/")

    assert classified.status_code == 200, classified.json()
    assert classified.json()["outcome"] == "complied"
    assert "classification_note" not in classified.json()
    assert read_by_legal.json()["classification_note"] == "They agreed"


def test_the_classify_answer_shows_legal_the_note_it_wrote(reply):
    legal = api_client(UserFactory(role=LEGAL))

    classified = legal.post(
        f"/api/v1/replies/{reply.pk}/classify/", {"outcome": "complied", "note": "Undertaking due"}
    )

    assert classified.json()["classification_note"] == "Undertaking due"


@pytest.mark.parametrize(
    ("role", "allowed"), [(LEGAL, True), (PARALEGAL, False), (MANAGER, False), (ADMIN, False)]
)
def test_only_legal_may_see_privileged_content(role, allowed):
    assert may_see_privileged(UserFactory(role=role)) is allowed


@pytest.mark.parametrize("role", [PARALEGAL, MANAGER, ADMIN])
def test_the_reply_page_does_not_show_the_note_either(client, reply, role):
    client.force_login(UserFactory(role=role))

    page = client.get(reverse("reply_detail", args=[reply.pk]))

    assert page.status_code == 200
    assert NOTE not in page.content.decode()


def test_the_schema_says_the_note_is_only_for_users_allowed_privileged_content(client):
    client.force_login(UserFactory(role=LEGAL))

    schema = client.get("/api/schema/?format=json").json()

    reply = schema["components"]["schemas"]["Reply"]
    assert "classification_note" not in reply.get("required", [])
    assert "privileged" in reply["properties"]["classification_note"]["description"]
