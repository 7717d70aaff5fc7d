"""The audit log is a hash chain: every writer links on from the last committed event, the
hashes can be recomputed from the rows as stored, PostgreSQL refuses to change or delete a row,
and verify_integrity names the first event altered behind its back."""

import csv
import io
import itertools
import json
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from tests.conftest import require_postgres
from tests.factories import CompanyFactory, UserFactory, make_notice
from warnings_app.domain import audit_chain
from warnings_app.domain.roles import ADMIN, ALL_ROLES, LEGAL
from warnings_app.models import AuditEvent
from warnings_app.services.audit import audit_event, audit_record, audit_record_many

pytestmark = pytest.mark.django_db

STORED = (*audit_chain.FIELDS, "prev_hash", "hash")


def _stored_rows() -> list[dict]:
    return list(AuditEvent.objects.order_by("pk").values(*STORED))


def _verify() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_integrity", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_single_and_batch_writes_make_one_chain_that_recomputes_from_the_stored_rows():
    user, company = UserFactory(), CompanyFactory()
    awkward = {
        "when": datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC),
        "amount": Decimal("12.50"),
        "ratio": 1.0,
        "big": 1e20,
        "names": ["Zoë", "=cmd"],
    }

    first = audit_record(actor=user, verb="company.created", target=company, data=awkward)
    batch = audit_record_many(
        audit_event(actor=user, verb="contact.created", target=company, data={"n": n})
        for n in range(3)
    )
    last = audit_record(actor=None, verb="import.committed")

    rows = _stored_rows()  # the user's creation (account.created) comes first
    ours = [r for r in rows if r["id"] >= first.pk]
    assert [r["id"] for r in ours] == [first.pk, *(e.pk for e in batch), last.pk]
    assert rows[0]["prev_hash"] == audit_chain.GENESIS
    for before, row in itertools.pairwise(rows):
        assert row["prev_hash"] == before["hash"]
    for row in rows:
        assert audit_chain.event_hash(row["prev_hash"], row) == row["hash"]
        assert len(row["hash"]) == 64
    assert list(audit_chain.verify(rows)) == []
    assert [e.hash for e in [first, *batch, last]] == [r["hash"] for r in ours]


def test_an_event_saved_around_the_chain_is_refused():
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.create(verb="forged")


def test_a_rolled_back_write_leaves_no_gap_in_the_chain():
    audit_record(actor=None, verb="one")
    with transaction.atomic():
        audit_record(actor=None, verb="rolled.back")
        transaction.set_rollback(True)
    audit_record(actor=None, verb="two")

    assert list(audit_chain.verify(_stored_rows())) == []
    out, _ = _verify()
    assert "Checked 2 audit event(s); 0 break(s)." in out


def test_the_database_refuses_to_update_or_delete_an_audit_event():
    require_postgres()
    event = audit_record(actor=None, verb="company.created")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(verb="forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM warnings_app_auditevent")

    event.refresh_from_db()
    assert event.verb == "company.created"


def _alter_behind_the_triggers(pk: int, sql: str) -> None:
    """What only a database superuser could do: switch the trigger off for one statement."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, [pk])


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE warnings_app_auditevent SET verb = 'notice.approved' WHERE id = %s",
        'UPDATE warnings_app_auditevent SET data = \'{"by": "someone else"}\' WHERE id = %s',
        "DELETE FROM warnings_app_auditevent WHERE id = %s",
    ],
    ids=["verb", "data", "deleted"],
)
def test_verify_integrity_names_the_first_event_altered_behind_the_triggers(sql):
    require_postgres()
    events = [audit_record(actor=None, verb=f"step.{n}", data={"n": n}) for n in range(5)]
    out, _ = _verify()
    assert "Checked 5 audit event(s); 0 break(s)." in out

    _alter_behind_the_triggers(events[2].pk, sql)
    errors = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_integrity", stdout=io.StringIO(), stderr=errors)

    broken = events[3] if sql.startswith("DELETE") else events[2]
    assert f"audit event {broken.pk} (" in str(failure.value)
    assert f"audit event {broken.pk} (" in errors.getvalue()
    assert f"audit event {events[1].pk} (" not in errors.getvalue()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_make_a_single_unbroken_chain():
    require_postgres()
    threads, per_thread, failures = 6, 15, []
    start = threading.Barrier(threads)

    def write(n: int) -> None:
        try:
            start.wait(timeout=10)
            for i in range(per_thread):
                if i % 3 == 0:
                    audit_record_many(
                        [audit_event(actor=None, verb=f"w{n}.batch", data={"i": i})] * 1
                        + [audit_event(actor=None, verb=f"w{n}.batch", data={"j": i})]
                    )
                else:
                    with transaction.atomic():
                        audit_record(actor=None, verb=f"w{n}.single", data={"i": i})
        except Exception as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert failures == []
    rows = _stored_rows()
    # The database restored for this test brings its groups' permissions back through the ORM,
    # which the account signals record (role.permissions_changed): count the writers' own.
    written = [r for r in rows if r["verb"].startswith("w")]
    assert len(written) == threads * (per_thread + per_thread // 3)
    assert list(audit_chain.verify(rows)) == []
    assert len({r["prev_hash"] for r in rows}) == len(rows)  # no two events share a parent


def test_seed_scale_continues_the_chain_from_the_last_event():
    audit_record(actor=None, verb="before.the.seed")

    call_command("seed_scale", notices=100, stdout=io.StringIO())

    out, _ = _verify()
    assert "0 break(s)." in out
    assert AuditEvent.objects.count() > 1000


# --- the viewer -------------------------------------------------------------------------------


@pytest.fixture
def history():
    legal, paralegal = UserFactory(username="ines"), UserFactory(username="tomas")
    notice = make_notice()
    events = {
        "old": audit_record(actor=paralegal, verb="company.created", data={"name": "=HYPERLINK()"}),
        "approved": audit_record(actor=legal, verb="notice.approved", target=notice),
        "sent": audit_record(actor=None, verb="notice.sent", target=notice, to_state="sent"),
    }
    return notice, events


def _listed(response) -> list[int]:
    return [e.pk for e in response.context["events"]]


def test_the_audit_log_lists_newest_first_and_filters(client_as, history):
    notice, events = history
    client = client_as(LEGAL)
    url = reverse("audit_log")
    today = timezone.localdate().isoformat()

    everything = client.get(url)
    by_actor = client.get(url, {"actor": "ines"})
    by_verb = client.get(url, {"verb": "notice."})
    by_reference = client.get(url, {"reference": notice.reference.lower()})
    by_target = client.get(url, {"target_type": "warnings_app.notice", "target_id": notice.pk})
    by_day = client.get(url, {"since": today, "until": today})
    yesterday = client.get(url, {"until": (timezone.localdate() - timedelta(days=1)).isoformat()})

    ours = {e.pk for e in events.values()}
    assert [pk for pk in _listed(everything) if pk in ours] == sorted(ours, reverse=True)
    assert _listed(by_actor) == [events["approved"].pk]
    assert set(_listed(by_verb)) >= {events["approved"].pk, events["sent"].pk}
    assert events["old"].pk not in _listed(by_verb)
    assert events["sent"].pk in _listed(by_reference)
    assert _listed(by_reference) == _listed(by_target)
    assert ours <= set(_listed(by_day))
    assert _listed(yesterday) == []
    assert b"notice.approved" in everything.content


def test_the_audit_log_pages_by_id_without_counting(client_as, django_assert_max_num_queries):
    audit_record_many(audit_event(actor=None, verb="bulk.step", data={"n": n}) for n in range(120))
    client = client_as(LEGAL)
    url = reverse("audit_log")

    with django_assert_max_num_queries(8):
        first = client.get(url, {"verb": "bulk."})
    second = client.get(url, {"verb": "bulk.", "before": first.context["older"]})
    third = client.get(url, {"verb": "bulk.", "before": second.context["older"]})
    back = client.get(url, {"verb": "bulk.", "after": third.context["newer"]})

    pages = [_listed(first), _listed(second), _listed(third)]
    assert [len(p) for p in pages] == [50, 50, 20]
    flat = [pk for page in pages for pk in page]
    assert flat == sorted(flat, reverse=True)
    assert len(set(flat)) == 120
    assert first.context["newer"] is None
    assert third.context["older"] is None
    assert _listed(back) == pages[1]
    assert b"Older" in first.content
    assert b"Page 1 of" not in first.content


def test_the_audit_export_is_a_safe_filtered_csv_and_is_itself_audited(client_as, history):
    _notice, events = history
    client = client_as(ADMIN)

    response = client.get(reverse("audit_export"), {"verb": "company."})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["id", "created_at", "actor", "verb"]
    assert [r[3] for r in rows[1:]] == ["company.created"]
    assert rows[1][0] == str(events["old"].pk)
    assert rows[1][2] == "tomas"
    assert json.loads(rows[1][9]) == {"name": "=HYPERLINK()"}  # JSON text, starts with "{"
    assert rows[1][10] == events["old"].hash
    exported = AuditEvent.objects.get(verb="audit.exported")
    assert exported.data == {"filters": {"verb": "company."}, "rows": 1}
    assert list(audit_chain.verify(_stored_rows())) == []


def test_the_audit_export_names_the_system_as_the_page_does_and_sorts_the_data(client_as):
    audit_record(actor=None, verb="system.swept", data={"z": 1, "a": "Zoë"})

    response = client_as(LEGAL).get(reverse("audit_export"), {"verb": "system."})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][2] == "system"  # as the audit log page shows it (and the evidence bundle)
    assert rows[1][9] == '{"a": "Zoë", "z": 1}'


def test_the_audit_export_refuses_more_than_its_cap(client_as, monkeypatch):
    monkeypatch.setattr("warnings_app.views.audit.EXPORT_CAP", 2)
    audit_record_many(audit_event(actor=None, verb="bulk.step") for _ in range(3))

    response = client_as(LEGAL).get(reverse("audit_export"), {"verb": "bulk."})

    assert response.status_code == 400
    assert b"Narrow the filters" in response.content
    assert not AuditEvent.objects.filter(verb="audit.exported").exists()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_legal_and_administrators_see_the_audit_log(client_as, role):
    client = client_as(role)
    allowed = role in (LEGAL, ADMIN)

    page = client.get(reverse("audit_log"))
    export = client.get(reverse("audit_export"))

    assert page.status_code == (200 if allowed else 403)
    assert export.status_code == (200 if allowed else 403)
    labels = [item["label"] for item in client.get(reverse("home")).context["nav_items"]]
    assert ("Audit log" in labels) == allowed
