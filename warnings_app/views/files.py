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


def altered_file_response(what: str, *, advice: str = "Tell an administrator.") -> HttpResponse:
    """409 for a stored file that is missing or no longer matches its recorded SHA-256: it is
    never served. `what` names the file ("The stored letter of WN-…")."""
    return HttpResponse(
        f"{what} is missing or does not match its recorded SHA-256; it is not served. {advice}",
        status=409,
        content_type="text/plain; charset=utf-8",
    )
