"""The published reservations. Public, for crawlers and the label's websites (no account, GET
only): /.well-known/tdmrep.json, the robots.txt section and the licensing policies, each served
byte for byte as stored, with its SHA-256 as ETag and the version in headers. For staff: the
list of versions with previews and downloads of any version, each download audited."""

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views import View

from warnings_app.forms.ids import parse_id
from warnings_app.models import ReservationPublication
from warnings_app.reports.reservations import policy_text, sha256_text
from warnings_app.selectors.reservations import (
    crawlers_listed,
    latest_publication,
    publications_listed,
)
from warnings_app.services.audit import audit_record
from warnings_app.services.reservations import reservations_current
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin

PAGE_SIZE = 50
JSON = "application/json"
TEXT = "text/plain; charset=utf-8"
# kind in the URL -> (text field, hash field, content type, download name)
FILES = {
    "tdmrep.json": ("tdmrep_json", "tdmrep_sha256", JSON, "tdmrep-v{}.json"),
    "robots.txt": ("robots_txt", "robots_sha256", TEXT, "robots-ai-v{}.txt"),
}


class PublicFileView(View):
    """Served to anyone: exempt from LoginRequiredMiddleware, GET and HEAD only."""

    http_method_names = ["get", "head"]

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return login_not_required(super().as_view(**initkwargs))

    def served(
        self, request: HttpRequest, current: ReservationPublication, text: str, content_type: str
    ) -> HttpResponse:
        sha256 = sha256_text(text)
        etag = f'"{sha256}"'
        response = get_conditional_response(request, etag=etag) or HttpResponse(
            text.encode("utf-8"), content_type=content_type
        )
        response["ETag"] = etag
        response["X-Content-SHA256"] = sha256
        response["X-Reservation-Version"] = str(current.version)
        response["X-Reservation-Published"] = current.published_at.isoformat()
        response["X-Reservation-Effective-On"] = current.effective_on.isoformat()
        response["Access-Control-Allow-Origin"] = "*"  # a public file other sites may read
        patch_cache_control(response, public=True, max_age=300)
        return response

    def current(self) -> ReservationPublication:
        current = reservations_current()
        if current is None:
            raise Http404("Nothing has been published.")
        return current


class TdmrepView(PublicFileView):
    """GET /.well-known/tdmrep.json — the latest version, exactly as stored and hashed."""

    def get(self, request: HttpRequest) -> HttpResponse:
        current = self.current()
        return self.served(request, current, current.tdmrep_json, JSON)


class RobotsView(PublicFileView):
    """GET /reservations/robots.txt — the AI crawler section of the latest version."""

    def get(self, request: HttpRequest) -> HttpResponse:
        current = self.current()
        return self.served(request, current, current.robots_txt, TEXT)


class PolicyView(PublicFileView):
    """GET /reservations/policies/<artist>.json — the licensing policy that the latest version
    points to for a licensable artist; 404 for any other artist."""

    def get(self, request: HttpRequest, artist_pk: int) -> HttpResponse:
        current = self.current()
        policy = current.summary.get("policies", {}).get(str(artist_pk))
        if policy is None:
            raise Http404("No licensing policy is published for this artist.")
        return self.served(request, current, policy_text(policy), "application/ld+json")


class PublicationListView(RoleRequiredMixin, View):
    """GET /reservations/ — the current version with both files, the crawler list, and every
    version with its hashes and downloads."""

    permission_required = "warnings_app.view_reservationpublication"

    def get(self, request: HttpRequest) -> HttpResponse:
        current = latest_publication()
        policies = current.summary.get("policies", {}) if current else {}
        context = {
            "current": current,
            "policies": [
                {"artist": p["assigner"].get("vcard:fn", ""), "url": p["uid"]}
                for _, p in sorted(policies.items(), key=lambda item: int(item[0]))
            ],
            "page": Paginator(publications_listed(), PAGE_SIZE).get_page(request.GET.get("page")),
            "crawlers": crawlers_listed(),
            "tdmrep_url": settings.PUBLIC_BASE_URL + reverse("tdmrep_json"),
            "robots_url": settings.PUBLIC_BASE_URL + reverse("reservations_robots"),
        }
        return render(request, "warnings_app/reservation_list.html", context)


class PublicationDownloadView(RoleRequiredMixin, View):
    """GET /reservations/v<N>/<tdmrep.json|robots.txt> — one stored version's file as an
    attachment, byte for byte, for the label's websites or as evidence. Audited."""

    permission_required = "warnings_app.view_reservationpublication"

    def get(self, request: AuthenticatedHttpRequest, version: str, kind: str) -> HttpResponse:
        if kind not in FILES:
            raise Http404
        try:
            number = parse_id(version)  # versions count from 1, like ids
        except ValidationError as exc:
            raise Http404(exc.messages[0]) from exc
        text_field, hash_field, content_type, filename = FILES[kind]
        stored = get_object_or_404(ReservationPublication, version=number)
        sha256 = getattr(stored, hash_field)
        audit_record(
            actor=request.user,
            verb="reservations.downloaded",
            target=stored,
            data={"version": stored.version, "file": kind, "sha256": sha256},
        )
        response = HttpResponse(getattr(stored, text_field).encode("utf-8"), content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="{filename.format(stored.version)}"'
        )
        response["X-Content-SHA256"] = sha256
        return response
