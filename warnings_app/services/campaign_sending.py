"""The end of a campaign's sending: sending -> sent, or partly sent with the reasons. Kept
apart from services/campaigns.py so delivery can call it without importing the campaign's
other steps."""

from django.db import transaction

from warnings_app.models import Campaign, Notice
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services.audit import audit_record

IN_FLIGHT = (NoticeStatus.QUEUED, NoticeStatus.SENDING)
NOT_DELIVERED = (NoticeStatus.FAILED, NoticeStatus.NEEDS_RECONCILIATION)


def campaign_sending_check(*, campaign_id: int) -> str:
    """sending -> sent once no first letter is queued or being sent, or -> partly sent when
    some failed or need reconciliation (the reasons go into the audit event); partly sent ->
    sent once a reconciliation shows the last of them went. Locks the
    campaign row, so two workers finishing the last letters at once move it once. Run it after
    a delivery outcome commits: then the last one to finish sees every other outcome. Returns
    the campaign's status; re-running it changes nothing."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.status not in (Campaign.Status.SENDING, Campaign.Status.PARTLY_SENT):
            return campaign.status
        first = Notice.objects.filter(campaign_id=campaign_id, ladder_step__isnull=True)
        if first.filter(status__in=IN_FLIGHT).exists():
            return campaign.status
        trouble = list(
            first.filter(status__in=NOT_DELIVERED).values_list("reference", "status", "problem")
        )
        target = Campaign.Status.PARTLY_SENT if trouble else Campaign.Status.SENT
        if target == campaign.status:
            return target
        reasons = [
            f"{ref}: {NoticeStatus(status).label.lower()}{f' ({problem})' if problem else ''}"
            for ref, status, problem in trouble[:50]
        ]
        Campaign.objects.filter(pk=campaign_id).update(status=target)
        audit_record(
            actor=None,
            verb="campaign.sent" if not trouble else "campaign.partly_sent",
            target=campaign,
            from_state=campaign.status,
            to_state=target,
            data={"not_delivered": len(trouble), "reasons": reasons},
        )
        return target


def campaign_sending_check_on_commit(notice: Notice) -> None:
    """For delivery: check the notice's campaign once the outcome just recorded commits."""
    if notice.campaign_id is None or notice.ladder_step_id is not None:
        return
    campaign_id = notice.campaign_id
    transaction.on_commit(lambda: campaign_sending_check(campaign_id=campaign_id))
