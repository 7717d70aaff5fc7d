from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views import View

from warnings_app.models import Campaign, Company, Notice
from warnings_app.reports.evidence import evidence_bundle
from warnings_app.services.audit import audit_record
from warnings_app.views.access import RoleRequiredMixin, wants_privileged


class EvidenceBundleView(RoleRequiredMixin, View):
    """Everything about one company (or one campaign) in one zip, for litigation counsel."""

    permission_required = "warnings_app.view_auditevent"

    def get(self, request: HttpRequest, kind: str, pk: int) -> HttpResponse:
        if kind == "company":
            target = get_object_or_404(Company, pk=pk)
            notices = Notice.objects.filter(company=target)
            subject = {"company": target.legal_name, "company_id": target.pk}
            slug = f"company-{target.pk}"
        else:
            target = get_object_or_404(Campaign, pk=pk)
            notices = Notice.objects.filter(campaign=target)
            subject = {"campaign": target.name, "campaign_id": target.pk}
            slug = f"campaign-{target.pk}"
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
