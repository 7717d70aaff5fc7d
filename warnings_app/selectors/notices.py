"""Reads of the letters' pages: one letter with its deliveries, ladder and history, and the
letters an evidence bundle is made of."""

from dataclasses import dataclass

from django.db.models import QuerySet

from warnings_app.domain.letters.compose import email_subject
from warnings_app.models import Campaign, Company, DeliveryAttempt, FollowUp, Notice
from warnings_app.selectors.timeline import Entry, notice_timeline


@dataclass
class NoticePage:
    notice: Notice
    deliveries: QuerySet[DeliveryAttempt]  # every attempt, first started first
    follow_ups: QuerySet[FollowUp]  # the ladder's steps, with the letter each made
    timeline: list[Entry]
    email_subject: str  # the Subject header the recipient sees; "" until the letter is rendered


def notice_page(*, notice_id: int) -> NoticePage:
    """One letter (Notice.DoesNotExist when there is none) with its company, campaign,
    template, the letter it follows, its ladder step and who made and approved it: one query;
    then one each for the deliveries and the follow-ups when the page reads them, and the
    timeline's five (six when the letter has replies)."""
    notice = Notice.objects.select_related(
        "company",
        "campaign",
        "template_version__template",
        "follows",
        "ladder_step",
        "created_by",
        "approved_by",
    ).get(pk=notice_id)
    return NoticePage(
        notice=notice,
        deliveries=notice.deliveries.order_by("started_at", "pk"),
        follow_ups=notice.follow_ups.select_related("step", "result_notice"),
        timeline=notice_timeline(notice),
        email_subject=(
            email_subject(
                notice.template_version.subject, notice.merge_data, reference=notice.reference
            )
            if notice.merge_data
            else ""
        ),
    )


def notices_of(
    *, company: Company | None = None, campaign: Campaign | None = None
) -> QuerySet[Notice]:
    """The letters to a company, or of a campaign (give one of them), unordered and not yet
    read: each use of the queryset is one query."""
    if (company is None) == (campaign is None):
        raise ValueError("Give a company or a campaign.")
    if company is not None:
        return Notice.objects.filter(company=company)
    return Notice.objects.filter(campaign=campaign)
