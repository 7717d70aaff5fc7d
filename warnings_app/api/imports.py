"""POST /api/v1/companies/import/: the import page for machines. Multipart `file`, optional
`encoding`, and `commit` (default false: a dry run). The answer is the report as JSON: 200 when
the file can be imported (and was, with commit), 400 with the same report when it cannot.
Permission: warnings_app.add_company, as on the page (Legal, Paralegal, Admin)."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from warnings_app.api.base import ApiView, caller
from warnings_app.domain.uploads import IMPORT_MAX_BYTES
from warnings_app.forms.imports import ENCODINGS
from warnings_app.services.imports.companies import companies_import


class ImportRequestSerializer(serializers.Serializer[dict[str, Any]]):
    file = serializers.FileField()
    encoding = serializers.ChoiceField(choices=ENCODINGS, required=False, default="")
    commit = serializers.BooleanField(required=False, default=False)


class ImportCompaniesAPIView(ApiView):
    """ApiView is exempt from LoginRequiredMiddleware (login_not_required): the API
    authenticates by token or session and answers 401/403 in JSON."""

    parser_classes = [MultiPartParser, FormParser]
    action_permissions = {"post": "warnings_app.add_company"}

    @extend_schema(
        request={"multipart/form-data": ImportRequestSerializer},
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
        summary="Check (and with commit=true, import) a CSV/XLSX file of companies",
    )
    def post(self, request: Request) -> Response:
        given = ImportRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        upload = given.validated_data["file"]
        report = companies_import(
            file_bytes=upload.read(IMPORT_MAX_BYTES + 1),
            filename=upload.name,
            encoding=given.validated_data["encoding"],
            by=caller(request),
            commit=given.validated_data["commit"],
        )
        return Response(report.as_dict(), status=200 if report.ok else 400)
