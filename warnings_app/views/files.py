"""How a stored file leaves as an HTTP response: always as an attachment (never shown inline),
with its SHA-256 for the receiver to check. The pages and the API answer the same way."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header


def attachment_response(
    content: bytes, *, content_type: str, filename: str, sha256: str
) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Content-SHA256"] = sha256
    return response
