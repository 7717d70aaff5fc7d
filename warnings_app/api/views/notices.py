"""Letters (read, and the stored PDF with the page's integrity check) and delivery attempts."""

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, renderers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from warnings_app.api import filters
from warnings_app.api.base import ApiViewSet, caller
from warnings_app.api.idempotency import idempotent
from warnings_app.api.schema import ErrorSerializer
from warnings_app.api.serializers.notices import (
    DeliveryAttemptSerializer,
    NoticeSerializer,
    SendBackSerializer,
)
from warnings_app.models import DeliveryAttempt, Notice
from warnings_app.services.approvals import notice_approve_one, notice_send_back
from warnings_app.services.stored_files import StoredFileAltered, stored_file_download
from warnings_app.views.files import attachment_response


class PdfRenderer(renderers.BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; the letter itself is returned as is."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: Any = None, context: Any = None) -> bytes:
        return data if isinstance(data, bytes) else b""


class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet[Notice]):
    queryset = Notice.objects.all()
    serializer_class = NoticeSerializer
    filterset_class = filters.NoticeFilter
    ordering_fields = ["reference", "status", "created_at", "sent_at", "due_date", "id"]
    action_permissions = {
        "list": "warnings_app.view_notice",
        "retrieve": "warnings_app.view_notice",
        "pdf": "warnings_app.view_notice",
        "approve": "warnings_app.approve_notice",
        "send_back": "warnings_app.approve_notice",
    }

    @extend_schema(request=None, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request: Request, pk: str) -> Response:
        """rendered → approved, never by the letter's author. A campaign's first letter then
        waits for the campaign's send; a reminder (ladder letter) is queued at once."""
        notice = notice_approve_one(notice=self.get_object(), by=caller(request))
        return Response(NoticeSerializer(notice).data)

    @extend_schema(request=SendBackSerializer, responses=NoticeSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    @idempotent
    def send_back(self, request: Request, pk: str) -> Response:
        """rendered → draft with a comment for the author (required; kept in the audit log)."""
        serializer = SendBackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        notice = notice_send_back(
            notice=self.get_object(),
            by=caller(request),
            comment=serializer.validated_data["comment"],
        )
        return Response(NoticeSerializer(notice).data)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The letter exactly as rendered and recorded"
            ),
            404: OpenApiResponse(ErrorSerializer, description="No such notice, or not rendered"),
            409: OpenApiResponse(
                ErrorSerializer, description="The stored file does not match its SHA-256"
            ),
        }
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PdfRenderer])
    def pdf(self, request: Request, pk: str) -> HttpResponse | Response:
        """The stored letter, only if its bytes still match the SHA-256 recorded at render time
        (the same check as the page); each download is audited."""
        notice = self.get_object()
        if not notice.pdf:
            raise NotFound(f"{notice.reference} has not been rendered yet.")
        try:
            content = stored_file_download(
                name=notice.pdf.name,
                sha256=notice.pdf_sha256,
                by=caller(request),
                verb="notice.pdf_downloaded",
                target=notice,
                data={"via": "api"},
            )
        except StoredFileAltered:
            return Response(
                {
                    "detail": f"The stored letter of {notice.reference} is missing or does not "
                    "match its recorded SHA-256; it is not served. Run verify_integrity and tell "
                    "an administrator."
                },
                status=status.HTTP_409_CONFLICT,
            )
        return attachment_response(
            content,
            content_type="application/pdf",
            filename=f"{notice.reference}.pdf",
            sha256=notice.pdf_sha256,
        )

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # Errors are JSON even when the client asked for a PDF.
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


class DeliveryAttemptViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet[DeliveryAttempt]
):
    queryset = DeliveryAttempt.objects.all()
    serializer_class = DeliveryAttemptSerializer
    filterset_class = filters.DeliveryFilter
    ordering_fields = ["started_at", "finished_at", "outcome", "id"]
    action_permissions = {
        "list": "warnings_app.view_deliveryattempt",
        "retrieve": "warnings_app.view_deliveryattempt",
    }
