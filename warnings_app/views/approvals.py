"""Approving with the letter in view: a campaign's review page (one letter at a time, its PDF
beside its facts), Approve and Send back on any letter, and the confirmation pages that state
what approving all, sending and pausing will do before anything changes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from warnings_app.forms.ids import parse_id
from warnings_app.models import Campaign, FollowUp, Notice
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.selectors.approvals import (
    campaign_send_plan,
    letters_to_review,
    review_neighbours,
)
from warnings_app.services import ServiceError
from warnings_app.services.approvals import (
    notice_approve_one,
    notice_page_image,
    notice_send_back,
)
from warnings_app.services.campaigns import APPROVABLE, PAUSABLE
from warnings_app.services.stored_files import StoredFileAltered
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin
from warnings_app.views.files import altered_file_response


def _id_or_none(value: str) -> int | None:
    try:
        return parse_id(value) if value else None
    except ValidationError:
        return None


class CampaignReviewView(RoleRequiredMixin, View):
    """One letter of the campaign waiting for approval (?letter=<id>, else the first), with
    Approve, Send back and the letters before and after it."""

    permission_required = "warnings_app.approve_notice"

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        campaign = get_object_or_404(Campaign, pk=pk)
        letters = Notice.objects.filter(campaign=campaign, ladder_step__isnull=True)
        wanted = _id_or_none(request.GET.get("letter", ""))
        if request.GET.get("letter") and wanted is None:
            raise Http404("No such letter in this campaign.")
        notice = (
            letters.filter(pk=wanted).first()
            if wanted is not None
            else letters_to_review(campaign.pk).first()
        )
        if wanted is not None and notice is None:
            raise Http404("No such letter in this campaign.")
        if notice is not None:
            notice = Notice.objects.select_related("company", "contact").filter(pk=notice.pk).get()
        return render(
            request,
            "warnings_app/campaign_review.html",
            {
                "campaign": campaign,
                "notice": notice,
                "pages": range(1, (notice.pdf_pages or 0) + 1) if notice else [],
                "around": review_neighbours(campaign.pk, notice) if notice else None,
                "waiting": letters_to_review(campaign.pk).count(),
                "is_author": campaign.created_by_id == request.user.pk,
            },
        )


def _after_action(request: HttpRequest, notice: Notice) -> HttpResponse:
    """Back to the review page's next letter when the action came from there."""
    if request.POST.get("back") == "review" and notice.campaign_id is not None:
        following = _id_or_none(request.POST.get("next", ""))
        url = reverse("campaign_review", args=[notice.campaign_id])
        return redirect(f"{url}?letter={following}" if following else url)
    return redirect("notice_detail", pk=notice.pk)


class NoticeApproveView(RoleRequiredMixin, View):
    permission_required = "warnings_app.approve_notice"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        notice = get_object_or_404(Notice.objects.select_related("campaign"), pk=pk)
        try:
            approved = notice_approve_one(notice=notice, by=request.user)
        except ServiceError as exc:
            messages.error(request, f"Nothing was changed: {exc}")
            return _after_action(request, notice)
        if approved.status == NoticeStatus.QUEUED:
            messages.success(request, f"{approved.reference} approved and queued for delivery.")
        else:
            messages.success(request, f"{approved.reference} approved.")
        return _after_action(request, approved)


class NoticeSendBackView(RoleRequiredMixin, View):
    permission_required = "warnings_app.approve_notice"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        notice = get_object_or_404(Notice, pk=pk)
        try:
            notice_send_back(
                notice=notice, by=request.user, comment=request.POST.get("comment", "")
            )
        except ServiceError as exc:
            messages.error(request, f"Nothing was changed: {exc}")
            return _after_action(request, notice)
        messages.success(request, f"{notice.reference} sent back with your comment.")
        return _after_action(request, notice)


class CampaignApproveConfirmView(RoleRequiredMixin, View):
    """What "Approve all" would approve, before it does."""

    permission_required = "warnings_app.approve_notice"

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        campaign = get_object_or_404(Campaign, pk=pk)
        waiting = letters_to_review(campaign.pk)
        return render(
            request,
            "warnings_app/campaign_approve_confirm.html",
            {
                "campaign": campaign,
                "count": waiting.exclude(created_by=request.user).count(),
                "authored": waiting.filter(created_by=request.user).count(),
                "open": campaign.status in APPROVABLE,
            },
        )


class CampaignSendConfirmView(RoleRequiredMixin, View):
    """How many letters Send would queue and by which channel; nothing to send, no button."""

    permission_required = "warnings_app.send_notice"

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        campaign = get_object_or_404(Campaign, pk=pk)
        return render(
            request,
            "warnings_app/campaign_send_confirm.html",
            {
                "campaign": campaign,
                "plan": campaign_send_plan(campaign.pk),
                "waiting": letters_to_review(campaign.pk).count(),
                "open": campaign.status in APPROVABLE,
            },
        )


class CampaignPauseConfirmView(RoleRequiredMixin, View):
    """What a pause holds back (letters on their way, reminders scheduled), with the reason."""

    permission_required = "warnings_app.change_campaign"

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        campaign = get_object_or_404(Campaign, pk=pk)
        by_status = dict(
            campaign.notices.filter(status__in=["approved", "queued"])
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        reminders = FollowUp.objects.filter(
            notice__campaign=campaign, status=FollowUp.Status.SCHEDULED
        ).count()
        return render(
            request,
            "warnings_app/campaign_pause_confirm.html",
            {
                "campaign": campaign,
                "queued": by_status.get("queued", 0),
                "approved": by_status.get("approved", 0),
                "reminders": reminders,
                "open": campaign.status in PAUSABLE,
            },
        )


class NoticePageImageView(RoleRequiredMixin, View):
    """One page of a letter as a PNG: what the review page and the letter's page show."""

    permission_required = "warnings_app.view_notice"

    def get(self, request: HttpRequest, pk: int, page: int) -> HttpResponse:
        notice = get_object_or_404(Notice, pk=pk)
        try:
            image = notice_page_image(notice=notice, page=page)
        except StoredFileAltered:
            return altered_file_response(f"The stored letter of {notice.reference}")
        except ServiceError as exc:
            raise Http404(str(exc)) from exc
        response = HttpResponse(image, content_type="image/png")
        response["Cache-Control"] = "private, max-age=600"
        response["X-Content-Type-Options"] = "nosniff"
        return response
