"""Business state lives in columns: a paused campaign's resume target and a held letter's reason
are fields set with the change (and audited), not read back from the audit log by verb; the
migration that added them filled them from the events already recorded."""

import importlib

import pytest
from django.apps import apps

from tests.campaign_helpers import make_campaign
from tests.factories import UserFactory
from tests.outcome_helpers import sent_campaign
from warnings_app.models import AuditEvent, Campaign, Notice
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
