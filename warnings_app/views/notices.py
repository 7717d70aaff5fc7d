from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from warnings_app import services
from warnings_app.forms import WithdrawForm
from warnings_app.models import Notice
from warnings_app.models.lifecycle import TRANSITIONS, NoticeStatus
from warnings_app.selectors.notices import notice_page
from warnings_app.services.followups import ladder_stop_reason
from warnings_app.services.stored_files import StoredFileAltered, stored_file_download
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin
from warnings_app.views.files import altered_file_response, attachment_response, inline_response


class NoticePdfView(RoleRequiredMixin, View):
    """The stored letter, as an attachment, only if its bytes still match the recorded hash.
    `inline` shows it in the browser instead (the review page frames it, from our own origin)."""

    permission_required = "warnings_app.view_notice"
    inline = False

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        notice = get_object_or_404(Notice, pk=pk)
        if not notice.pdf:
            return HttpResponse(
                f"{notice.reference} has not been rendered yet.",
                status=404,
                content_type="text/plain; charset=utf-8",
            )
        try:
            content = stored_file_download(
                name=notice.pdf.name,
                sha256=notice.pdf_sha256,
                by=request.user,
                verb="notice.pdf_downloaded",
                target=notice,
                data={"shown": "inline"} if self.inline else {},
            )
        except StoredFileAltered:
            return altered_file_response(
                f"The stored letter of {notice.reference}",
                advice="Run verify_integrity and tell an administrator.",
            )
        respond = inline_response if self.inline else attachment_response
        return respond(
            content,
            content_type="application/pdf",
            filename=f"{notice.reference}.pdf",
            sha256=notice.pdf_sha256,
        )


class NoticeDetailView(RoleRequiredMixin, View):
    """One letter: where it stands, its deadline and how it was computed, every delivery
    attempt, its ladder (and why it stopped), and its history."""

    permission_required = "warnings_app.view_notice"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            page = notice_page(notice_id=pk)
        except Notice.DoesNotExist as exc:
            raise Http404("No such letter.") from exc
        notice = page.notice
        return render(
            request,
            "warnings_app/notice_detail.html",
            {
                "notice": notice,
                "deliveries": page.deliveries,
                "follow_ups": page.follow_ups,
                "ladder_stopped": _ladder_stopped(notice),
                "timeline": page.timeline,
                "email_subject": page.email_subject,
                "can_withdraw": TRANSITIONS["withdraw"].allows(notice.status),
                "can_approve": notice.status == NoticeStatus.RENDERED
                and notice.created_by_id != request.user.pk,
                "withdraw_form": WithdrawForm(),
                "pages": range(1, (notice.pdf_pages or 0) + 1),
            },
        )


def _ladder_stopped(notice: Notice) -> str:
    """Why the reminders of a campaign's first letter that went out would not go on now (the
    ladder job's own rule), or "" when they would."""
    if notice.campaign_id is None or notice.ladder_step_id is not None or notice.sent_at is None:
        return ""
    return ladder_stop_reason(notice)


class NoticeWithdrawView(RoleRequiredMixin, View):
    permission_required = "warnings_app.approve_notice"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        notice = get_object_or_404(Notice, pk=pk)
        form = WithdrawForm(request.POST)
        try:
            if not form.is_valid():
                raise services.ServiceError("Say why the letter is withdrawn.")
            services.notice_withdraw(
                notice=notice, by=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, f"{notice.reference} withdrawn; it will not be sent.")
        except services.ServiceError as exc:
            messages.error(request, str(exc))
        return redirect("notice_detail", pk=pk)
