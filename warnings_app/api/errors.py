"""Errors as JSON: what the domain refuses is the client's problem (400), never a 500."""

from typing import Any

from django.db import IntegrityError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from warnings_app.services.errors import ServiceError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus: a ServiceError (a refusal worded for the user) is a 400 with its
    message; an IntegrityError that escaped validation (a race with another writer on a unique
    value) is a 409 rather than a server error."""
    if isinstance(exc, ServiceError):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        return Response(
            {"detail": "This conflicts with a record written at the same time; nothing was saved."},
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)
