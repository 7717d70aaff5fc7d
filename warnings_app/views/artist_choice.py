"""The artist's private link: public pages, no account. The link decides what the page may show;
a link that is not this page's, or no longer open, gets a plain refusal and none of the artist's
data. Choose, check the summary, confirm once."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from warnings_app.domain.uploads import UploadRefused
from warnings_app.forms.artist_choice import ArtistChoiceForm
from warnings_app.models import PreferenceLink
from warnings_app.selectors.artists import artist_works, statement_for_receipt, statements_scheduled
from warnings_app.selectors.preference_register import (
    LABELS,
    NOT_RECORDED,
    ArtistState,
    register_as_of,
)
from warnings_app.services.artist_link_parts import local_time, receipt_context
from warnings_app.services.artist_links import (
    LinkRefused,
    preference_link_confirm,
    preference_link_open,
)
from warnings_app.services.errors import ServiceError
from warnings_app.views.signin import client_ip


def _private(response: HttpResponse) -> HttpResponse:
    # The token is in the address: keep it out of search engines. (SECURE_REFERRER_POLICY
    # "same-origin" already keeps it from other sites; "no-referrer" would make browsers send
    # "Origin: null" with the form, which the CSRF check refuses.)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(request: HttpRequest, refusal: LinkRefused) -> HttpResponse:
    return _private(
        render(
            request,
            "warnings_app/artist_choice_refused.html",
            {"message": str(refusal)},
            status=refusal.status,
        )
    )


@method_decorator(never_cache, name="dispatch")
class _LinkPage(View):
    """Open to anyone holding the link; everything else is decided by the link itself."""

    link: PreferenceLink
    state: ArtistState | None  # where the artist stands today (set by form())

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., HttpResponseBase]:
        return login_not_required(super().as_view(**initkwargs))

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """Every method this page answers first opens the link, or refuses."""
        if hasattr(self, (request.method or "").lower()):
            try:
                self.link = preference_link_open(
                    artist_pk=kwargs["artist_pk"], token=kwargs["token"]
                )
            except LinkRefused as refusal:
                return _refused(request, refusal)
        return super().dispatch(request, *args, **kwargs)

    def form(self, link: PreferenceLink, data: QueryDict | None = None) -> ArtistChoiceForm:
        works = artist_works(link.artist)
        states = register_as_of(timezone.localdate(), artist_ids=[link.artist_id])
        self.state = states.get(link.artist_id)
        return ArtistChoiceForm(data, link=link, works=works, current=self.state)

    def page(
        self,
        request: HttpRequest,
        template: str,
        link: PreferenceLink,
        form: ArtistChoiceForm,
        status: int = 200,
        **extra: Any,
    ) -> HttpResponse:
        args = [link.artist_id, self.kwargs["token"]]
        context = {
            "choice_url": reverse("artist_choice", args=args),
            "confirm_url": reverse("artist_choice_confirm", args=args),
            "link": link,
            "artist": link.artist,
            "form": form,
            "expires": local_time(link.expires_at),
            **extra,
        }
        return _private(render(request, template, context, status=status))

    def choosing(
        self,
        request: HttpRequest,
        link: PreferenceLink,
        form: ArtistChoiceForm,
        status: int = 200,
    ) -> HttpResponse:
        """The choice page: the works with where each stands today, and the form."""
        state = self.state
        rows = [
            (work, field, LABELS[state.of_work(work.pk)] if state else LABELS[NOT_RECORDED])
            for work, field in form.work_rows()
        ]
        return self.page(
            request,
            "warnings_app/artist_choice.html",
            link,
            form,
            status=status,
            rows=rows,
            scheduled=[
                (s.get_preference_display(), s.effective_from)
                for s in statements_scheduled(link.artist)
            ],
            current=state.label if state else LABELS[NOT_RECORDED],
        )


class ArtistChoiceView(_LinkPage):
    def get(self, request: HttpRequest, artist_pk: int, token: str) -> HttpResponse:
        link = self.link
        return self.choosing(request, link, self.form(link))

    def post(self, request: HttpRequest, artist_pk: int, token: str) -> HttpResponse:
        link = self.link
        form = self.form(link, request.POST)
        if "change" in request.POST:  # back from the summary, with the choices kept
            return self.choosing(request, link, form)
        if not form.is_valid():
            return self.choosing(request, link, form, status=400)
        choice = form.choice()
        by_id = {w.pk: w for w in form.works}
        differing = [(by_id[pk], LABELS[pref]) for pk, pref in choice.works.items()]
        return self.page(
            request,
            "warnings_app/artist_choice_confirm.html",
            link,
            form,
            choice=choice,
            choice_label=LABELS[choice.preference],
            differing=differing,
        )


class ArtistChoiceConfirmView(_LinkPage):
    def post(self, request: HttpRequest, artist_pk: int, token: str) -> HttpResponse:
        link = self.link
        form = self.form(link, request.POST)
        if not form.is_valid():
            return self.choosing(request, link, form, status=400)
        try:
            statement = preference_link_confirm(
                artist_pk=artist_pk,
                token=token,
                choice=form.choice(),
                user_agent=request.headers.get("User-Agent", ""),
                address=client_ip(request),
            )
        except LinkRefused as refusal:
            return _refused(request, refusal)
        except (ServiceError, UploadRefused) as exc:
            form.add_error(None, str(exc))
            return self.choosing(request, link, form, status=400)
        statement = statement_for_receipt(statement.pk)
        return _private(
            render(
                request,
                "warnings_app/artist_choice_done.html",
                {"receipt": receipt_context(statement), "artist": statement.artist},
            )
        )
