"""Query filters of the list endpoints (django-filter): explicit fields, each indexed or cheap."""

# django-filter ships no type information: its classes are Any to mypy, and the filter sets here
# are built on them by design.
# mypy: allow-subclassing-any

from typing import TYPE_CHECKING, Any

import django_filters
import django_filters.rest_framework
from django import forms
from django_countries import countries
from rest_framework.exceptions import ValidationError

from warnings_app.forms.ids import IdField
from warnings_app.models import (
    Campaign,
    Company,
    Contact,
    DeliveryAttempt,
    Notice,
    Response,
    TemplateVersion,
    Work,
)
from warnings_app.models.lifecycle import NoticeStatus

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet
    from rest_framework.request import Request

COUNTRIES = list(countries)


class _Given(forms.Field):
    """A form field for a query parameter that, when present, must have a value: `?until=`
    is an error (400), not the same as leaving the filter out."""

    def clean(self, value: Any) -> Any:
        if value == "":
            raise forms.ValidationError("Give a value, or leave the parameter out.")
        return super().clean(value)


class _IdField(_Given, IdField):
    pass


class _DateField(_Given, forms.DateField):
    pass


class DateFilter(django_filters.DateFilter):
    field_class = _DateField


class IdFilter(django_filters.NumberFilter):
    """A related row by id: an id that matches nothing gives an empty list, not an error; a
    value that cannot be an id at all (0, negative, past the bigint range, not a number) is 400."""

    field_class = _IdField


class CompanyFilter(django_filters.FilterSet):
    segment = django_filters.ChoiceFilter(choices=Company.Segment.choices)
    country = django_filters.ChoiceFilter(choices=COUNTRIES)
    domain = django_filters.CharFilter(lookup_expr="iexact")
    tag = django_filters.CharFilter(field_name="tags__name", lookup_expr="iexact", distinct=True)
    name = django_filters.CharFilter(field_name="legal_name", lookup_expr="icontains")
    parent = IdFilter()

    class Meta:
        model = Company
        fields = ["segment", "country", "domain", "tag", "name", "parent"]


class ContactFilter(django_filters.FilterSet):
    email = django_filters.CharFilter(lookup_expr="iexact")
    company = IdFilter()

    class Meta:
        model = Contact
        fields = ["company", "role", "email"]


class WorkFilter(django_filters.FilterSet):
    principal = IdFilter()

    class Meta:
        model = Work
        fields = ["principal", "isrc", "iswc"]


class TemplateVersionFilter(django_filters.FilterSet):
    template = IdFilter()

    class Meta:
        model = TemplateVersion
        fields = ["template", "status"]


class CampaignFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Campaign.Status.choices)

    class Meta:
        model = Campaign
        fields = ["status"]


class NoticeFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=NoticeStatus.choices)
    segment = django_filters.ChoiceFilter(
        field_name="company__segment", choices=Company.Segment.choices
    )
    country = django_filters.ChoiceFilter(field_name="company__country", choices=COUNTRIES)
    sent_after = DateFilter(field_name="sent_at", lookup_expr="date__gte")
    sent_before = DateFilter(field_name="sent_at", lookup_expr="date__lte")
    reference = django_filters.CharFilter(lookup_expr="iexact")
    campaign = IdFilter()
    company = IdFilter()

    class Meta:
        model = Notice
        fields = ["campaign", "company", "status", "segment", "country", "reference"]


class DeliveryFilter(django_filters.FilterSet):
    notice = IdFilter()

    class Meta:
        model = DeliveryAttempt
        fields = ["notice", "channel", "outcome"]


class ReplyFilter(django_filters.FilterSet):
    received_after = DateFilter(field_name="received_at", lookup_expr="date__gte")
    received_before = DateFilter(field_name="received_at", lookup_expr="date__lte")
    notice = IdFilter()
    company = IdFilter()

    class Meta:
        model = Response
        fields = ["notice", "company", "kind", "channel", "outcome", "matched_by"]


class FilterBackend(django_filters.rest_framework.DjangoFilterBackend):
    """django-filter skips a parameter given empty (`?segment=`); here that is an error (400),
    except for text filters, where an empty string is a value like any other."""

    def get_filterset(self, request: "Request", queryset: "QuerySet[Model]", view: Any) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            blank = [
                name
                for name, given in filterset.filters.items()
                if request.query_params.get(name) == ""
                and not isinstance(given, django_filters.CharFilter)
            ]
            if blank:
                raise ValidationError({name: ["Give a value."] for name in blank})
        return filterset
