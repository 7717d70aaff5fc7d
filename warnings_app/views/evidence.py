"""Evidence bundles for litigation counsel: a button asks for one (a worker builds it), a page
shows how far it has got and, when it is ready, the download. The web process never builds one."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from warnings_app.domain.privileged import may_see_privileged
from warnings_app.models import Campaign, Company, EvidenceBundle
from warnings_app.selectors.bundles import bundle_of, bundles_of_subject
from warnings_app.services.bundles import bundle_downloaded, bundle_request
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin

PERMISSION = "warnings_app.view_auditevent"


def _bundle(request: AuthenticatedHttpRequest, pk: int) -> EvidenceBundle:
    try:
        bundle = bundle_of(bundle_id=pk)
    except EvidenceBundle.DoesNotExist as exc:
        raise Http404("No such evidence bundle.") from exc
    if bundle.include_privileged and not may_see_privileged(request.user):
        raise PermissionDenied("This bundle holds privileged notes: only Legal may open it.")
    return bundle


class EvidenceRequestView(RoleRequiredMixin, View):
    """Everything about one company (or one campaign) in one zip: ask a worker to build it."""

    permission_required = PERMISSION

    def post(self, request: AuthenticatedHttpRequest, kind: str, pk: int) -> HttpResponse:
        subject: Company | Campaign
        if kind == "company":
            subject = get_object_or_404(Company, pk=pk)
        else:
            subject = get_object_or_404(Campaign, pk=pk)
        privileged = request.POST.get("include_privileged") == "1"
        if privileged and not may_see_privileged(request.user):
            raise PermissionDenied("Only Legal may include privileged notes.")
        bundle, _ = bundle_request(subject=subject, by=request.user, include_privileged=privileged)
        return redirect("evidence_bundle", pk=bundle.pk)


class EvidenceBundleView(RoleRequiredMixin, View):
    """How far a bundle has got; the page reloads itself until it is ready or failed."""

    permission_required = PERMISSION

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        bundle = _bundle(request, pk)
        context = {
            "bundle": bundle,
            "active": bundle.status in EvidenceBundle.ACTIVE,
            "others": bundles_of_subject(
                bundle=bundle, privileged=may_see_privileged(request.user)
            ),
        }
        return render(request, "warnings_app/evidence_bundle.html", context)


class EvidenceBundleDownloadView(RoleRequiredMixin, View):
    """The finished zip, streamed from storage in chunks. Audited."""

    permission_required = PERMISSION

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
        bundle = _bundle(request, pk)
        if bundle.status != EvidenceBundle.Status.READY:
            raise Http404("This bundle is not ready.")
        try:
            handle = bundle.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404("The stored bundle is missing; build a new one.") from exc
        bundle_downloaded(bundle=bundle, by=request.user)
        filename = (bundle.file.name or "bundle.zip").rsplit("/", 1)[-1]
        response = FileResponse(
            handle, as_attachment=True, filename=filename, content_type="application/zip"
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["X-Content-SHA256"] = bundle.sha256
        return response
