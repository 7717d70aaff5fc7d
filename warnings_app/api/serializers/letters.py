"""Letter templates and their versions, read-only: wording is edited and approved on the pages,
where the four-eyes rules and the live preview are."""

from typing import Any

from rest_framework import serializers

from warnings_app.models import LetterTemplate, TemplateVersion


class TemplateVersionSerializer(serializers.ModelSerializer[TemplateVersion]):
    class Meta:
        model = TemplateVersion
        fields = [
            "id",
            "template",
            "number",
            "status",
            "subject",
            "body",
            "layout",
            "created_at",
            "created_by",
            "submitted_at",
            "approved_at",
            "approved_by",
            "frozen_at",
        ]
        read_only_fields = fields


class LetterTemplateSerializer(serializers.ModelSerializer[LetterTemplate]):
    versions = serializers.SerializerMethodField()

    class Meta:
        model = LetterTemplate
        fields = ["id", "name", "kind", "jurisdiction", "language", "paper_size", "versions"]
        read_only_fields = fields

    def get_versions(self, template: LetterTemplate) -> list[dict[str, Any]]:
        """Number, status and id of each version, newest first; the text is at
        /template-versions/{id}/."""
        return [
            {"id": v.pk, "number": v.number, "status": v.status} for v in template.versions.all()
        ]
