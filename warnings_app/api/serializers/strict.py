"""JSON types checked as the schema states them. DRF coerces generously ("5" for an integer,
1 for a boolean, 5 for a string); an integration that sends the wrong type has a bug, and the
API says so (400) instead of guessing."""

from typing import Any

from rest_framework import fields, relations, serializers

_EXPECTED: list[tuple[type, tuple[type, ...], str]] = [
    (fields.BooleanField, (bool,), "a boolean"),
    (fields.IntegerField, (int,), "an integer"),
    (fields.FloatField, (int, float), "a number"),
    (fields.ListField, (list,), "a list"),
    (fields.DictField, (dict,), "an object"),
    (fields.JSONField, (dict, list, str, int, float, bool), "JSON"),
    (serializers.ListSerializer, (list,), "a list"),
    (serializers.BaseSerializer, (dict,), "an object"),
    (relations.ManyRelatedField, (list,), "a list"),
    (relations.PrimaryKeyRelatedField, (int,), "an integer id"),
    (fields.Field, (str,), "a string"),
]


def _type_problem(field: "fields.Field[Any, Any, Any, Any]", value: Any) -> str | None:
    if value is None:
        return None  # DRF refuses null where the field does not allow it
    for field_class, types, name in _EXPECTED:
        if isinstance(field, field_class):
            ok = isinstance(value, types) and not (bool not in types and isinstance(value, bool))
            return None if ok else f"Expected {name}."
    return None


class StrictTypes:
    """Mix into a Serializer: each input value must have its field's JSON type."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            problems = {}
            for name, field in self.fields.items():  # type: ignore[attr-defined]
                if field.read_only or field.field_name not in data:
                    continue
                problem = _type_problem(field, data[field.field_name])
                if problem:
                    problems[name] = [problem]
            if problems:
                raise serializers.ValidationError(problems)
        return super().to_internal_value(data)  # type: ignore[misc]
