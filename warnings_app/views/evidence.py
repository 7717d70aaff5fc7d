from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views import View

from warnings_app.models import Campaign, Company
from warnings_app.reports.evidence import evidence_bundle
from warnings_app.selectors.notices import notices_of
from warnings_app.services.audit import audit_record
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin, wants_privileged


class EvidenceBundleView(RoleRequiredMixin, View):
    """Everything about one company (or one campaign) in one zip, for litigation counsel."""

    permission_required = "warnings_app.view_auditevent"

    def get(self, request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
        target: Company | Campaign
        if kind == "company":
            target = company = get_object_or_404(Company, pk=pk)
            notices = notices_of(company=company)
            subject = {"company": company.legal_name, "company_id": company.pk}
            slug = f"company-{company.pk}"
        else:
            target = campaign = get_object_or_404(Campaign, pk=pk)
            notices = notices_of(campaign=campaign)
            subject = {"campaign": campaign.name, "campaign_id": campaign.pk}
            slug = f"campaign-{campaign.pk}"
        privileged = wants_privileged(request)
        content = evidence_bundle(notices=notices, subject=subject, include_privileged=privileged)
        audit_record(
            actor=request.user,
            verb="evidence.downloaded",
            target=target,
            data={
                "notices": notices.count(),
                "bytes": len(content),
                "include_privileged": privileged,
            },
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="evidence-{slug}-{stamp}.zip"'
        return response
