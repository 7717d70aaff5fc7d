"""Query filters of the licence resources (django-filter), as api/filters.py's."""

# mypy: allow-subclassing-any

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from warnings_app.api.filters import DateFilter, IdFilter
from warnings_app.domain.licences import in_force
from warnings_app.models.licences import Licence, LicenceMatter, MatterStage
from warnings_app.models.usage import UsageFinding, UsageReport
from warnings_app.selectors.licence_figures import overdue_usage_reports

# A yes/no filter: anything but "true" or "false" is a 400, not a filter silently left out.
YES_NO = [("true", "true"), ("false", "false")]


class LicenceMatterFilter(django_filters.FilterSet):
    stage = django_filters.MultipleChoiceFilter(choices=MatterStage.choices)
    company = IdFilter()

    class Meta:
        model = LicenceMatter
        fields = ["stage", "company"]


class LicenceFilter(django_filters.FilterSet):
    company = IdFilter(label="The licensee")
    covers = IdFilter(
        method="filter_covers",
        label="A company the licence names, as licensee or group company (as 'licensed' counts)",
    )
    matter = IdFilter()
    in_force = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_in_force", label="In force today (true) or not (false)"
    )
    in_force_on = DateFilter(method="filter_in_force_on", label="In force on this day")

    class Meta:
        model = Licence
        fields = ["company", "matter", "origin", "fee_model", "fee_currency"]

    def filter_covers(self, queryset: QuerySet[Licence], name: str, value: Any) -> Any:
        return queryset.filter(Q(company_id=value) | Q(group_companies=value)).distinct()

    def filter_in_force(self, queryset: QuerySet[Licence], name: str, value: Any) -> Any:
        chosen = in_force(timezone.localdate())
        return queryset.filter(chosen) if value == "true" else queryset.exclude(chosen)

    def filter_in_force_on(self, queryset: QuerySet[Licence], name: str, value: Any) -> Any:
        return queryset.filter(in_force(value))


class UsageReportFilter(django_filters.FilterSet):
    licence = IdFilter()
    company = IdFilter(field_name="licence__company")

    class Meta:
        model = UsageReport
        fields = ["licence", "company"]


class UsageFindingFilter(django_filters.FilterSet):
    licence = IdFilter()
    report = IdFilter()
    overdue = django_filters.ChoiceFilter(
        choices=YES_NO,
        method="filter_overdue",
        label="A usage report overdue now (true): as the dashboard counts them",
    )

    class Meta:
        model = UsageFinding
        fields = ["licence", "report", "kind"]

    def filter_overdue(self, queryset: QuerySet[UsageFinding], name: str, value: Any) -> Any:
        overdue = overdue_usage_reports().values("pk")
        if value == "true":
            return queryset.filter(pk__in=overdue)
        return queryset.exclude(pk__in=overdue)
