"""Letter templates and versions, read-only (drafting and approval stay on the pages)."""

from rest_framework import mixins

from warnings_app.api import filters
from warnings_app.api.base import ApiViewSet
from warnings_app.api.serializers.letters import LetterTemplateSerializer, TemplateVersionSerializer
from warnings_app.models import LetterTemplate, TemplateVersion


class LetterTemplateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet[LetterTemplate]
):
    queryset = LetterTemplate.objects.prefetch_related("versions")
    serializer_class = LetterTemplateSerializer
    filterset_fields = ["kind", "jurisdiction", "language"]
    ordering_fields = ["name", "kind", "jurisdiction", "created_at", "id"]
    action_permissions = {
        "list": "warnings_app.view_lettertemplate",
        "retrieve": "warnings_app.view_lettertemplate",
    }


class TemplateVersionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet[TemplateVersion]
):
    queryset = TemplateVersion.objects.all()
    serializer_class = TemplateVersionSerializer
    filterset_class = filters.TemplateVersionFilter
    ordering_fields = ["number", "created_at", "approved_at", "id"]
    action_permissions = {
        "list": "warnings_app.view_templateversion",
        "retrieve": "warnings_app.view_templateversion",
    }
