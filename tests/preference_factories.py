"""Factories for the preference register: artists, their works, statements (always through the
real service, so hashes and files are real) and private links (with the token a test needs)."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from tests.factories import UserFactory, WorkFactory
from warnings_app import models as m
from warnings_app.domain.preferences import Instruction
from warnings_app.services.artist_link_parts import new_token, token_sha256
from warnings_app.services.preferences import preference_record


class ArtistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Artist
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Artist {n}")
    email = factory.Sequence(lambda n: f"artist{n}@artists.example")


def works_of(artist: m.Artist, count: int = 2, **kwargs) -> list[m.Work]:
    """`count` works credited to `artist` (Work.save ties them to the register entry)."""
    return [WorkFactory(artist=artist.name, **kwargs) for _ in range(count)]


def make_statement(
    artist: m.Artist,
    preference: str = m.Preference.RESERVED,
    *,
    effective_from: date | None = None,
    by=None,
    **kwargs,
) -> m.PreferenceStatement:
    """A statement recorded by staff through preference_record, with a small text instruction."""
    kwargs.setdefault(
        "instruction", Instruction(content=b"Instruction from the artist.\n", filename="note.txt")
    )
    if preference == m.Preference.LICENSABLE:
        kwargs.setdefault("licensing_contact", "licensing@artists.example")
    return preference_record(
        artist=artist,
        preference=preference,
        effective_from=effective_from or timezone.localdate(),
        by=by or UserFactory(role="Legal"),
        **kwargs,
    )


def make_link(
    artist: m.Artist | None = None, *, days: int = 14, **kwargs
) -> tuple[m.PreferenceLink, str]:
    """An open link and its token, stored as the service stores it (hash only), without sending
    an e-mail. Pass expires_at, used_at or revoked_at to get a link in another state."""
    artist = artist or ArtistFactory()
    token = new_token()
    now = timezone.now()
    fields = {
        "recipient_email": artist.email or "manager@artists.example",
        "created_by": kwargs.pop("created_by", None) or UserFactory(role="Paralegal"),
        "created_at": now,
        "expires_at": now + timedelta(days=days),
        **kwargs,
    }
    link = m.PreferenceLink.objects.create(
        artist=artist, token_sha256=token_sha256(token), **fields
    )
    return link, token


def artist_with_works(name: str = "Mara Quill", count: int = 2):
    """An artist with an e-mail address and `count` works."""
    artist = ArtistFactory(name=name, email=f"{name.split()[0].lower()}@artists.example")
    return artist, works_of(artist, count)


def confirm_through_link(artist: m.Artist, works: list[m.Work], token: str):
    """The artist confirms through the link: licensable, with the first work reserved."""
    from warnings_app.domain.preferences import Choice
    from warnings_app.services.artist_links import preference_link_confirm

    choice = Choice(
        "licensable", "deals@quill.example", {works[0].pk: "reserved"}, "Mara Q", "mq@x.example"
    )
    return preference_link_confirm(artist_pk=artist.pk, token=token, choice=choice)
