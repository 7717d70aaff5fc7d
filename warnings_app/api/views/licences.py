"""Licence talks, licences, usage reports and findings: read under each model's view
permission (Legal, Paralegals and Managers read; Admin does not); and the licence figures, under
the dashboard's permission as well. Writing goes through the pages' services."""

from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from warnings_app.api import licence_filters
from warnings_app.api.base import ApiView, ApiViewSet
from warnings_app.api.serializers.licences import (
    LicenceFiguresSerializer,
    LicenceMatterSerializer,
    LicenceSerializer,
    UsageFindingSerializer,
    UsageReportSerializer,
)
from warnings_app.api.views.licence_writes import LicenceWrites, MatterWrites
from warnings_app.domain.licences import in_force
from warnings_app.models.licences import Licence, LicenceMatter
from warnings_app.models.usage import UsageFinding, UsageReport
from warnings_app.selectors.licence_figures import (
    conversion,
    fees_by_currency,
    matters_by_stage,
    overdue_by_licence,
)


class LicenceMatterViewSet(
    MatterWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet[LicenceMatter]
):
    queryset = LicenceMatter.objects.all()
    serializer_class = LicenceMatterSerializer
    filterset_class = licence_filters.LicenceMatterFilter
    ordering_fields = ["opened_at", "stage_changed_at", "stage", "id"]
    action_permissions = {
        "list": "warnings_app.view_licencematter",
        "retrieve": "warnings_app.view_licencematter",
        "create": "warnings_app.add_licencematter",
        "move": "warnings_app.change_licencematter",
        "decline": "warnings_app.change_licencematter",
        "licence": "warnings_app.add_licence",
    }


class LicenceViewSet(
    LicenceWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet[Licence]
):
    serializer_class = LicenceSerializer
    filterset_class = licence_filters.LicenceFilter
    ordering_fields = ["starts_on", "ends_on", "signed_on", "reference", "id"]
    action_permissions = {
        "list": "warnings_app.view_licence",
        "retrieve": "warnings_app.view_licence",
        "terminate": "warnings_app.change_licence",
        "usage_reports": "warnings_app.add_usagereport",
    }

    def get_queryset(self) -> QuerySet[Licence]:
        return licences_for_api()


def licences_for_api() -> QuerySet[Licence]:
    """Licences as the API serves them: with their included works and whether in force today."""
    today = timezone.localdate()
    return (
        Licence.objects.prefetch_related("group_companies", "principals", "artists")
        .annotate(
            included_works=Count("work_rows", filter=Q(work_rows__included=True)),
            in_force_today=ExpressionWrapper(in_force(today), output_field=BooleanField()),
        )
        .order_by("-starts_on", "-pk")
    )


class UsageReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet[UsageReport]):
    queryset = UsageReport.objects.all()
    serializer_class = UsageReportSerializer
    filterset_class = licence_filters.UsageReportFilter
    ordering_fields = ["period_end", "imported_at", "id"]
    action_permissions = {
        "list": "warnings_app.view_usagereport",
        "retrieve": "warnings_app.view_usagereport",
    }


class UsageFindingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet[UsageFinding]
):
    queryset = UsageFinding.objects.all()
    serializer_class = UsageFindingSerializer
    filterset_class = licence_filters.UsageFindingFilter
    ordering_fields = ["found_at", "period_end", "id"]
    action_permissions = {
        "list": "warnings_app.view_usagefinding",
        "retrieve": "warnings_app.view_usagefinding",
    }


class LicenceFiguresView(ApiView):
    """The dashboard's licence figures, by the same rules (selectors/licence_figures.py)."""

    action_permissions = {"get": "warnings_app.view_licence"}

    @extend_schema(responses=LicenceFiguresSerializer)
    def get(self, request: Request) -> Response:
        # As on the dashboard: whoever may see reports and read licences (Legal, Managers).
        if not request.user.has_perm("warnings_app.view_reports"):
            raise PermissionDenied
        today = timezone.localdate()
        fees = fees_by_currency(today)
        overdue = overdue_by_licence()
        data: dict[str, Any] = {
            "today": today,
            "stages": matters_by_stage(),
            "conversion_by_campaign": _conversion_rows("campaign"),
            "conversion_by_segment": _conversion_rows("segment"),
            "active_licences": fees.active,
            "fees": [
                {"currency": currency, "licences": row.licences, "annualised": row.annualised}
                for currency, row in fees.by_currency.items()
            ],
            "fees_not_counted": fees.not_counted,
            "overdue_reports": sum(n for *_, n in overdue),
            "overdue_by_licence": [
                {"licence": pk, "reference": reference, "company": company, "reports": n}
                for pk, reference, company, n in overdue
            ],
        }
        return Response(LicenceFiguresSerializer(data).data)


def _conversion_rows(by: str) -> list[dict[str, Any]]:
    return [
        {"key": key, "sent": c.sent, "talks": c.talks, "signed": c.signed}
        for key, c in sorted(conversion(by).items())
    ]
