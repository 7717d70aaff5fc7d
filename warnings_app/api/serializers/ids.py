"""Ids in the API's input, checked by the same rule and with the same message as the pages'
(warnings_app/forms/ids.py): a whole number from 1 to 2**63 - 1, else 400 before any query."""

from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from rest_framework import serializers

from warnings_app.forms.ids import MAX_ID, MIN_ID, parse_id

_MT = TypeVar("_MT", bound=Model)


def _checked(value: Any) -> int:
    try:
        return parse_id(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from exc


class IdField(serializers.IntegerField):
    """An id, e.g. in a list of ids; the schema states its bounds."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=MIN_ID, max_value=MAX_ID, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        return _checked(data)


class IdRelatedField(serializers.PrimaryKeyRelatedField[_MT]):
    """A row chosen by its id. An int or a string of digits is checked as an id first; any other
    type gets DRF's own "incorrect type" message."""

    def to_internal_value(self, data: Any) -> _MT:
        if isinstance(data, int | str) and not isinstance(data, bool):
            _checked(data)
        return super().to_internal_value(data)
