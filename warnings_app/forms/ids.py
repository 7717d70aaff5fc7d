"""Ids that come from outside: a form, a query string, a bulk action's ticked boxes, a JSON body.

An id is a whole number from 1 to 2**63 - 1, the range of the bigint primary keys on PostgreSQL
and of SQLite's integers. A larger number does not reliably match nothing: SQLite's driver cannot
send it (OverflowError, a server error), PostgreSQL refuses it wherever it is cast to bigint
("out of range"), and int() refuses a string of thousands of digits. So every id from outside is
checked here, before any query sees it, and anything else is refused with the same message. The
API's fields (warnings_app/api/serializers/ids.py) apply this same rule."""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError

MIN_ID = 1
MAX_ID = 2**63 - 1
ID_RULE = f"ids are whole numbers from {MIN_ID} to {MAX_ID}"
_MAX_DIGITS = len(str(MAX_ID))
_SHOWN = 24  # characters of a refused value quoted back; the rest is cut


def _quoted(value: object) -> str:
    text = str(value)
    return f"“{text if len(text) <= _SHOWN else text[:_SHOWN] + '…'}”"


def parse_id(value: object) -> int:
    """`value` (an int, or its decimal digits as text) as an id, or a ValidationError that
    quotes it and states the rule."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        digits = value.strip()
        if digits.isascii() and digits.isdigit() and len(digits.lstrip("0")) <= _MAX_DIGITS:
            number = int(digits)
    if number is None or not MIN_ID <= number <= MAX_ID:
        raise ValidationError(
            f"%(value)s is not an id: {ID_RULE}.",
            code="invalid_id",
            params={"value": _quoted(value)},  # as a parameter: the value may hold a "%"
        )
    return number


def parse_ids(values: Iterable[object]) -> list[int]:
    """Each value as an id, in the order given; a ValidationError for the first that is not."""
    return [parse_id(value) for value in values]


class IdField(forms.IntegerField):
    """An id in a form or in a query string read through one."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=MIN_ID, max_value=MAX_ID, **kwargs)

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        return parse_id(value)


class _ChecksIds:
    """For model choice fields chosen by primary key: the posted values are checked as ids
    before the field looks them up (Django's `pk__in` query would pass an oversized one on)."""

    queryset: Any

    def _as_ids(self, values: Iterable[object]) -> None:
        parse_ids(v for v in values if not isinstance(v, self.queryset.model))


if TYPE_CHECKING:
    # django-stubs makes Django's model choice fields generic over the model; at run time they
    # are not subscriptable, so the parameter is given for the type checker only.
    _ModelChoiceField = forms.ModelChoiceField[Any]
    _ModelMultipleChoiceField = forms.ModelMultipleChoiceField[Any]
else:
    _ModelChoiceField = forms.ModelChoiceField
    _ModelMultipleChoiceField = forms.ModelMultipleChoiceField


class ModelIdChoiceField(_ChecksIds, _ModelChoiceField):
    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values:
            self._as_ids([value])
        return super().to_python(value)


class ModelMultipleIdField(_ChecksIds, _ModelMultipleChoiceField):
    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            self._as_ids(value)
        return super().clean(value)
