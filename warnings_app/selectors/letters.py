"""Reads of the letter template pages: every template with its versions, one template's
versions, and the version a draft is compared with. A fixed number of queries each."""

from django.db.models import Prefetch, QuerySet

from warnings_app.models import LetterTemplate, TemplateVersion


def templates_listed() -> QuerySet[LetterTemplate]:
    """Every template with its versions, newest first, and who wrote and approved each: two
    queries however many templates and versions."""
    versions = TemplateVersion.objects.select_related("created_by", "approved_by")
    return LetterTemplate.objects.prefetch_related(
        Prefetch("versions", queryset=versions.order_by("-number"))
    )


def template_versions(template: LetterTemplate) -> QuerySet[TemplateVersion]:
    """The template's versions, newest first, with who wrote, submitted and approved each: one
    query."""
    return template.versions.select_related("created_by", "submitted_by", "approved_by").order_by(
        "-number"
    )


def version_before(version: TemplateVersion) -> TemplateVersion | None:
    """The version of the same template just before this one, if there is one: one query."""
    return version.template.versions.filter(number__lt=version.number).order_by("-number").first()
