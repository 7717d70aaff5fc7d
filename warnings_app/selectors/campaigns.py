"""Reads of the campaign pages: the list, one campaign with its letters and ladder, who a
recipient filter takes in and leaves out (and why), and how far the first letters have got."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from warnings_app.domain.letters.compose import email_subject
from warnings_app.domain.licences import licensed_company
from warnings_app.models import Campaign, Company, LadderStep, Notice
from warnings_app.selectors.approvals import SENT_BACK


def campaigns_listed() -> QuerySet[Campaign]:
    """Every campaign with its template and author, newest first (the model's order): one
    query for the page."""
    return Campaign.objects.select_related("template_version__template", "created_by")


@dataclass
class CampaignPage:
    campaign: Campaign
    letters: QuerySet[Notice]  # first letters, then each ladder step's, by reference
    steps: QuerySet[LadderStep]
    included: list[Company]  # a draft's recipients; empty once the letters exist
    excluded: list[tuple[Company, str]]  # a draft's companies left out, with the reason
    progress: dict[str, Any]
    # What the recipient of the first rendered letter sees as the e-mail's Subject ("" before
    # any letter is rendered): each letter's is rendered with its own merge data.
    email_subject_example: str


def campaign_page(*, campaign_id: int) -> CampaignPage:
    """One campaign (Campaign.DoesNotExist when there is none) with what its page shows. The
    letters are a queryset for the page to paginate; the recipients are worked out only while
    the campaign is a draft. A fixed number of queries: the campaign, progress (two), the
    e-mail subject's example (one), and the recipients while a draft."""
    campaign = Campaign.objects.select_related(
        "template_version__template", "created_by", "approved_by"
    ).get(pk=campaign_id)
    included: list[Company] = []
    excluded: list[tuple[Company, str]] = []
    if campaign.status == Campaign.Status.DRAFT:
        included, excluded = campaign_recipients(campaign.recipient_filter)
    return CampaignPage(
        campaign=campaign,
        letters=campaign.notices.select_related("company", "ladder_step").order_by(
            "ladder_step__order", "reference"
        ),
        steps=campaign.steps.select_related("template_version__template"),
        included=included,
        excluded=excluded,
        progress=campaign_progress(campaign.pk),
        email_subject_example=_email_subject_example(campaign),
    )


def _email_subject_example(campaign: Campaign) -> str:
    """One query: the first rendered first letter, by reference."""
    first = (
        campaign.notices.filter(ladder_step__isnull=True)
        .exclude(pdf_sha256="")
        .select_related("template_version")
        .order_by("reference")
        .first()
    )
    if first is None:
        return ""
    return email_subject(
        first.template_version.subject, first.merge_data, reference=first.reference
    )


def campaign_recipients(
    recipient_filter: dict[str, Any],
) -> tuple[list[Company], list[tuple[Company, str]]]:
    """(included, excluded with the reason) for a campaign's recipient filter: segment, country,
    parent (id), tags (names; any of them) and/or company_ids (an explicit list)."""
    qs = Company.objects.all()
    if recipient_filter.get("company_ids"):
        qs = qs.filter(pk__in=recipient_filter["company_ids"])
    if recipient_filter.get("segment"):
        qs = qs.filter(segment__in=_as_list(recipient_filter["segment"]))
    if recipient_filter.get("country"):
        qs = qs.filter(country__in=_as_list(recipient_filter["country"]))
    if recipient_filter.get("parent"):
        qs = qs.filter(Q(parent_id=recipient_filter["parent"]) | Q(pk=recipient_filter["parent"]))
    if recipient_filter.get("tags"):
        qs = qs.filter(tags__name__in=_as_list(recipient_filter["tags"])).distinct()
    included: list[Company] = []
    excluded: list[tuple[Company, str]] = []
    licensed = set(qs.filter(licensed_company(timezone.localdate())).values_list("pk", flat=True))
    for company in qs.order_by("legal_name", "pk"):
        if company.pk in licensed:
            excluded.append((company, "licensed: no warning letter"))
        elif company.hold_automation:
            excluded.append((company, f"on hold: {company.hold_reason or 'no reason given'}"))
        else:
            included.append(company)
    return included, excluded


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def campaign_progress(campaign_id: int) -> dict[str, int]:
    """Letters of a campaign's first step: total, rendered (done), failed, sent back by a
    reviewer, remaining, and counts by status. Four queries whatever the size."""
    initial = Notice.objects.filter(campaign_id=campaign_id, ladder_step__isnull=True)
    by_status = dict(initial.values_list("status").annotate(n=Count("pk")))
    drafts = initial.filter(status="draft")
    sent_back = drafts.filter(problem__startswith=SENT_BACK).count()
    failed = drafts.exclude(problem="").count() - sent_back
    total = sum(by_status.values())
    remaining = by_status.get("draft", 0) - failed - sent_back
    return {
        "total": total,
        "done": total - remaining - failed,  # a letter sent back was rendered once: done
        "failed": failed,
        "sent_back": sent_back,
        "remaining": remaining,
        "by_status": by_status,
    }
