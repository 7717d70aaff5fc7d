"""Letters cite the preference register as it stood on their date, and the published
reservation then in force; the notice's merge data freezes that, so a later change of
preference never alters a letter already rendered."""

import datetime as dt
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    CompanyFactory,
    ContactFactory,
    PrincipalFactory,
    TemplateVersionFactory,
    UserFactory,
    WorkFactory,
    make_notice,
)
from tests.letters_helpers import pdf_text
from tests.preference_factories import make_statement
from warnings_app import services
from warnings_app.domain.letters.language import template_problems
from warnings_app.domain.preferences import Instruction
from warnings_app.models import AuditEvent, ReservationPublication
from warnings_app.selectors.merge_data import merge_data_for_notice, merge_data_preview
from warnings_app.services.errors import NoticeStateError
from warnings_app.services.rendering import stored_pdf_bytes

pytestmark = pytest.mark.django_db

BODY = """Dear {{ recipient.legal_name }},

As of {{ reservations.as_of }} the following artists reserve their recordings against AI training: {{ reservations.reserved_artist_names|default:"none" }}.
{% for artist in reservations.licensable_artists %}{{ artist.name }} licenses AI training on terms (contact {{ artist.licensing_contact }}).
{% endfor %}
{% if reservations.published.sha256 %}Published reservation version {{ reservations.published.version }} of {{ reservations.published.date }}, SHA-256 {{ reservations.published.sha256 }}.{% endif %}

{% for work in works %}{{ work.title }}: {{ work.ai_preference }} since {{ work.ai_preference_since|default:"-" }}.
{% endfor %}"""  # noqa: E501


@pytest.fixture
def letter_setup():
    principal = PrincipalFactory(name="Northlight Records")
    lead = WorkFactory(principal=principal, artist="Aurora Lane", title="Glass Harbour")
    other = WorkFactory(principal=principal, artist="Aurora Lane", title="Lowlight")
    silent = WorkFactory(principal=principal, artist="Quiet Field", title="Hush")
    company = CompanyFactory(legal_name="Sonora Machine Audio Ltd", country="DE")
    ContactFactory(company=company, email="legal@sonora.example")
    version = TemplateVersionFactory(subject="Reservation of rights", body=BODY)
    return {
        "principal": principal,
        "works": [lead, other, silent],
        "company": company,
        "version": version,
        "author": UserFactory(role="Legal", username="author"),
        "approver": UserFactory(role="Legal", username="approver"),
    }


def _notice(setup):
    return make_notice(
        company=setup["company"],
        template_version=setup["version"],
        principals=[setup["principal"]],
        works=setup["works"],
        by=setup["author"],
    )


def test_the_letter_template_may_use_the_reservation_fields():
    assert template_problems(BODY, allow_html=False) == []


def test_a_change_of_preference_leaves_a_rendered_letter_alone_and_the_next_letter_cites_it(
    letter_setup, client
):
    artist = letter_setup["works"][0].artist_profile
    first_lawyer = UserFactory(role="Legal", username="harriet")
    second_lawyer = UserFactory(role="Legal", username="tom")
    make_statement(
        artist,
        "reserved",
        effective_from=timezone.localdate() - dt.timedelta(days=30),
        instruction=Instruction(b"Aurora Lane reserves all recordings.", "instruction.txt"),
        by=first_lawyer,
    )
    before = services.notice_render(notice=_notice(letter_setup), by=letter_setup["author"])
    before = services.notice_approve(notice=before, by=letter_setup["approver"])
    frozen_data = before.merge_data
    frozen_pdf = stored_pdf_bytes(before)
    published_before = ReservationPublication.objects.latest()

    make_statement(
        artist,
        "licensable",
        licensing_contact="licensing@northlight.example",
        work_choices={letter_setup["works"][1].pk: "reserved"},
        instruction=Instruction(b"I will now license AI training, except Lowlight.", "i.txt"),
        by=second_lawyer,
    )
    after = services.notice_render(notice=_notice(letter_setup), by=letter_setup["author"])

    before.refresh_from_db()
    assert before.merge_data == frozen_data
    assert hashlib.sha256(stored_pdf_bytes(before)).hexdigest() == before.pdf_sha256
    assert stored_pdf_bytes(before) == frozen_pdf
    with pytest.raises(NoticeStateError):
        services.notice_render(notice=before, by=letter_setup["author"])
    old_text = pdf_text(frozen_pdf)
    assert "reserve their recordings against AI training: Aurora Lane." in old_text
    assert "Glass Harbour: Reserved (no AI training)" in old_text
    assert "Hush: Not recorded" in old_text
    assert published_before.tdmrep_sha256 in old_text

    new_text = pdf_text(stored_pdf_bytes(after))
    published_after = ReservationPublication.objects.latest()
    assert published_after.version == published_before.version + 1
    assert "reserve their recordings against AI training: none." in new_text
    assert "Aurora Lane licenses AI training on terms (contact licensing@northlight.example)" in (
        new_text
    )
    assert "Glass Harbour: Licensable on terms" in new_text
    assert "Lowlight: Reserved (no AI training) since" in new_text
    assert published_after.tdmrep_sha256 in new_text
    assert published_before.tdmrep_sha256 not in new_text
    assert after.merge_data["reservations"]["published"]["version"] == published_after.version

    events = AuditEvent.objects.filter(verb="preference.recorded", target_id=str(artist.pk))
    assert [(e.actor.username, e.to_state) for e in events.order_by("pk")] == [
        ("harriet", "reserved"),
        ("tom", "licensable"),
    ]
    client.force_login(UserFactory(role="Manager"))
    history = client.get(reverse("artist_detail", args=[artist.pk])).content.decode()
    assert "harriet" in history
    assert "tom" in history
    first, second = artist.statements.order_by("created_at")
    assert history.index(second.instruction_sha256) < history.index(first.instruction_sha256)


def test_since_spans_consecutive_statements_with_the_same_answer(letter_setup):
    artist = letter_setup["works"][0].artist_profile
    lawyer = UserFactory(role="Legal")
    today = timezone.localdate()
    for days_ago, preference in ((60, "undecided"), (40, "reserved"), (20, "reserved")):
        make_statement(
            artist,
            preference,
            effective_from=today - dt.timedelta(days=days_ago),
            by=lawyer,
        )

    data = merge_data_preview(
        company=letter_setup["company"], template_version=letter_setup["version"]
    )

    reserved = data["reservations"]["reserved_artists"]
    forty_days_ago = today - dt.timedelta(days=40)
    assert reserved == [
        {
            "name": "Aurora Lane",
            "since": f"{forty_days_ago.day} {forty_days_ago:%B %Y}",
            "licensing_contact": "",
        }
    ]


def test_a_statement_dated_ahead_is_not_cited_before_its_day(letter_setup):
    artist = letter_setup["works"][0].artist_profile
    make_statement(
        artist,
        "reserved",
        effective_from=timezone.localdate() + dt.timedelta(days=7),
        by=UserFactory(role="Legal"),
    )

    rendered = services.notice_render(notice=_notice(letter_setup), by=letter_setup["author"])

    reservations = rendered.merge_data["reservations"]
    assert reservations["reserved_artists"] == []
    assert [w["ai_preference"] for w in rendered.merge_data["works"]] == ["Not recorded"] * 3


def test_only_the_letters_rights_holders_artists_are_listed(letter_setup):
    lawyer = UserFactory(role="Legal")
    elsewhere = WorkFactory(principal=PrincipalFactory(name="Other Label"), artist="Far Away")
    for work in (letter_setup["works"][0], elsewhere):
        make_statement(
            work.artist_profile,
            "reserved",
            effective_from=timezone.localdate(),
            by=lawyer,
        )

    rendered = services.notice_render(notice=_notice(letter_setup), by=letter_setup["author"])

    names = [a["name"] for a in rendered.merge_data["reservations"]["reserved_artists"]]
    assert names == ["Aurora Lane"]


def test_a_letter_on_the_day_a_dated_statement_takes_effect_cites_files_that_include_it(
    letter_setup, monkeypatch
):
    artist = letter_setup["works"][0].artist_profile
    make_statement(
        artist,
        "reserved",
        effective_from=timezone.localdate() + dt.timedelta(days=1),
        by=UserFactory(role="Legal"),
    )
    before = ReservationPublication.objects.order_by("-version").first()
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(days=1))

    rendered = services.notice_render(notice=_notice(letter_setup), by=letter_setup["author"])

    cited = rendered.merge_data["reservations"]["published"]
    publication = ReservationPublication.objects.get(version=cited["version"])
    assert before is None or publication.version > before.version
    assert publication.effective_on == timezone.localdate()
    assert "/recordings/" + letter_setup["works"][0].isrc in publication.tdmrep_json
    assert [a["name"] for a in rendered.merge_data["reservations"]["reserved_artists"]] == [
        "Aurora Lane"
    ]


def test_building_merge_data_publishes_nothing_even_when_a_statement_took_effect_since(
    letter_setup, monkeypatch
):
    """Merge data is a read: the template preview shows what is published; only rendering a
    letter (above) brings the published files up to date first."""
    artist = letter_setup["works"][0].artist_profile
    make_statement(
        artist,
        "reserved",
        effective_from=timezone.localdate() + dt.timedelta(days=1),
        by=UserFactory(role="Legal"),
    )
    published = ReservationPublication.objects.count()
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(days=1))
    notice = _notice(letter_setup)

    merge_data_for_notice(notice, letter_date=timezone.localdate())
    merge_data_preview(company=notice.company, template_version=notice.template_version)

    assert ReservationPublication.objects.count() == published
