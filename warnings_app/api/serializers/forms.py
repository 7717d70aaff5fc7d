"""API input is checked by the same forms as the pages, so a company or contact the page would
refuse is refused here too, with the same words."""

from typing import Any

from django import forms
from django.utils.html import strip_tags
from rest_framework import serializers

FIELD_ALIASES = {"__all__": "non_field_errors", "parent_lookup": "parent"}


def validate_with_form(form: forms.BaseForm) -> dict[str, Any]:
    """The form's cleaned data, or a DRF ValidationError carrying its messages as plain text."""
    if form.is_valid():
        return form.cleaned_data
    raise serializers.ValidationError(
        {
            FIELD_ALIASES.get(name, name): [strip_tags(str(message)) for message in messages]
            for name, messages in form.errors.items()
        }
    )
