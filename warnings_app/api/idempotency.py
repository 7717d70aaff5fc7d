"""Idempotency-Key for POSTs: a retried request (a timeout, a client crash, a double submit by
an integration) gets the first answer back instead of a second reply or a second batch of
letters.

The key row is inserted first, in the transaction that then makes the change, and updated with
the response before it commits. A concurrent request with the same key blocks on the unique
index until that transaction ends: after a commit it finds the row and replays the stored
response; after a rollback (an error) the key is free again and it runs. So N concurrent
requests with one key make exactly one change. Error responses are not stored: a client may
correct the request and retry under the same key."""

import functools
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from warnings_app.api.base import caller
from warnings_app.api.schema import KEY_PATTERN
from warnings_app.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class _Unstored(Exception):
    """Leaves the transaction (rolling back the change and the key) with a non-2xx response."""

    def __init__(self, response: Response) -> None:
        self.response = response


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _replay(stored: IdempotencyKey, method_path: str, body_sha256: str) -> Response:
    if stored.method_path != method_path or stored.body_sha256 != body_sha256:
        return Response(
            {
                "detail": f"The Idempotency-Key “{stored.key}” was already used for a different "
                f"request ({stored.method_path}). Use a new key for a new request."
            },
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    response = Response(stored.response_body, status=stored.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Wrap a POST handler of a view set (`def create(self, request, ...)`). Without the header
    the handler runs as it is."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        if not re.fullmatch(KEY_PATTERN, key):
            raise ValidationError(
                {"detail": f"{HEADER}: 1 to {MAX_KEY_LENGTH} letters, digits or - _ . :"}
            )
        user = caller(request)
        method_path = f"{request.method} {request.path}"[:300]
        body_sha256 = _fingerprint(request)
        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():  # waits here while another request holds the key
                        record = IdempotencyKey.objects.create(
                            key=key, user=user, method_path=method_path,
                            body_sha256=body_sha256,
                        )  # fmt: skip
                except IntegrityError:
                    stored = IdempotencyKey.objects.get(user=user, key=key)
                    return _replay(stored, method_path, body_sha256)
                response = handler(view, request, *args, **kwargs)
                if not status.is_success(response.status_code):
                    raise _Unstored(response)
                record.response_status = response.status_code
                record.response_body = response.data
                record.save(update_fields=["response_status", "response_body"])
                return response
        except _Unstored as unstored:
            return unstored.response

    return wrapper
