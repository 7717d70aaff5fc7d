"""Business state lives in columns: a paused campaign's resume target, a held letter's reason
and whether an artist's receipt went out are fields set with the change (and audited), not read
back from the audit log by verb; the migrations that added them filled them from the events
already recorded."""

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction

from tests.campaign_helpers import make_campaign
from tests.factories import UserFactory
from tests.outcome_helpers import sent_campaign
from tests.preference_factories import artist_with_works, confirm_through_link, make_link
from warnings_app.models import AuditEvent, Campaign, Notice, PreferenceReceipt
from warnings_app.services.artist_links import preference_receipt_send
from warnings_app.services.campaigns import campaign_pause, campaign_resume
from warnings_app.services.outcomes import notices_hold

pytestmark = pytest.mark.django_db
migration = importlib.import_module("warnings_app.migrations.0017_state_in_columns")


def _in_review() -> Campaign:
    """A campaign whose letters are generated and wait for approval (not the default resume
    target, "sending", so the test can tell where the target came from)."""
    campaign = make_campaign(companies=1, tag="paused")
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.IN_REVIEW)
    return Campaign.objects.get(pk=campaign.pk)


def test_a_campaign_resumes_to_the_status_it_was_paused_from_kept_on_the_campaign():
    campaign = _in_review()
    was = campaign.status

    paused = campaign_pause(campaign=campaign, by=campaign.created_by, reason="client instruction")
    assert (paused.status, paused.resume_status) == (Campaign.Status.PAUSED, was)
    resumed = campaign_resume(campaign=Campaign.objects.get(pk=campaign.pk), by=UserFactory())

    assert (resumed.status, resumed.resume_status) == (was, "")


def test_the_migration_fills_the_columns_from_the_latest_events():
    campaign = _in_review()
    was = campaign.status
    campaign_pause(campaign=campaign, by=campaign.created_by, reason="first")
    _held_campaign, (a, b, _c) = sent_campaign()
    notices_hold(notices=[a, b], by=UserFactory(role="Legal"), reason="settlement talks")
    # As the database stood before the columns existed.
    Campaign.objects.update(resume_status="")
    Notice.objects.update(hold_reason="")
    events = AuditEvent.objects.count()

    migration.fill_from_the_audit_log(apps, None)

    assert Campaign.objects.get(pk=campaign.pk).resume_status == was
    assert dict(Notice.objects.filter(on_hold=True).values_list("reference", "hold_reason")) == {
        a.reference: "settlement talks",
        b.reference: "settlement talks",
    }
    assert set(Notice.objects.filter(on_hold=False).values_list("hold_reason", flat=True)) == {""}
    assert AuditEvent.objects.count() == events  # the events themselves are left as they were


receipts_migration = importlib.import_module("warnings_app.migrations.0018_preference_receipts")


def test_a_receipt_sent_is_a_row_and_a_rerun_reads_it_from_there(smtp_server):
    artist, works = artist_with_works()
    _link, token = make_link(artist)
    statement = confirm_through_link(artist, works, token)

    first = preference_receipt_send(statement_id=statement.pk)
    second = preference_receipt_send(statement_id=statement.pk)

    assert (first, second) == ("sent", "already sent")
    [receipt] = PreferenceReceipt.objects.filter(statement=statement)
    assert receipt.outcome == PreferenceReceipt.Outcome.SENT
    assert receipt.message_id.startswith("<")
    assert receipt.message_id.endswith(">")
    assert sorted(receipt.recipients) == ["mara@artists.example", "mq@x.example"]
    assert len(smtp_server.handler.received) == 1
    # The row is the state, the audit event only its history: without the row (as a database
    # restored from before it would be) the receipt goes out, whatever the log says.
    assert AuditEvent.objects.filter(verb="preference.receipt_sent").count() == 1
    PreferenceReceipt.objects.filter(statement=statement).delete()
    assert preference_receipt_send(statement_id=statement.pk) == "sent"
    assert len(smtp_server.handler.received) == 2


def test_the_database_refuses_a_second_sent_receipt_for_one_statement(smtp_server):
    artist, works = artist_with_works()
    _link, token = make_link(artist)
    statement = confirm_through_link(artist, works, token)
    preference_receipt_send(statement_id=statement.pk)

    with pytest.raises(IntegrityError), transaction.atomic():
        PreferenceReceipt.objects.create(statement=statement, outcome="sent")
    PreferenceReceipt.objects.create(statement=statement, outcome="failed")  # attempts may fail


def test_the_receipts_migration_fills_rows_from_the_events(smtp_server):
    artist, works = artist_with_works()
    _sent_link, sent_token = make_link(artist)
    sent = confirm_through_link(artist, works, sent_token)
    _failed_link, failed_token = make_link(artist)
    failed = confirm_through_link(artist, works, failed_token)
    _never_link, never_token = make_link(artist)
    never = confirm_through_link(artist, works, never_token)
    preference_receipt_send(statement_id=sent.pk)
    smtp_server.handler.script = ["550"]
    preference_receipt_send(statement_id=failed.pk)
    recorded = {
        r.statement_id: (r.outcome, r.message_id, sorted(r.recipients))
        for r in PreferenceReceipt.objects.all()
    }
    PreferenceReceipt.objects.all().delete()  # as the database stood before the table existed
    events = AuditEvent.objects.count()

    receipts_migration.fill_from_the_audit_log(apps, None)

    filled = {
        r.statement_id: (r.outcome, r.message_id, sorted(r.recipients))
        for r in PreferenceReceipt.objects.all()
    }
    assert filled == recorded
    assert set(filled) == {sent.pk, failed.pk}
    assert never.pk not in filled
    assert filled[failed.pk][0] == "failed"
    assert AuditEvent.objects.count() == events


def test_a_receipt_never_attaches_a_document_that_no_longer_matches_its_hash(smtp_server):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    artist, works = artist_with_works()
    _link, token = make_link(artist)
    statement = confirm_through_link(artist, works, token)
    name = statement.instruction_file.name
    default_storage.delete(name)
    default_storage.save(name, ContentFile(b"Preference for all works: Not reserved\n"))

    outcome = preference_receipt_send(statement_id=statement.pk)

    assert outcome == "failed"
    assert smtp_server.handler.received == []
    [receipt] = PreferenceReceipt.objects.filter(statement=statement)
    assert receipt.outcome == "failed"
    assert "does not match its recorded SHA-256" in receipt.error
