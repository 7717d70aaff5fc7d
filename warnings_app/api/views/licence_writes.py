"""Writing licence talks, licences and usage reports through the API: the same services as the
pages, under the same permissions — Legal writes (moves, declines, records and terminates
licences); Paralegals and Legal open talks from a reply and import usage reports. Each answer is
the written row as the read API serves it; a refusal is a 400 naming what is wrong, with nothing
changed."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from warnings_app.api.base import caller
from warnings_app.api.idempotency import idempotent
from warnings_app.api.serializers.licences import LicenceMatterSerializer, LicenceSerializer
from warnings_app.domain.uploads import IMPORT_MAX_BYTES
from warnings_app.forms.licences import LicenceRecordForm
from warnings_app.models import Company
from warnings_app.models import Response as Reply
from warnings_app.models.licences import Licence, LicenceMatter, MatterStage
from warnings_app.services.licence_matters import matter_decline, matter_open
from warnings_app.services.licence_moves import matter_move
from warnings_app.services.licences import deal_record, licence_terminate
from warnings_app.services.usage_reports import usage_report_import


class MatterOpenSerializer(serializers.Serializer[dict[str, Any]]):
    reply = serializers.PrimaryKeyRelatedField(
        queryset=Reply.objects.all(), required=False, allow_null=True
    )
    company = serializers.PrimaryKeyRelatedField(
        queryset=Company.objects.all(), required=False, allow_null=True
    )
    next_step = serializers.CharField(required=False, allow_blank=True, max_length=300)
    next_step_on = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("reply")) == bool(attrs.get("company")):
            raise serializers.ValidationError(
                "Give either the reply that asked for talks or the company (not both)."
            )
        return attrs


class MatterMoveSerializer(serializers.Serializer[dict[str, Any]]):
    to_stage = serializers.ChoiceField(choices=MatterStage.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class MatterDeclineSerializer(serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(max_length=500)
    restart_ladder = serializers.BooleanField()


class LicenceTerminateSerializer(serializers.Serializer[dict[str, Any]]):
    terminated_on = serializers.DateField()
    reason = serializers.CharField(max_length=500)


class UsageReportImportSerializer(serializers.Serializer[dict[str, Any]]):
    file = serializers.FileField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class MatterWrites:
    """Actions of the licence talks resource (mixed into its viewset)."""

    def _matter(self, matter: LicenceMatter, request: Request) -> dict[str, Any]:
        fresh = LicenceMatter.objects.get(pk=matter.pk)
        return LicenceMatterSerializer(fresh, context={"request": request}).data

    @extend_schema(request=MatterOpenSerializer, responses={201: LicenceMatterSerializer})
    @idempotent
    def create(self, request: Request) -> Response:
        """Open licence talks from a reply classified "requests licence talks" (Paralegal,
        Legal) or with a company (Legal)."""
        given = MatterOpenSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        matter = matter_open(
            company=data.get("company"),
            reply=data.get("reply"),
            by=caller(request),
            next_step=data.get("next_step", ""),
            next_step_on=data.get("next_step_on"),
        )
        return Response(self._matter(matter, request), status=status.HTTP_201_CREATED)

    @extend_schema(request=MatterMoveSerializer, responses=LicenceMatterSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def move(self, request: Request, pk: str) -> Response:
        """Move the talks to another stage (signed only by recording the licence)."""
        given = MatterMoveSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        matter = matter_move(
            matter=self.get_object(),  # type: ignore[attr-defined]
            to_stage=given.validated_data["to_stage"],
            by=caller(request),
            reason=given.validated_data["reason"],
        )
        return Response(self._matter(matter, request))

    @extend_schema(request=MatterDeclineSerializer, responses=LicenceMatterSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def decline(self, request: Request, pk: str) -> Response:
        """Close the talks without a deal; `restart_ladder` is the lawyer's decision whether
        the warning reminders go on."""
        given = MatterDeclineSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        matter = matter_decline(
            matter=self.get_object(),  # type: ignore[attr-defined]
            by=caller(request),
            reason=given.validated_data["reason"],
            restart_ladder=given.validated_data["restart_ladder"],
        )
        return Response(self._matter(matter, request))

    @extend_schema(
        request={"multipart/form-data": OpenApiTypes.OBJECT},
        responses={201: LicenceSerializer, 400: OpenApiTypes.OBJECT},
        summary="Record the signed licence (the fields of the record-a-deal page)",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="licence",
        parser_classes=[MultiPartParser, FormParser],
    )
    def licence(self, request: Request, pk: str) -> Response:
        """Record the deal signed in these talks: the record-a-deal page's fields, multipart,
        with the signed agreement as `agreement`; the same checks, the same refusals."""
        matter: LicenceMatter = self.get_object()  # type: ignore[attr-defined]
        form = LicenceRecordForm(request.data, request.FILES, company=matter.company)
        if not form.is_valid():
            return Response({"errors": form.errors.get_json_data()}, status=400)
        licence = deal_record(
            matter=matter,
            terms=form.terms(),
            by=caller(request),
            renews=form.cleaned_data.get("renews"),
        )
        return Response(_licence(licence, request), status=status.HTTP_201_CREATED)


class LicenceWrites:
    """Actions of the licences resource (mixed into its viewset)."""

    @extend_schema(request=LicenceTerminateSerializer, responses=LicenceSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def terminate(self, request: Request, pk: str) -> Response:
        """End the licence early: not in force from `terminated_on`."""
        given = LicenceTerminateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        licence = licence_terminate(
            licence=self.get_object(),  # type: ignore[attr-defined]
            on=given.validated_data["terminated_on"],
            reason=given.validated_data["reason"],
            by=caller(request),
        )
        return Response(_licence(licence, request))

    @extend_schema(
        request={"multipart/form-data": UsageReportImportSerializer},
        responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
        summary="Import a usage report (CSV or XLSX): all rows or none, once per file",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="usage-reports",
        parser_classes=[MultiPartParser, FormParser],
    )
    def usage_reports(self, request: Request, pk: str) -> Response:
        """Import the licensee's usage report. 201 with the report when stored; 200 with the
        earlier report when this file was imported already (nothing changes); 400 with every
        bad row when any row is bad (nothing is stored)."""
        licence: Licence = self.get_object()  # type: ignore[attr-defined]
        given = UsageReportImportSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        upload = given.validated_data["file"]
        result = usage_report_import(
            licence=licence,
            file_bytes=upload.read(IMPORT_MAX_BYTES + 1),
            filename=upload.name,
            period_start=given.validated_data["period_start"],
            period_end=given.validated_data["period_end"],
            by=caller(request),
        )
        stored = result.usage_report or result.already
        body = {"report": result.report.as_dict(), "usage_report": stored.pk if stored else None}
        if result.usage_report is not None:
            return Response(body, status=status.HTTP_201_CREATED)
        return Response(body, status=200 if result.already is not None else 400)


def _licence(licence: Licence, request: Request) -> dict[str, Any]:
    from warnings_app.api.views.licences import licences_for_api  # it imports this module

    fresh = licences_for_api().get(pk=licence.pk)
    return LicenceSerializer(fresh, context={"request": request}).data
