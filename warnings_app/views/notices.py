import hashlib

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views import View

from warnings_app import services
from warnings_app.models import Notice
from warnings_app.services.rendering import stored_pdf_bytes
from warnings_app.views.access import RoleRequiredMixin


class NoticePdfView(RoleRequiredMixin, View):
    """The stored letter, as an attachment, only if its bytes still match the recorded hash."""

    permission_required = "warnings_app.view_notice"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        notice = get_object_or_404(Notice, pk=pk)
        if not notice.pdf:
            return HttpResponse(
                f"{notice.reference} has not been rendered yet.",
                status=404,
                content_type="text/plain; charset=utf-8",
            )
        try:
            content = stored_pdf_bytes(notice)
        except FileNotFoundError:
            content = b""
        if hashlib.sha256(content).hexdigest() != notice.pdf_sha256:
            return HttpResponse(
                f"The stored letter of {notice.reference} is missing or does not match its "
                "recorded SHA-256; it is not served. Run verify_integrity and tell an "
                "administrator.",
                status=409,
                content_type="text/plain; charset=utf-8",
            )
        services.audit_record(
            actor=request.user,
            verb="notice.pdf_downloaded",
            target=notice,
            data={"sha256": notice.pdf_sha256},
        )
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{notice.reference}.pdf"'
        response["X-Content-Type-Options"] = "nosniff"
        response["X-Content-SHA256"] = notice.pdf_sha256
        return response
