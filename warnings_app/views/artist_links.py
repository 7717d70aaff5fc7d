"""Staff send an artist a private link, or withdraw one, from the artist's page. Withdrawing
asks first, on a page that says what it does."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from warnings_app.forms.artist_links import PreferenceLinkForm
from warnings_app.models import Artist, PreferenceLink
from warnings_app.services.artist_link_parts import local_time
from warnings_app.services.artist_links import preference_link_create, preference_link_revoke
from warnings_app.services.errors import ServiceError
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin


class PreferenceLinkCreateView(RoleRequiredMixin, View):
    permission_required = "warnings_app.add_preferencelink"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        artist = get_object_or_404(Artist, pk=pk)
        form = PreferenceLinkForm(request.POST, artist=artist)
        if not form.is_valid():
            messages.error(request, f"No link was sent. {form.problems()}")
            return redirect("artist_detail", pk=artist.pk)
        data = form.cleaned_data
        try:
            link, _token = preference_link_create(
                artist=artist,
                recipient_email=data["recipient_email"],
                recipient_name=data["recipient_name"],
                days=data["valid_days"],
                by=request.user,
            )
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                f"Link sent to {link.recipient_email}, open until {local_time(link.expires_at)}.",
            )
        return redirect("artist_detail", pk=artist.pk)


class PreferenceLinkRevokeView(RoleRequiredMixin, View):
    """GET: the confirmation, stating the consequence. POST with confirm=yes: withdraw."""

    permission_required = "warnings_app.change_preferencelink"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        link = get_object_or_404(PreferenceLink.objects.select_related("artist"), pk=pk)
        if link.state() != "open":
            messages.error(request, f"Link {link.pk} is {link.state()}, so it cannot be withdrawn.")
            return redirect("artist_detail", pk=link.artist_id)
        return render(
            request,
            "warnings_app/preference_link_revoke.html",
            {"link": link, "expires": local_time(link.expires_at)},
        )

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        link = get_object_or_404(PreferenceLink, pk=pk)
        if request.POST.get("confirm") != "yes":
            messages.error(
                request, "Nothing was changed: confirm on this page to withdraw the link."
            )
            return redirect("preference_link_revoke", pk=link.pk)
        try:
            preference_link_revoke(link=link, by=request.user)
        except ServiceError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                f"The link sent to {link.recipient_email} was withdrawn; it no longer opens.",
            )
        return redirect("artist_detail", pk=link.artist_id)
