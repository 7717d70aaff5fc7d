"""The OpenAPI schema says what the API really answers: besides each operation's own responses,
the errors every endpoint can give, and the Idempotency-Key header on every POST."""

from typing import Any, Literal

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer[dict[str, Any]]):
    detail = serializers.CharField()


class FieldErrorsSerializer(serializers.Serializer[dict[str, Any]]):
    """Either `detail`, or one list of messages per field (`non_field_errors` for the whole)."""

    detail = serializers.CharField(required=False)
    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)


KEY_PATTERN = r"^[A-Za-z0-9._:-]{1,255}$"
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "pattern": KEY_PATTERN, "minLength": 1, "maxLength": 255},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique string (e.g. a UUID: letters, digits, - _ . :) chosen by the client. "
        "A repeat of the same request with the same key returns the first response and "
        "changes nothing; the same key with a different request is refused with 422."
    ),
)

_ERRORS = {
    "400": (FieldErrorsSerializer, "Invalid input, or a request the domain refuses"),
    "401": (ErrorSerializer, "Not authenticated"),
    "403": (ErrorSerializer, "The user's role does not allow this"),
    "404": (ErrorSerializer, "No such object, or no such page"),
}
_WRITE_ERRORS = {
    "409": (ErrorSerializer, "Conflicts with a change made at the same time"),
    "422": (ErrorSerializer, "Idempotency-Key already used for a different request"),
}


class AutoSchema(openapi.AutoSchema):
    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.method == "POST":
            parameters.append(IDEMPOTENCY_KEY)
        return parameters

    def _get_response_bodies(
        self, direction: Literal["request", "response"] = "response"
    ) -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        errors = {**_ERRORS, **(_WRITE_ERRORS if self.method != "GET" else {})}
        for code, (serializer, description) in errors.items():
            if code not in responses:
                # drf-spectacular leaves this hook of its AutoSchema unannotated.
                responses[code] = self._get_response_for_code(  # type: ignore[no-untyped-call]
                    OpenApiResponse(serializer, description=description), code
                )
        return responses
