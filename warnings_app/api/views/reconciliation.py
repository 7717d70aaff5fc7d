"""POST /api/v1/notices/{id}/reconcile/: the reconciliation page's two decisions for machines,
through the same service and under the same permission (Legal: warnings_app.send_notice)."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from warnings_app.api.base import ApiView, caller
from warnings_app.api.idempotency import idempotent
from warnings_app.api.serializers.notices import NoticeSerializer
from warnings_app.api.serializers.strict import StrictTypes
from warnings_app.models import Notice
from warnings_app.services.delivery.reconcile import (
    ACTIONS,
    NOTE_MAX_LENGTH,
    RESOLVE_PERMISSION,
    reconciliation_resolve,
)


class ReconcileSerializer(StrictTypes, serializers.Serializer[dict[str, Any]]):
    action = serializers.ChoiceField(
        choices=[(a, a) for a in ACTIONS],
        help_text="delivered: the evidence shows it arrived (note required); send_again: "
        "queue it again with the same Message-ID.",
    )
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        default="",
        allow_blank=True,
        help_text="What proves the delivery (required for delivered), or why it goes again.",
    )


class NoticeReconcileAPIView(ApiView):
    """Resolve a letter whose delivery outcome is unknown (status needs_reconciliation)."""

    action_permissions = {"post": RESOLVE_PERMISSION}

    @extend_schema(
        request=ReconcileSerializer,
        responses={
            200: OpenApiResponse(NoticeSerializer, description="The notice as it now stands"),
        },
        summary="Mark a letter needing reconciliation delivered, or send it again",
    )
    @idempotent
    def post(self, request: Request, pk: str) -> Response:
        """The answer is the notice: `sent` after delivered, `queued` after send_again. A
        letter not waiting for reconciliation (already resolved), a missing note, or a letter
        that may not be sent now is refused with 400 and nothing changes."""
        given = ReconcileSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        notice = reconciliation_resolve(
            notice=get_object_or_404(Notice, pk=int(pk)),
            by=caller(request),
            action=given.validated_data["action"],
            note=given.validated_data["note"],
        )
        return Response(NoticeSerializer(notice).data)
