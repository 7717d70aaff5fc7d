"""Campaigns: list, read, create, and the page's actions (generate, approve, send, pause,
resume), each through its campaign service and under the page's permission."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from warnings_app.api import filters
from warnings_app.api.base import ApiViewSet, caller
from warnings_app.api.idempotency import idempotent
from warnings_app.api.serializers.campaigns import (
    ApproveResultSerializer,
    ApproveSerializer,
    CampaignSerializer,
    PauseSerializer,
    SendResultSerializer,
)
from warnings_app.models import Campaign
from warnings_app.services import campaigns as campaign_services

VIEW = "warnings_app.view_campaign"
CHANGE = "warnings_app.change_campaign"


class CampaignViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet[Campaign]
):
    queryset = Campaign.objects.prefetch_related("principals", "works", "steps")
    serializer_class = CampaignSerializer
    filterset_class = filters.CampaignFilter
    ordering_fields = ["name", "status", "created_at", "id"]
    action_permissions = {
        "list": VIEW,
        "retrieve": VIEW,
        "create": "warnings_app.add_campaign",
        "generate": CHANGE,
        "approve": "warnings_app.approve_notice",
        "send": "warnings_app.send_notice",
        "pause": CHANGE,
        "resume": CHANGE,
    }

    def _fresh(self, campaign: Campaign) -> dict[str, Any]:
        return CampaignSerializer(self.get_queryset().get(pk=campaign.pk)).data

    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        campaign = campaign_services.campaign_create(
            by=caller(request),
            name=data["name"],
            description=data.get("description", ""),
            template_version=data["template_version"],
            principals=list(data["principals"]),
            works=list(data.get("works", [])),
            recipient_filter=data["recipient_filter"],
            response_window_days=data["response_window_days"],
            channels=data["channels"],
            steps=[dict(step) for step in data.get("steps", [])],
            signatory_name=data.get("signatory_name", ""),
            signatory_title=data.get("signatory_title", ""),
        )
        return Response(self._fresh(campaign), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def generate(self, request: Request, pk: str) -> Response:
        """draft → generating: one letter per included company, rendered in the background."""
        campaign = campaign_services.campaign_generate(
            campaign=self.get_object(), by=caller(request)
        )
        return Response(self._fresh(campaign))

    @extend_schema(request=ApproveSerializer, responses=ApproveResultSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request: Request, pk: str) -> Response:
        """Approve every rendered letter, or those listed; never by the campaign's author."""
        serializer = ApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = campaign_services.campaign_approve(
            campaign=self.get_object(),
            by=caller(request),
            notice_ids=serializer.validated_data.get("notices"),
        )
        return Response(ApproveResultSerializer(result).data)

    @extend_schema(request=None, responses=SendResultSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def send(self, request: Request, pk: str) -> Response:
        """Queue every approved letter for delivery."""
        result = campaign_services.campaign_send(campaign=self.get_object(), by=caller(request))
        return Response(SendResultSerializer(result).data)

    @extend_schema(request=PauseSerializer, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def pause(self, request: Request, pk: str) -> Response:
        """Stop all sending and chasing for the campaign until it is resumed."""
        serializer = PauseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = campaign_services.campaign_pause(
            campaign=self.get_object(),
            by=caller(request),
            reason=serializer.validated_data["reason"],
        )
        return Response(self._fresh(campaign))

    @extend_schema(request=None, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def resume(self, request: Request, pk: str) -> Response:
        campaign = campaign_services.campaign_resume(campaign=self.get_object(), by=caller(request))
        return Response(self._fresh(campaign))
