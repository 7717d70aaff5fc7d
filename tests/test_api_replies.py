"""Replies through the API: logging and classifying one, errors per field, and the
Idempotency-Key that makes a retried POST replay the first answer instead of acting twice."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api_helpers import api_client, api_key, audited, reply_body
from tests.campaign_helpers import make_campaign
from tests.conftest import require_postgres
from tests.factories import ContactFactory, UserFactory, make_notice
from warnings_app.domain.roles import PARALEGAL
from warnings_app.models import AuditEvent, IdempotencyKey, Notice, Response

pytestmark = pytest.mark.django_db


@pytest.fixture
def paralegal():
    return api_client(UserFactory(role=PARALEGAL))


# --- replies ----------------------------------------------------------------------------------


def test_log_and_classify_a_reply(paralegal):
    notice = make_notice()

    logged = paralegal.post("/api/v1/replies/", reply_body(notice))
    reply_id = logged.json()["id"]
    classified = paralegal.post(
        f"/api/v1/replies/{reply_id}/classify/",
        {"outcome": "disputes", "demands": [{"demand": "undertaking", "answer": "no"}]},
    )

    assert logged.status_code == 201, logged.json()
    assert logged.json()["company"] == notice.company_id
    assert classified.status_code == 200, classified.json()
    assert classified.json()["outcome"] == "disputes"
    assert classified.json()["demands"] == [{"demand": "undertaking", "answer": "no", "note": ""}]
    assert audited("reply.logged") == audited("reply.classified") == 1


def test_reply_errors_are_400_with_the_field(paralegal):
    notice = make_notice()

    email = paralegal.post("/api/v1/replies/", reply_body(notice, channel="email"))
    future = paralegal.post(
        "/api/v1/replies/",
        reply_body(notice, received_at=(timezone.now() + timedelta(days=1)).isoformat()),
    )
    nothing = paralegal.post("/api/v1/replies/", {"channel": "phone"})

    assert "channel" in email.json()
    assert "received_at" in future.json()
    assert nothing.status_code == 400
    assert Response.objects.count() == 0


# --- idempotency ------------------------------------------------------------------------------


def test_a_repeated_post_with_the_same_key_replays_the_first_response(paralegal):
    notice = make_notice()
    body = reply_body(notice)

    first = paralegal.post("/api/v1/replies/", body, HTTP_IDEMPOTENCY_KEY="k-1")
    again = paralegal.post("/api/v1/replies/", body, HTTP_IDEMPOTENCY_KEY="k-1")
    other = paralegal.post(
        "/api/v1/replies/", {**body, "subject": "changed"}, HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert Response.objects.count() == 1
    assert audited("reply.logged") == 1


def test_a_failed_request_does_not_use_up_its_key(paralegal):
    notice = make_notice()

    bad = paralegal.post("/api/v1/replies/", {"channel": "phone"}, HTTP_IDEMPOTENCY_KEY="k-2")
    good = paralegal.post("/api/v1/replies/", reply_body(notice), HTTP_IDEMPOTENCY_KEY="k-2")

    assert bad.status_code == 400
    assert good.status_code == 201
    assert IdempotencyKey.objects.get().response_status == 201


def test_keys_belong_to_their_user(paralegal):
    notice = make_notice()
    someone_else = api_client(UserFactory(role=PARALEGAL))

    paralegal.post("/api/v1/replies/", reply_body(notice), HTTP_IDEMPOTENCY_KEY="shared")
    someone_else.post("/api/v1/replies/", reply_body(notice), HTTP_IDEMPOTENCY_KEY="shared")

    assert Response.objects.count() == 2


def test_campaign_generate_with_a_key_creates_the_letters_once(django_capture_on_commit_callbacks):
    campaign = make_campaign(companies=2)
    author = api_client(campaign.created_by)

    with django_capture_on_commit_callbacks(execute=False):
        first = author.post(f"/api/v1/campaigns/{campaign.pk}/generate/", HTTP_IDEMPOTENCY_KEY="g")
        again = author.post(f"/api/v1/campaigns/{campaign.pk}/generate/", HTTP_IDEMPOTENCY_KEY="g")
    without_key = author.post(f"/api/v1/campaigns/{campaign.pk}/generate/")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert Notice.objects.filter(campaign=campaign).count() == 2
    assert without_key.status_code == 400  # not a retry: the campaign has moved on


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ten_concurrent_posts_with_one_key_create_one_reply():
    """Each thread has its own database connection; the losers wait on the key's unique index
    and replay the winner's response."""
    require_postgres("ten connections writing at once; SQLite locks the whole table instead")
    notice = make_notice(company=ContactFactory().company)
    user = UserFactory(role=PARALEGAL)
    key = api_key(user)
    body = reply_body(notice)
    start = threading.Barrier(10)
    results: list = []

    def post():
        client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
        try:
            start.wait(timeout=10)
            response = client.post("/api/v1/replies/", body, HTTP_IDEMPOTENCY_KEY="burst")
            results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 10
    assert {status for status, _ in results} == {201}
    assert all(result == results[0][1] for _, result in results)
    assert Response.objects.count() == 1
    assert AuditEvent.objects.filter(verb="reply.logged").count() == 1
    assert IdempotencyKey.objects.count() == 1
