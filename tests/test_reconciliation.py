"""Reconciliation ends: a letter whose outcome is unknown (the connection broke after its content
was handed over) is marked delivered on evidence, or sent again with the same Message-ID, by
Legal only, once, audited. The letters are parked the real way: a loopback SMTP server that
drops or hangs after the data, and, end to end, a worker process killed mid-conversation."""

import os
import re
import signal
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.api_helpers import api_client
from tests.campaign_helpers import make_campaign
from tests.conftest import require_postgres
from tests.factories import UserFactory
from tests.letters_helpers import notice_with_schedule
from tests.worker import wait_for
from warnings_app import services
from warnings_app.domain import audit_chain
from warnings_app.domain.roles import ADMIN, LEGAL, MANAGER, PARALEGAL
from warnings_app.integrations.emails import notice_message_id
from warnings_app.models import AuditEvent, DeliveryAttempt, FollowUp, Notice
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services.campaigns import campaign_approve, campaign_generate, campaign_send
from warnings_app.services.delivery.queue import notice_queue
from warnings_app.services.delivery.reconcile import reconciliation_resolve
from warnings_app.services.delivery.send import notice_deliver
from warnings_app.services.delivery.sweep import notices_sweep
from warnings_app.tasks import render_notice_task

pytestmark = pytest.mark.django_db

DELIVERED_VERB = "delivery.reconciled_delivered"
SEND_AGAIN_VERB = "delivery.reconciled_send_again"
PROOF = "The relay's log shows 250 2.0.0 Ok: queued as 4XyZ for this Message-ID on 3 March."


def _approved_letter() -> Notice:
    notice = notice_with_schedule(works=1)
    notice = services.notice_render(notice=notice, by=notice.created_by)
    return services.notice_approve(notice=notice, by=UserFactory(role=LEGAL))


def _park(notice: Notice, smtp_server, answers=("drop",)) -> Notice:
    """Deliver through the loopback server until it drops the connection after the data."""
    smtp_server.handler.script = list(answers)
    for _ in answers:
        Notice.objects.filter(pk=notice.pk).update(next_attempt_at=None)  # backoff has passed
        notice_deliver(notice_id=notice.pk, worker="w1")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.NEEDS_RECONCILIATION
    return notice


def _parked_letter(smtp_server, answers=("drop",)) -> Notice:
    return _park(notice_queue(notice=_approved_letter(), by=None), smtp_server, answers)


def _parked_campaign_letter(smtp_server) -> Notice:
    """A campaign's first letter (it has a ladder of one reminder), parked."""
    campaign = make_campaign(companies=1)
    campaign_generate(campaign=campaign, by=campaign.created_by)
    [notice] = Notice.objects.filter(campaign=campaign)
    render_notice_task(notice.pk)
    campaign_approve(campaign=campaign, by=UserFactory(role=LEGAL))
    campaign_send(campaign=campaign, by=campaign.created_by)
    return _park(notice, smtp_server)


def _events(notice: Notice, verb: str):
    return AuditEvent.objects.filter(
        verb=verb, target_type="warnings_app.notice", target_id=str(notice.pk)
    )


def _snapshot(notice: Notice) -> tuple:
    """Everything a refused request must leave as it was."""
    fresh = Notice.objects.get(pk=notice.pk)
    attempts = list(
        fresh.deliveries.order_by("pk").values_list("pk", "outcome", "server_reply", "finished_at")
    )
    return (
        fresh.status,
        fresh.sent_at,
        fresh.next_attempt_at,
        attempts,
        # Not the account.* events of a user the test makes while acting: the action's own.
        AuditEvent.objects.exclude(verb__startswith="account.").count(),
        FollowUp.objects.filter(notice=fresh).count(),
    )


# The service's rules


def test_marking_delivered_counts_it_sent_from_the_last_attempt_and_keeps_the_evidence(
    smtp_server,
):
    notice = _parked_campaign_letter(smtp_server)
    attempt = notice.deliveries.get()
    lawyer = UserFactory(role=LEGAL)

    done = reconciliation_resolve(notice=notice, by=lawyer, action="delivered", note=f" {PROOF} ")

    assert done.status == NoticeStatus.SENT
    assert done.sent_at == attempt.started_at
    kept = DeliveryAttempt.objects.get(pk=attempt.pk)
    assert (kept.outcome, kept.server_reply, kept.finished_at) == (
        DeliveryAttempt.Outcome.UNKNOWN,
        attempt.server_reply,
        attempt.finished_at,
    )
    assert list(FollowUp.objects.filter(notice=notice).values_list("step__name", flat=True)) == [
        "Reminder"
    ]
    [event] = _events(notice, DELIVERED_VERB)
    assert (event.actor, event.from_state, event.to_state) == (
        lawyer,
        NoticeStatus.NEEDS_RECONCILIATION,
        NoticeStatus.SENT,
    )
    assert event.data["note"] == PROOF
    assert event.data["attempt_ids"] == [attempt.pk]
    assert event.data["message_id"] == notice_message_id(notice)
    assert event.data["resolved_by"] == lawyer.username
    assert len(smtp_server.handler.received) == 1  # nothing was sent again


def test_sending_again_queues_it_and_publishes_only_after_commit(
    smtp_server, django_capture_on_commit_callbacks
):
    notice = _parked_letter(smtp_server)
    lawyer = UserFactory(role=LEGAL)

    with django_capture_on_commit_callbacks() as published:
        queued = reconciliation_resolve(notice=notice, by=lawyer, action="send_again", note="")
        assert published == []  # nothing leaves before the commit

    assert queued.status == NoticeStatus.QUEUED
    assert queued.next_attempt_at <= timezone.now()
    assert len(published) == 1
    [event] = _events(notice, SEND_AGAIN_VERB)
    assert event.actor == lawyer
    assert event.data["unknown_attempt_id"] == notice.deliveries.get().pk


def test_a_letter_sent_again_carries_the_same_message_id(smtp_server):
    notice = _parked_letter(smtp_server)
    reconciliation_resolve(
        notice=notice, by=UserFactory(role=LEGAL), action="send_again", note="relay has no log"
    )

    outcome = notice_deliver(notice_id=notice.pk, worker="w2")

    assert outcome == "sent"
    expected = notice_message_id(notice)
    assert smtp_server.handler.message_ids() == [expected, expected]
    assert list(notice.deliveries.order_by("pk").values_list("outcome", "message_id")) == [
        (DeliveryAttempt.Outcome.UNKNOWN, expected),
        (DeliveryAttempt.Outcome.ACCEPTED, expected),
    ]


@pytest.mark.parametrize("note", ["", "   \n "])
def test_marking_delivered_without_saying_what_proves_it_changes_nothing(smtp_server, note):
    notice = _parked_letter(smtp_server)
    before = _snapshot(notice)

    with pytest.raises(services.ServiceError, match="Say what shows the letter arrived"):
        reconciliation_resolve(
            notice=notice, by=UserFactory(role=LEGAL), action="delivered", note=note
        )

    assert _snapshot(notice) == before


@pytest.mark.parametrize("role", [PARALEGAL, MANAGER, ADMIN, None])
@pytest.mark.parametrize("action", ["delivered", "send_again"])
def test_only_legal_may_resolve(smtp_server, role, action):
    notice = _parked_letter(smtp_server)
    before = _snapshot(notice)

    with pytest.raises(services.ServiceError, match="Only Legal"):
        reconciliation_resolve(notice=notice, by=UserFactory(role=role), action=action, note=PROOF)

    assert _snapshot(notice) == before


def test_an_unknown_action_changes_nothing(smtp_server):
    notice = _parked_letter(smtp_server)
    before = _snapshot(notice)

    with pytest.raises(services.ServiceError, match="Unknown action"):
        reconciliation_resolve(notice=notice, by=UserFactory(role=LEGAL), action="forget", note="x")

    assert _snapshot(notice) == before


@pytest.mark.parametrize("action", ["delivered", "send_again"])
def test_a_letter_not_waiting_for_reconciliation_is_refused(smtp_server, action):
    notice = notice_queue(notice=_approved_letter(), by=None)
    notice_deliver(notice_id=notice.pk, worker="w1")  # the server says 250: sent
    before = _snapshot(notice)

    with pytest.raises(services.NoticeStateError, match="not waiting for reconciliation"):
        reconciliation_resolve(notice=notice, by=UserFactory(role=LEGAL), action=action, note=PROOF)

    assert _snapshot(notice) == before


def test_a_second_decision_on_the_same_letter_is_refused(smtp_server):
    notice = _parked_letter(smtp_server)
    reconciliation_resolve(
        notice=notice, by=UserFactory(role=LEGAL), action="delivered", note=PROOF
    )
    before = _snapshot(notice)

    with pytest.raises(services.NoticeStateError, match="resolved it already"):
        reconciliation_resolve(
            notice=notice, by=UserFactory(role=LEGAL), action="send_again", note=""
        )

    assert _snapshot(notice) == before


def test_sending_again_to_a_company_now_on_hold_is_refused(smtp_server):
    notice = _parked_letter(smtp_server)
    notice.company.hold_automation = True
    notice.company.hold_reason = "settlement talks"
    notice.company.save()
    before = _snapshot(notice)

    with pytest.raises(services.ServiceError, match="on hold \\(settlement talks\\)"):
        reconciliation_resolve(
            notice=notice, by=UserFactory(role=LEGAL), action="send_again", note=""
        )

    assert _snapshot(notice) == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_lawyers_pressing_at_once_resolve_the_letter_once(smtp_server):
    require_postgres("two transactions contending for the notice's row lock")
    notice = _parked_letter(smtp_server)
    lawyers = [UserFactory(role=LEGAL) for _ in range(2)]
    barrier, results = threading.Barrier(2), []

    def press(lawyer):
        try:
            barrier.wait(timeout=10)
            reconciliation_resolve(notice=notice, by=lawyer, action="delivered", note=PROOF)
            results.append("resolved")
        except services.ServiceError as exc:
            results.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(lawyer,)) for lawyer in lawyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results)[-1] == "resolved"
    assert "not waiting for reconciliation" in sorted(results)[0]
    assert _events(notice, DELIVERED_VERB).count() == 1


# The page


def _page(client, user, query=""):
    client.force_login(user)
    response = client.get(reverse("reconciliation") + query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_every_attempt_with_the_servers_reply_in_full(client, smtp_server):
    notice = _parked_letter(smtp_server, answers=("451", "drop"))
    first, second = notice.deliveries.order_by("pk")
    long_reply = "no clear answer after the message was handed over: " + "x" * 900
    DeliveryAttempt.objects.filter(pk=second.pk).update(server_reply=long_reply)

    html = _page(client, UserFactory(role=LEGAL))

    assert notice.reference in html
    assert notice.company.legal_name in html
    assert notice.merge_data["recipient"]["email"] in html
    assert notice_message_id(notice).replace("<", "&lt;").replace(">", "&gt;") in html
    assert f'data-testid="attempt-{first.pk}"' in html
    assert f'data-testid="attempt-{second.pk}"' in html
    assert "451 4.3.0 Temporary local problem, try again later" in html
    assert long_reply in html
    assert "Outcome unknown" in html
    assert "Mark delivered" in html
    assert "Send again" in html
    assert "same Message-ID" in html


@pytest.mark.parametrize("role", [PARALEGAL, MANAGER, ADMIN])
def test_others_read_the_page_without_the_buttons_and_are_told_why(client, smtp_server, role):
    notice = _parked_letter(smtp_server)

    html = _page(client, UserFactory(role=role))

    assert notice.reference in html
    assert "Mark delivered" not in html
    assert reverse("notice_reconcile", args=[notice.pk]) not in html
    assert 'data-testid="why-no-actions"' in html
    assert "only\nLegal can resolve these letters" in html


def test_the_page_lists_only_letters_needing_reconciliation_in_a_bounded_number_of_queries(
    client, smtp_server, django_assert_max_num_queries
):
    parked = [_parked_letter(smtp_server) for _ in range(3)]
    sent = notice_queue(notice=_approved_letter(), by=None)
    notice_deliver(notice_id=sent.pk, worker="w1")
    client.force_login(UserFactory(role=LEGAL))

    with django_assert_max_num_queries(10):
        html = client.get(reverse("reconciliation")).content.decode()

    assert all(n.reference in html for n in parked)
    assert sent.reference not in html


def test_the_page_can_show_one_letter_and_says_when_the_choice_is_not_an_id(client, smtp_server):
    one, other = _parked_letter(smtp_server), _parked_letter(smtp_server)
    lawyer = UserFactory(role=LEGAL)

    only_one = _page(client, lawyer, f"?notice={one.pk}")
    refused = _page(client, lawyer, "?notice=abc")

    assert one.reference in only_one
    assert other.reference not in only_one
    assert "Showing every letter" in refused
    assert "is not an id" in refused
    assert {one.reference, other.reference} <= set(re.findall(r"WN-\d{4}-\d{6}", refused))


def test_the_work_queue_and_the_letter_link_to_the_page(client, smtp_server):
    parked = _parked_letter(smtp_server)
    sent = notice_queue(notice=_approved_letter(), by=None)
    notice_deliver(notice_id=sent.pk, worker="w1")
    client.force_login(UserFactory(role=PARALEGAL))

    queue = client.get(reverse("work_queue") + "?section=reconciliation").content.decode()
    parked_page = client.get(reverse("notice_detail", args=[parked.pk])).content.decode()
    sent_page = client.get(reverse("notice_detail", args=[sent.pk])).content.decode()

    assert f'href="{reverse("reconciliation")}"' in queue
    assert f"{reverse('reconciliation')}?notice={parked.pk}" in parked_page
    assert reverse("reconciliation") not in sent_page


def test_marking_delivered_from_the_page(client, smtp_server):
    notice = _parked_letter(smtp_server)
    lawyer = UserFactory(role=LEGAL)
    client.force_login(lawyer)

    response = client.post(
        reverse("notice_reconcile", args=[notice.pk]), {"action": "delivered", "note": PROOF}
    )

    assert response.status_code == 302
    assert response.url == reverse("notice_detail", args=[notice.pk])
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT
    [event] = _events(notice, DELIVERED_VERB)
    assert (event.actor, event.data["note"]) == (lawyer, PROOF)


def test_sending_again_from_the_page_needs_the_box_ticked(client, smtp_server):
    notice = _parked_letter(smtp_server)
    client.force_login(UserFactory(role=LEGAL))  # signing in is audited too
    before = _snapshot(notice)
    url = reverse("notice_reconcile", args=[notice.pk])

    unticked = client.post(url, {"action": "send_again"}, follow=True)
    assert _snapshot(notice) == before
    assert "tick the box" in unticked.content.decode()

    client.post(url, {"action": "send_again", "confirm": "yes"})
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.QUEUED


def test_a_refusal_on_the_page_is_shown_and_changes_nothing(client, smtp_server):
    notice = _parked_letter(smtp_server)
    client.force_login(UserFactory(role=LEGAL))  # signing in is audited too
    before = _snapshot(notice)

    response = client.post(
        reverse("notice_reconcile", args=[notice.pk]),
        {"action": "delivered", "note": ""},
        follow=True,
    )

    assert "Nothing was changed: Say what shows the letter arrived" in response.content.decode()
    assert _snapshot(notice) == before


@pytest.mark.parametrize("role", [PARALEGAL, MANAGER, ADMIN])
def test_only_legal_may_post_a_decision_from_the_page(client, smtp_server, role):
    notice = _parked_letter(smtp_server)
    client.force_login(UserFactory(role=role))
    before = _snapshot(notice)

    response = client.post(
        reverse("notice_reconcile", args=[notice.pk]), {"action": "delivered", "note": PROOF}
    )

    assert response.status_code == 403
    assert _snapshot(notice) == before


# The API


def _api_url(notice: Notice) -> str:
    return reverse("api:notice-reconcile", args=[notice.pk])


def test_the_api_marks_a_letter_delivered(smtp_server):
    notice = _parked_letter(smtp_server)
    lawyer = UserFactory(role=LEGAL)

    response = api_client(lawyer).post(
        _api_url(notice), {"action": "delivered", "note": PROOF}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["status"]) == (notice.pk, "sent")
    [event] = _events(notice, DELIVERED_VERB)
    assert (event.actor, event.data["note"]) == (lawyer, PROOF)


def test_the_api_sends_a_letter_again(smtp_server, django_capture_on_commit_callbacks):
    notice = _parked_letter(smtp_server)

    with django_capture_on_commit_callbacks() as published:
        response = api_client(UserFactory(role=LEGAL)).post(
            _api_url(notice), {"action": "send_again"}, format="json"
        )

    assert response.status_code == 200
    assert response.json()["status"] == "queued"
    assert len(published) == 1
    assert _events(notice, SEND_AGAIN_VERB).count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"action": "delivered"}, "Say what shows the letter arrived"),
        ({"action": "delivered", "note": " "}, "Say what shows the letter arrived"),
        ({"action": "forget", "note": PROOF}, "not a valid choice"),
        ({"note": PROOF}, "required"),
        ({"action": "delivered", "note": 5}, "Expected a string"),
    ],
)
def test_the_api_refuses_bad_input_and_changes_nothing(smtp_server, body, message):
    notice = _parked_letter(smtp_server)
    before = _snapshot(notice)

    response = api_client(UserFactory(role=LEGAL)).post(_api_url(notice), body, format="json")

    assert response.status_code == 400
    assert message in response.content.decode()
    assert _snapshot(notice) == before


def test_the_api_refuses_a_letter_already_resolved(smtp_server):
    notice = _parked_letter(smtp_server)
    client = api_client(UserFactory(role=LEGAL))
    client.post(_api_url(notice), {"action": "delivered", "note": PROOF}, format="json")
    before = _snapshot(notice)

    again = client.post(_api_url(notice), {"action": "send_again"}, format="json")

    assert again.status_code == 400
    assert "not waiting for reconciliation" in again.json()["detail"]
    assert _snapshot(notice) == before


@pytest.mark.parametrize("role", [PARALEGAL, MANAGER, ADMIN])
def test_the_api_refuses_anyone_but_legal(smtp_server, role):
    notice = _parked_letter(smtp_server)
    before = _snapshot(notice)

    response = api_client(UserFactory(role=role)).post(
        _api_url(notice), {"action": "delivered", "note": PROOF}, format="json"
    )

    assert response.status_code == 403
    assert _snapshot(notice) == before


def test_the_schema_documents_the_reconcile_action(client):
    client.force_login(UserFactory(role=LEGAL))

    schema = client.get(reverse("api:schema") + "?format=json").json()

    operation = schema["paths"]["/api/v1/notices/{id}/reconcile/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][body.rsplit("/", 1)[1]]["properties"]
    assert set(fields) == {"action", "note"}
    assert {"200", "400", "403", "404"} <= set(operation["responses"])


# End to end: a real worker killed after the content, the sweeper, the page, both decisions


def _status(notice: Notice) -> str:
    return Notice.objects.get(pk=notice.pk).status


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_after_the_data_is_reconciled_by_sending_again_or_marking_delivered(
    worker_for, smtp_server, client
):
    hung, dropped = _approved_letter(), _approved_letter()
    # The EMAIL_TIMEOUT outlasts the kill: the worker must die waiting, not give up by itself.
    worker = worker_for(concurrency=1, extra_env={"EMAIL_TIMEOUT": "90"})
    assert wait_for(lambda: bool(worker.children()), 30)
    smtp_server.handler.script = ["hang"]

    # The server takes the content and never answers; the worker child dies waiting.
    notice_queue(notice=hung, by=None)
    assert wait_for(lambda: smtp_server.handler.data_commands == 1, 60)
    attempt = hung.deliveries.get()
    assert (attempt.phase, _status(hung)) == ("content", NoticeStatus.SENDING)
    for child in worker.children():
        os.kill(child, signal.SIGKILL)
    # Another letter, whose connection the server drops after the data, parks itself.
    smtp_server.handler.script = ["drop"]
    notice_queue(notice=dropped, by=None)
    assert wait_for(lambda: _status(dropped) == NoticeStatus.NEEDS_RECONCILIATION, 60)
    # The killed child's lease expires: the sweeper parks the hung letter, never resends it.
    assert _status(hung) == NoticeStatus.SENDING
    lease_over = timezone.now() + timedelta(seconds=settings.SEND_LEASE_SECONDS + 1)
    assert notices_sweep(now=lease_over)["recovered"] == 1
    assert _status(hung) == NoticeStatus.NEEDS_RECONCILIATION
    assert DeliveryAttempt.objects.get(pk=attempt.pk).outcome == DeliveryAttempt.Outcome.UNKNOWN

    lawyer = UserFactory(role=LEGAL)
    html = _page(client, lawyer)
    assert hung.reference in html
    assert dropped.reference in html
    assert "worker stopped after handing the message over" in html
    assert "no clear answer after the message was handed over" in html

    # Send again: the worker delivers it once more, with the same Message-ID.
    client.post(
        reverse("notice_reconcile", args=[hung.pk]),
        {"action": "send_again", "confirm": "yes", "note": "the relay has no record of it"},
    )
    assert wait_for(lambda: _status(hung) == NoticeStatus.SENT, 60)
    # Mark the other delivered on the evidence: nothing is sent.
    client.post(
        reverse("notice_reconcile", args=[dropped.pk]), {"action": "delivered", "note": PROOF}
    )
    assert _status(dropped) == NoticeStatus.SENT
    # Later sweeps and a few seconds of a running worker change nothing more.
    notices_sweep(now=lease_over + timedelta(hours=1))
    wait_for(lambda: False, 5)

    hung_id, dropped_id = notice_message_id(hung), notice_message_id(dropped)
    assert smtp_server.handler.data_commands == 3  # hang, drop, the copy sent again
    assert Counter(smtp_server.handler.message_ids()) == {hung_id: 2, dropped_id: 1}
    assert list(hung.deliveries.order_by("pk").values_list("outcome", "message_id")) == [
        (DeliveryAttempt.Outcome.UNKNOWN, hung_id),
        (DeliveryAttempt.Outcome.ACCEPTED, hung_id),
    ]
    assert dropped.deliveries.get().outcome == DeliveryAttempt.Outcome.UNKNOWN
    [again] = _events(hung, SEND_AGAIN_VERB)
    [proved] = _events(dropped, DELIVERED_VERB)
    assert (again.actor, again.data["note"]) == (lawyer, "the relay has no record of it")
    assert (proved.actor, proved.data["note"]) == (lawyer, PROOF)
    stored = AuditEvent.objects.order_by("pk").values(*audit_chain.FIELDS, "prev_hash", "hash")
    assert list(audit_chain.verify(stored)) == []
    assert "Nothing needs reconciliation." in _page(client, lawyer)
