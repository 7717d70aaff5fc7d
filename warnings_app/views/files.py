"""How a stored file leaves as an HTTP response: as an attachment, with its SHA-256 for the
receiver to check (the pages and the API answer the same way); only a letter's PDF may also be
shown inline, framed by our own pages."""

from typing import TYPE_CHECKING, Any

from csp import constants as csp
from django.http import HttpResponse
from django.utils.http import content_disposition_header

from warnings_app.services.stored_files import StoredFileAltered, stored_file_download

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import Model


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


def inline_response(
    content: bytes, *, content_type: str, filename: str, sha256: str
) -> HttpResponse:
    """The file shown in the browser, framable by our own pages only (the review page). The
    site's CSP says frame-ancestors 'none' and X-Frame-Options DENY; this response alone says
    'self' and SAMEORIGIN, and keeps nosniff so it is never read as anything but its type."""
    response = attachment_response(
        content, content_type=content_type, filename=filename, sha256=sha256
    )
    response["Content-Disposition"] = (
        content_disposition_header(as_attachment=False, filename=filename) or "inline"
    )
    response["X-Frame-Options"] = "SAMEORIGIN"
    response._csp_replace = {"frame-ancestors": [csp.SELF]}  # type: ignore[attr-defined]
    return response


def altered_file_response(what: str, *, advice: str = "Tell an administrator.") -> HttpResponse:
    """409 for a stored file that is missing or no longer matches its recorded SHA-256: it is
    never served. `what` names the file ("The stored letter of WN-…")."""
    return HttpResponse(
        f"{what} is missing or does not match its recorded SHA-256; it is not served. {advice}",
        status=409,
        content_type="text/plain; charset=utf-8",
    )


def stored_attachment(
    *,
    by: "User",
    name: str | None,
    sha256: str,
    content_type: str,
    filename: str,
    verb: str,
    target: "Model",
    data: dict[str, Any],
    what: str,
) -> HttpResponse:
    """A stored file as a download: read back verified against `sha256`, the download audited
    (`verb` on `target`, with `data`), sent as an attachment; or the 409 page naming `what`
    ("The stored agreement of LIC-…") when it is missing or no longer matches."""
    try:
        content = stored_file_download(
            name=name, sha256=sha256, by=by, verb=verb, target=target, data=data
        )
    except StoredFileAltered:
        return altered_file_response(what)
    return attachment_response(content, content_type=content_type, filename=filename, sha256=sha256)
