"""Replies: read, log one by hand (the log-a-reply page's service), classify."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from warnings_app.api import filters
from warnings_app.api.base import ApiViewSet, caller
from warnings_app.api.idempotency import idempotent
from warnings_app.api.serializers.replies import (
    ClassifySerializer,
    ReplyLogSerializer,
    ReplySerializer,
)
from warnings_app.models import Response as Reply
from warnings_app.services import classification, replies


class ReplyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet[Reply]):
    queryset = Reply.objects.prefetch_related("demands")
    serializer_class = ReplySerializer
    filterset_class = filters.ReplyFilter
    ordering_fields = ["received_at", "created_at", "outcome", "id"]
    action_permissions = {
        "list": "warnings_app.view_response",
        "retrieve": "warnings_app.view_response",
        "create": "warnings_app.add_response",
        "classify": "warnings_app.change_response",
    }

    def _fresh(self, reply: Reply) -> dict[str, Any]:
        fresh = self.get_queryset().get(pk=reply.pk)
        # The request goes with it: privileged notes are shown according to who asks.
        return ReplySerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(request=ReplyLogSerializer, responses={201: ReplySerializer})
    @idempotent
    def create(self, request: Request) -> Response:
        """Log a reply that came by letter, phone, portal or otherwise."""
        serializer = ReplyLogSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reply = replies.reply_log(
            by=caller(request),
            channel=data["channel"],
            received_at=data["received_at"],
            notice=data.get("notice"),
            company=data.get("company"),
            sender=data["sender"],
            subject=data["subject"],
            body_text=data["body_text"],
        )
        return Response(self._fresh(reply), status=status.HTTP_201_CREATED)

    @extend_schema(request=ClassifySerializer, responses=ReplySerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def classify(self, request: Request, pk: str) -> Response:
        """Record the outcome and the answer to each demand; stops the notice's ladder."""
        serializer = ClassifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reply = classification.response_classify(
            response=self.get_object(),
            by=caller(request),
            outcome=serializer.validated_data["outcome"],
            note=serializer.validated_data["note"],
            demands=serializer.service_demands(),
        )
        return Response(self._fresh(reply))
