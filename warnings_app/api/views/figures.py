"""The dashboard's figures as JSON, for the same filters and under the same permission."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from warnings_app.api.base import ApiView
from warnings_app.api.serializers.figures import (
    FiguresQuerySerializer,
    FiguresSerializer,
    figures_data,
)
from warnings_app.reports.dashboard.figures import dashboard_figures
from warnings_app.selectors.letter_filters import LetterFilter
from warnings_app.services.figures import figures_first_build_request


class FiguresView(ApiView):
    action_permissions = {"get": "warnings_app.view_reports"}

    @extend_schema(parameters=[FiguresQuerySerializer], responses=FiguresSerializer)
    def get(self, request: Request) -> Response:
        query = FiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        figures = dashboard_figures(LetterFilter.from_chosen(query.validated_data))
        if figures.built_at is None:  # a new installation: a worker builds them, not this request
            figures_first_build_request()
        return Response(FiguresSerializer(figures_data(figures)).data)
