"""The organisation's name, address and logo (settings ORGANISATION_*): in every page's context
for the header and the artist's pages, and the logo file served at a fixed address."""

import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse

LOGO_TYPES = {"image/png", "image/jpeg", "image/svg+xml"}


def organisation(request: HttpRequest) -> dict[str, object]:
    """Template context: `organisation` with its name, address lines and logo address."""
    return {
        "organisation": {
            "name": settings.ORGANISATION_NAME,
            "address_lines": [
                line.strip() for line in settings.ORGANISATION_ADDRESS.splitlines() if line.strip()
            ],
            "logo_url": reverse("organisation_logo") if settings.ORGANISATION_LOGO else "",
        }
    }


@login_not_required
def organisation_logo(request: HttpRequest) -> FileResponse:
    """The logo file named by ORGANISATION_LOGO (public: the artist's pages show it)."""
    path = Path(settings.ORGANISATION_LOGO) if settings.ORGANISATION_LOGO else None
    content_type = mimetypes.guess_type(path.name)[0] if path else None
    if path is None or content_type not in LOGO_TYPES or not path.is_file():
        raise Http404("No organisation logo is configured.")
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
