"""Campaign pages: list, create, the campaign page with its live progress, and its actions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from warnings_app.forms import CampaignForm, LadderFormSet, PauseForm
from warnings_app.forms.campaigns import RecipientsForm
from warnings_app.forms.ids import parse_ids
from warnings_app.models import Campaign, Company
from warnings_app.reports.dashboard.campaign_figures import campaign_figures
from warnings_app.selectors.approvals import campaign_not_delivered, campaign_sending_progress
from warnings_app.selectors.campaigns import campaign_page, campaign_progress, campaigns_listed
from warnings_app.services import ServiceError
from warnings_app.services import campaigns as campaign_services
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin
from warnings_app.views.campaign_recipients import recipients_preview


class CampaignListView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_campaign"

    def get(self, request: HttpRequest) -> HttpResponse:
        campaigns = list(campaigns_listed())
        figures = campaign_figures([c.pk for c in campaigns])
        rows = [(c, figures.get(c.pk)) for c in campaigns]
        return render(request, "warnings_app/campaign_list.html", {"rows": rows})


class CampaignCreateView(RoleRequiredMixin, View):
    permission_required = "warnings_app.add_campaign"
    template_name = "warnings_app/campaign_form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        # From the register's "start a campaign for these": the ticked companies, prefilled.
        try:
            ids = parse_ids(request.GET.getlist("company"))
        except ValidationError as exc:
            messages.error(request, f"The ticked companies could not be read: {exc.messages[0]}")
            ids = []
        chosen = {"companies": ids} if ids else None
        return render(
            request,
            self.template_name,
            {
                "form": CampaignForm(initial=chosen or {}),
                "ladder": LadderFormSet(prefix="step"),
                "preview": recipients_preview(RecipientsForm(chosen)) if chosen else None,
                "prefilled": list(Company.objects.filter(pk__in=ids).order_by("legal_name")),
            },
        )

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form, ladder = CampaignForm(request.POST), LadderFormSet(request.POST, prefix="step")
        if form.is_valid() and ladder.is_valid():
            data = form.cleaned_data
            try:
                campaign = campaign_services.campaign_create(
                    by=request.user,
                    name=data["name"],
                    description=data["description"],
                    template_version=data["template_version"],
                    principals=list(data["principals"]),
                    works=list(data["works"]),
                    recipient_filter=form.recipient_filter(),
                    response_window_days=data["response_window_days"],
                    channels=data["channels"],
                    signatory_name=data["signatory_name"],
                    signatory_title=data["signatory_title"],
                    steps=[s for s in (f.step() for f in ladder.forms) if s],
                )
            except ServiceError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, "Campaign created. Check the recipients, then generate the letters."
                )
                return redirect("campaign_detail", pk=campaign.pk)
        context = {
            "form": form,
            "ladder": ladder,
            "preview": recipients_preview(RecipientsForm(request.POST)),
            "prefilled": form.cleaned_data.get("companies", []) if form.is_bound else [],
        }
        return render(request, self.template_name, context, status=400)


class CampaignDetailView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_campaign"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            shown = campaign_page(campaign_id=pk)
        except Campaign.DoesNotExist as exc:
            raise Http404("No such campaign.") from exc
        page = Paginator(shown.letters, 100).get_page(request.GET.get("page"))
        return render(
            request,
            "warnings_app/campaign_detail.html",
            {
                "campaign": shown.campaign,
                "page": page,
                "progress": shown.progress,
                "email_subject_example": shown.email_subject_example,
                "steps": shown.steps,
                "included": shown.included,
                "excluded": shown.excluded,
                "sending": campaign_sending_progress(pk),
                "not_delivered": campaign_not_delivered(pk),
                "query": "",
            },
        )


class CampaignProgressView(RoleRequiredMixin, View):
    """JSON for the progress bar; read from the database, so it survives a page reload."""

    permission_required = "warnings_app.view_campaign"

    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        campaign = get_object_or_404(Campaign.objects.only("status"), pk=pk)
        return JsonResponse(
            {
                "status": campaign.status,
                "status_label": campaign.get_status_display(),
                **campaign_progress(pk),
                "sending": campaign_sending_progress(pk),
            }
        )


class _CampaignAction(RoleRequiredMixin, View):
    def act(self, request: AuthenticatedHttpRequest, campaign: Campaign) -> str:
        raise NotImplementedError

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        campaign = get_object_or_404(Campaign, pk=pk)
        try:
            messages.success(request, self.act(request, campaign))
        except ServiceError as exc:
            messages.error(request, str(exc))
        return redirect("campaign_detail", pk=pk)


class CampaignGenerateView(_CampaignAction):
    permission_required = "warnings_app.change_campaign"

    def act(self, request: AuthenticatedHttpRequest, campaign: Campaign) -> str:
        with transaction.atomic():
            campaign_services.campaign_generate(campaign=campaign, by=request.user)
        return "Generating the letters; the progress bar follows the workers."


class CampaignApproveView(_CampaignAction):
    permission_required = "warnings_app.approve_notice"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        # Approving all goes through its confirmation page, which states the count.
        if not request.POST.getlist("notice") and request.POST.get("confirmed") != "yes":
            return redirect("campaign_approve_confirm", pk=get_object_or_404(Campaign, pk=pk).pk)
        return super().post(request, pk)

    def act(self, request: AuthenticatedHttpRequest, campaign: Campaign) -> str:
        chosen = request.POST.getlist("notice")
        try:
            ids = parse_ids(chosen) if chosen else None
        except ValidationError as exc:
            raise ServiceError(f"Nothing was approved: {exc.messages[0]}") from exc
        result = campaign_services.campaign_approve(
            campaign=campaign, by=request.user, notice_ids=ids
        )
        refused = f"; refused: {'; '.join(result['refused'])}" if result["refused"] else ""
        return f"{result['approved']} letter(s) approved{refused}."


class CampaignSendView(_CampaignAction):
    permission_required = "warnings_app.send_notice"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        # Sending goes through its confirmation page, which states the count per channel.
        if request.POST.get("confirmed") != "yes":
            return redirect("campaign_send_confirm", pk=get_object_or_404(Campaign, pk=pk).pk)
        return super().post(request, pk)

    def act(self, request: AuthenticatedHttpRequest, campaign: Campaign) -> str:
        result = campaign_services.campaign_send(campaign=campaign, by=request.user)
        blocked = (
            f"; {result['blocked']} blocked (see each letter's problem)"
            if result["blocked"]
            else ""
        )
        return f"{result['queued']} letter(s) queued for delivery{blocked}."


class CampaignPauseView(_CampaignAction):
    permission_required = "warnings_app.change_campaign"

    def act(self, request: AuthenticatedHttpRequest, campaign: Campaign) -> str:
        form = PauseForm(request.POST)
        if not form.is_valid():
            raise ServiceError("Say why the campaign is paused.")
        campaign_services.campaign_pause(
            campaign=campaign, by=request.user, reason=form.cleaned_data["reason"]
        )
        return "Campaign paused: nothing is sent or chased until it is resumed."


class CampaignResumeView(_CampaignAction):
    permission_required = "warnings_app.change_campaign"

    def act(self, request: AuthenticatedHttpRequest, campaign: Campaign) -> str:
        campaign_services.campaign_resume(campaign=campaign, by=request.user)
        return "Campaign resumed."
