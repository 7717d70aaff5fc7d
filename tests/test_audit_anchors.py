"""The audit chain's head is timestamped by a real timestamp authority (the certomancer TSA on
loopback) and stored as an anchor, copied to a write-once file and by e-mail. With the trigger
out of the way, deleting the newest events, editing one in the middle and recomputing the whole
chain each leave the chain's own links green or not, but verify_integrity names every one
through the anchor it contradicts."""

import io
import stat
from datetime import UTC

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from config.celery import app as celery_app
from tests.conftest import require_postgres
from warnings_app.domain import audit_anchors, audit_chain
from warnings_app.domain.roles import ADMIN, ALL_ROLES, LEGAL
from warnings_app.integrations.timestamps import timestamp_token
from warnings_app.models import AuditAnchor, AuditEvent
from warnings_app.services.audit import audit_record
from warnings_app.services.audit_anchors import AnchorRefused, anchor_chain_head

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tsa(test_tsa, settings):
    settings.AUDIT_ANCHOR_EMAIL = ""
    settings.AUDIT_ANCHOR_PATH = ""
    return test_tsa


def _events(n: int) -> list[AuditEvent]:
    return [audit_record(actor=None, verb=f"step.{i}", data={"i": i}) for i in range(n)]


def _anchor() -> AuditAnchor:
    done = anchor_chain_head()
    assert done.anchor is not None, done.message
    return done.anchor


def _behind_the_trigger(sql: str, params: list | tuple = ()) -> None:
    """What only the tables' owner or a superuser can do: switch the append-only triggers off
    (PostgreSQL; SQLite has none) for one statement."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def _failure() -> tuple[str, str]:
    """verify_integrity's failure message and its stdout, for a check that must fail."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_integrity", stdout=out, stderr=err)
    return str(failure.value), out.getvalue()


def _label(anchor: AuditAnchor) -> str:
    when = f"{anchor.stamped_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return f"anchor #{anchor.pk} ({when}, head event {anchor.event_id} "


def test_an_anchor_stamps_the_head_and_a_clean_chain_verifies():
    events = _events(5)

    anchor = _anchor()

    assert (anchor.event_id, anchor.event_hash) == (events[-1].pk, events[-1].hash)
    assert bytes(anchor.stamped) == f"audit-chain-head:{events[-1].pk}:{events[-1].hash}".encode()
    assert "Test Timestamp Authority" in anchor.authority
    assert not anchor.demo
    recorded = AuditEvent.objects.get(verb="audit.anchored")
    assert recorded.pk == anchor.event_id + 1  # the anchoring comes after the head it anchors
    assert recorded.data["event_hash"] == anchor.event_hash
    out = io.StringIO()
    call_command("verify_integrity", stdout=out, stderr=io.StringIO())
    assert "Checked 1 anchor(s); 0 contradiction(s)." in out.getvalue()


def test_nothing_new_since_the_last_anchor_makes_no_new_anchor():
    _events(2)
    first = _anchor()

    again = anchor_chain_head()  # only the anchoring's own event came since

    assert again.anchor is None
    assert f"Nothing new since anchor #{first.pk}" in again.message
    audit_record(actor=None, verb="company.created")
    assert anchor_chain_head().anchor is not None
    assert AuditAnchor.objects.count() == 2


def test_deleting_the_newest_ten_events_is_named_through_the_anchor():
    _events(30)
    anchor = _anchor()
    newest = list(AuditEvent.objects.order_by("-pk").values_list("pk", flat=True)[:10])

    _behind_the_trigger("DELETE FROM warnings_app_auditevent WHERE id >= %s", [min(newest)])

    message, out = _failure()
    assert "0 break(s)" in out  # the chain's own links cannot see a missing tail
    expected = (
        f"event {anchor.event_id} is missing — the chain ends at {min(newest) - 1} (deleted tail)"
    )
    assert _label(anchor) in message
    assert expected in message


def test_editing_one_event_in_the_middle_is_named_through_the_anchor():
    events = _events(20)
    anchor = _anchor()

    _behind_the_trigger(
        "UPDATE warnings_app_auditevent SET verb = 'notice.approved' WHERE id = %s",
        [events[9].pk],
    )

    message, _ = _failure()
    assert _label(anchor) in message
    assert f"the chain breaks at event {events[9].pk} before anchored head {anchor.event_id}" in (
        message
    )


def _recompute_the_whole_chain() -> None:
    """Re-hash every event from the first, consistently: every link verifies again."""
    prev = audit_chain.GENESIS
    rows = AuditEvent.objects.order_by("pk").values(*audit_chain.FIELDS)
    for row in list(rows):
        digest = audit_chain.event_hash(prev, row)
        _behind_the_trigger(
            "UPDATE warnings_app_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
            [prev, digest, row["id"]],
        )
        prev = digest


def test_a_recomputed_chain_is_named_through_the_anchor():
    events = _events(12)
    anchor = _anchor()
    _behind_the_trigger(
        'UPDATE warnings_app_auditevent SET data = \'{"i": "someone else"}\' WHERE id = %s',
        [events[4].pk],
    )

    _recompute_the_whole_chain()

    message, out = _failure()
    assert "0 break(s)" in out  # the chain alone is consistent again
    assert _label(anchor) in message
    assert f"event {anchor.event_id}'s hash" in message
    assert "differs from the anchored head (rewritten chain)" in message


def test_an_altered_or_forged_anchor_token_fails():
    _events(3)
    altered = _anchor()
    audit_record(actor=None, verb="company.created")
    forged = _anchor()
    token = bytearray(bytes(altered.token))
    token[-40] ^= 0x01  # one bit of the signature
    other = timestamp_token(b"audit-chain-head:1:" + b"0" * 64)  # a real token, other bytes

    _behind_the_trigger(
        "UPDATE warnings_app_auditanchor SET token = %s WHERE id = %s", [bytes(token), altered.pk]
    )
    _behind_the_trigger(
        "UPDATE warnings_app_auditanchor SET token = %s WHERE id = %s", [other, forged.pk]
    )

    message, _ = _failure()
    assert f"{_label(altered)}" in message
    assert "its timestamp token does not verify" in message
    assert f"{_label(forged)}" in message
    assert "the token is not over this data" in message


def test_a_token_from_an_authority_we_do_not_trust_fails(settings, tsa):
    _events(2)
    anchor = _anchor()

    settings.TSA_TRUST_ROOTS = [tsa.signer_cert_pem]  # a certificate not on the TSA's path

    message, _ = _failure()
    assert _label(anchor) in message
    assert "not one we trust" in message


def test_the_anchor_file_is_written_once_and_never_overwritten(settings, tmp_path):
    settings.AUDIT_ANCHOR_PATH = str(tmp_path)
    events = _events(3)

    anchor = _anchor()

    path = tmp_path / audit_anchors.file_name(events[-1].pk)
    assert anchor.file_path == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    copy = audit_anchors.parse_file(path.read_text())
    assert (copy.number, copy.event_id, copy.event_hash) == (
        anchor.pk,
        anchor.event_id,
        anchor.event_hash,
    )
    assert copy.token == bytes(anchor.token)

    # A database restored to before the anchor anchors the same head again: refused.
    _behind_the_trigger("DELETE FROM warnings_app_auditanchor")
    _behind_the_trigger("DELETE FROM warnings_app_auditevent WHERE verb = 'audit.anchored'")
    before = path.read_bytes()
    with pytest.raises(AnchorRefused, match=r"exists already.*never overwritten"):
        anchor_chain_head()
    assert path.read_bytes() == before
    assert not AuditAnchor.objects.exists()
    assert not AuditEvent.objects.filter(verb="audit.anchored").exists()


def test_an_anchor_deleted_from_the_database_is_named_from_its_file(settings, tmp_path):
    settings.AUDIT_ANCHOR_PATH = str(tmp_path)
    _events(6)
    anchor = _anchor()
    number, head = anchor.pk, anchor.event_id

    _behind_the_trigger("DELETE FROM warnings_app_auditanchor WHERE id = %s", [number])
    _recompute_after_editing(head - 2)

    message, out = _failure()
    assert f"anchor #{number} (head event {head} " in message
    assert "but not in the database (deleted anchor)" in message
    # The copy on disk still holds the chain to its head.
    assert "file audit-anchor-" in message
    assert "(rewritten chain)" in message
    assert "Checked 0 anchor(s) and 1 anchor file(s)" in out


def _recompute_after_editing(pk: int) -> None:
    _behind_the_trigger("UPDATE warnings_app_auditevent SET verb = 'forged' WHERE id = %s", [pk])
    _recompute_the_whole_chain()


def test_the_anchor_is_emailed_with_its_token(settings, mailoutbox):
    settings.AUDIT_ANCHOR_EMAIL = "anchors@example.org"
    events = _events(2)

    anchor = _anchor()

    assert anchor.emailed_to == "anchors@example.org"
    [sent] = mailoutbox
    assert sent.to == ["anchors@example.org"]
    assert f"#{anchor.pk}" in sent.subject
    assert f"Head event id:   {events[-1].pk}" in sent.body
    assert events[-1].hash in sent.body
    assert anchor.authority in sent.body
    attachments = {name: content for name, content, _ in sent.attachments}
    assert attachments[f"audit-anchor-{anchor.pk:06d}.tst"] == bytes(anchor.token)
    assert attachments[f"audit-anchor-{anchor.pk:06d}.txt"] in (
        bytes(anchor.stamped),
        bytes(anchor.stamped).decode(),
    )


def test_a_failed_mail_stores_no_anchor_and_leaves_no_file(settings, tmp_path):
    settings.AUDIT_ANCHOR_EMAIL = "anchors@example.org"
    settings.AUDIT_ANCHOR_PATH = str(tmp_path)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    _events(2)

    with pytest.raises(ConnectionRefusedError):
        anchor_chain_head()

    assert not AuditAnchor.objects.exists()
    assert list(tmp_path.iterdir()) == []


def test_the_task_runs_from_its_beat_schedule_entry():
    _events(2)
    entry = celery_app.conf.beat_schedule["anchor-audit-chain"]

    result = celery_app.tasks[entry["task"]]()  # in process, as a worker would call it

    assert entry["schedule"] == 60 * 60.0
    anchor = AuditAnchor.objects.get()
    assert result == {
        "anchor": anchor.pk,
        "message": f"Anchored head event {anchor.event_id} as anchor #{anchor.pk}.",
    }


def test_the_command_anchors_on_demand():
    _events(2)
    out = io.StringIO()

    call_command("anchor_audit_chain", stdout=out)

    anchor = AuditAnchor.objects.get()
    assert f"as anchor #{anchor.pk}" in out.getvalue()
    assert "the database only" in out.getvalue()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_legal_and_admin_may_press_the_anchor_button(client_as, role, role_users):
    _events(2)
    client = client_as(role)
    allowed = role in (LEGAL, ADMIN)

    response = client.post(reverse("audit_anchor"))

    assert response.status_code == (302 if allowed else 403)
    assert AuditAnchor.objects.exists() == allowed
    if allowed:
        event = AuditEvent.objects.get(verb="audit.anchored")
        assert event.actor == role_users[role]
        page = client.get(reverse("audit_log"))
        assert b"Anchor the chain now" in page.content
        assert f"Last anchor: #{AuditAnchor.objects.get().pk}".encode() in page.content


def test_the_anchor_button_takes_only_a_post(client_as):
    _events(1)

    response = client_as(LEGAL).get(reverse("audit_anchor"))

    assert response.status_code == 405
    assert not AuditAnchor.objects.exists()


def test_the_database_refuses_to_change_or_delete_an_anchor():
    require_postgres("the append-only trigger is PostgreSQL's")
    _events(1)
    anchor = _anchor()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditAnchor.objects.filter(pk=anchor.pk).update(event_hash="0" * 64)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditAnchor.objects.filter(pk=anchor.pk).delete()

    anchor.refresh_from_db()
    assert anchor.event_hash != "0" * 64
