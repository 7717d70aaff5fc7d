"""The template editor's words and palette: each Django syntax error a letter can produce is
shown as a plain sentence naming its line; the palette lists exactly the catalogue the validator
checks, with snippets that pass it."""

import pytest
from django.template import TemplateSyntaxError
from django.urls import reverse

from tests.factories import UserFactory
from warnings_app import services
from warnings_app.domain.letters.fields import CATALOGUE, Group, ListOf
from warnings_app.domain.letters.language import render_letter_text, template_problems
from warnings_app.domain.letters.palette import palette_sections
from warnings_app.domain.letters.plain_errors import RULES, plain_syntax_error

pytestmark = pytest.mark.django_db

# (body, the plain sentence shown). Each line of Django's own wording is covered by one case at
# least (test_every_translation_is_tested).
PLAIN = [
    (
        "Dear Sirs,\n{% if %}x{% endif %}",
        "Line 2: the condition of this {% if %} or {% elif %} is incomplete: it needs a merge "
        "field after it, and after any “and”, “or”, “not”, “==” or “in” (e.g. {% if "
        "recipient.via_counsel %} or {% if works_count > 1 %}).",
    ),
    (
        "{% if recipient.via_counsel recipient.domain %}x{% endif %}",
        "Line 1: the condition of this {% if %} has “recipient.domain” left over at its end: "
        "join two conditions with “and” or “or”, or remove it (e.g. {% if "
        "recipient.via_counsel %} or {% if works_count > 1 %}).",
    ),
    (
        "{% if and %}x{% endif %}",
        "Line 1: “and” cannot stand there in this {% if %}: put a merge field on each side of "
        "“and”, “or” and comparisons (e.g. {% if recipient.via_counsel %} or {% if "
        "works_count > 1 %}).",
    ),
    (
        "{% if recipient.via_counsel not %}x{% endif %}",
        "Line 1: “not” cannot join two things in this {% if %}: write “not” before a merge "
        "field, e.g. {% if not recipient.via_counsel %}.",
    ),
    (
        "A\nB\n{% if recipient.via_counsel %}\nno end",
        "Line 3: {% if … %} is opened here but never closed: add {% endif %} where it should end.",
    ),
    (
        "{% comment %}a note",
        "Line 1: {% comment … %} is opened here but never closed: add {% endcomment %} where "
        "it should end.",
    ),
    (
        "Dear Sirs,\n{% endif %}",
        "Line 2: {% endif %} has no {% if … %} before it to close: remove it, or add the "
        "{% if … %} it belongs to.",
    ),
    (
        "{% for work in works %}\n{% endif %}\n{% endfor %}",
        "Line 2: {% endif %} cannot come here: the {% for … %} before it is still open. Close "
        "it first with {% endfor %}, or move {% endif %} after it.",
    ),
    (
        "{% if recipient.via_counsel %}x{% else counsel %}y{% endif %}",
        "Line 1: {% else %} takes nothing after its name: write just {% else %}.",
    ),
    (
        "{% for work works %}x{% endfor %}",
        "Line 1: this loop is incomplete: write it as {% for work in works %} (a name, “in”, "
        "then a list).",
    ),
    (
        "{% for work on works %}x{% endfor %}",
        "Line 1: this loop must read {% for work in works %}: a name, “in”, then a list.",
    ),
    (
        "{% for a b in works %}x{% endfor %}",
        "Line 1: this loop has a name that cannot be used: write it as {% for work in works %}.",
    ),
    (
        "{% with %}x{% endwith %}",
        "Line 1: {% with %} needs a name and a value joined by “=”, e.g. {% with "
        "name=recipient.legal_name %}.",
    ),
    (
        "{% with a=recipient.domain b %}x{% endwith %}",
        "Line 1: “b” in this {% with %} is not of the form name=value, e.g. {% with "
        "name=recipient.legal_name %}.",
    ),
    (
        "{% firstof %}",
        "Line 1: {% firstof %} needs at least one merge field after it, e.g. {% firstof "
        "recipient.addressee recipient.legal_name %}.",
    ),
    (
        "x\n\n{{ }}",
        "Line 3: {{ }} is empty: write a merge field inside it, e.g. {{ recipient.legal_name }}, "
        "or remove it.",
    ),
    (
        "{{ recipient._secret }}",
        "Line 1: “recipient._secret” is not a merge field: no field name starts with “_”.",
    ),
    (
        "{{ recipient.domain|safe }}",
        "Line 1: |safe is not a filter letters can use; you can use |capfirst, |default, "
        "|default_if_none, |first, |join, |last, |length, |linebreaks, |linebreaksbr, |lower, "
        "|pluralize, |title, |truncatewords, |upper, |yesno.",
    ),
    (
        "{{ recipient.domain|default }}",
        'Line 1: the filter |default needs a value after a colon, e.g. |default:"…" (check '
        "that the quotes are closed).",
    ),
    (
        '{{ recipient.domain|upper:"x" }}',
        "Line 1: the filter |upper takes no value: remove the colon and what follows it.",
    ),
    (
        "{{ recipient.domain!! }}",
        "Line 1: “!!” after “recipient.domain” cannot be read: check the spelling, that quotes "
        "are closed, and that filters start with “|”.",
    ),
    (
        "{{ |upper }}",
        "Line 1: “|upper” starts with a filter: put a merge field before the “|”.",
    ),
]
# Django's words that a lawyer should never have to read.
DJANGO_WORDS = ("register or load", "expression", "Unclosed tag", "infix", "remainder", "token")


@pytest.mark.parametrize(("body", "sentence"), PLAIN)
def test_each_syntax_error_is_a_plain_sentence_naming_its_line(body, sentence):
    problems = template_problems(body, allow_html=True)

    assert problems == [sentence]
    assert not any(word in sentence for word in DJANGO_WORDS)


def test_every_translation_is_tested():
    messages = []
    for body, _ in PLAIN:
        with pytest.raises(TemplateSyntaxError) as refused:
            render_letter_text(body, {})
        messages.append(str(refused.value))

    for pattern, _make in RULES:
        assert any(pattern.match(m) for m in messages), pattern.pattern


def test_a_message_without_a_translation_is_shown_as_django_wrote_it():
    assert plain_syntax_error("Something new in Django 6", 7) == (
        "Line 7: Something new in Django 6"
    )
    assert plain_syntax_error("Something new", None) == "Something new"


def test_an_unclosed_brace_and_an_empty_tag_are_named_with_their_line():
    problems = template_problems(
        "Dear Sirs,\nWe write for {{ principal.name and\n{% %}\nmore {% if", allow_html=True
    )

    assert problems == [
        "Line 2: “{{” is opened but not closed with “}}” on the same line, so it would be "
        "printed in the letter as typed. Close it, or remove it.",
        "Line 3: {% %} is empty: write a tag inside it, e.g. {% if recipient.via_counsel %}, "
        "or remove it.",
        "Line 4: “{%” is opened but not closed with “%}” on the same line, so it would be "
        "printed in the letter as typed. Close it, or remove it.",
    ]


def test_the_service_refuses_a_save_with_the_plain_sentence():
    with pytest.raises(services.TemplateInvalid) as refused:
        services.letter_template_create(
            by=UserFactory(role="Legal"),
            name="Broken",
            kind="initial_notice",
            subject="Notice {% if %}",
            body="Dear Sirs,\n\n{% for work in works %}{{ work.title }}",
        )

    assert refused.value.problems == [
        "Subject: Line 1: the condition of this {% if %} or {% elif %} is incomplete: it needs "
        "a merge field after it, and after any “and”, “or”, “not”, “==” or “in” (e.g. {% if "
        "recipient.via_counsel %} or {% if works_count > 1 %}).",
        "Body: Line 3: {% for … %} is opened here but never closed: add {% endfor %} where it "
        "should end.",
    ]


def _leaves(spec, path):
    """Every field of the catalogue as the palette names it (a list's items by its loop name)."""
    if isinstance(spec, Group):
        return [
            leaf
            for name, part in spec.fields.items()
            for leaf in _leaves(part, f"{path}.{name}" if path else name)
        ]
    if isinstance(spec, ListOf):
        return [path, *_leaves(spec.item, path.rsplit(".", 1)[-1][:-1])]
    return [path]


def test_the_palette_lists_exactly_the_catalogue_and_every_snippet_passes_the_validator():
    entries = [entry for section in palette_sections() for entry in section.entries]
    assert [entry.name for entry in entries] == _leaves(CATALOGUE, "")
    assert len(entries) > 60
    for entry in entries:
        source = f"{entry.inside}{entry.snippet}{'{% endfor %}' if entry.inside else ''}"
        assert template_problems(source, allow_html=True) == [], entry
    works = next(entry for entry in entries if entry.name == "works")
    assert works.snippet == "{% for work in works %}\n{{ work.number }}\n{% endfor %}"
    title = next(entry for entry in entries if entry.name == "work.title")
    assert (title.snippet, title.inside) == ("{{ work.title }}", "{% for work in works %}")


@pytest.fixture
def draft():
    return services.letter_template_create(
        by=UserFactory(role="Legal"),
        name="Initial (EN)",
        kind="initial_notice",
        subject="Notice {{ notice.reference }}",
        body="Dear {{ recipient.addressee }},",
    )


def test_the_editor_page_shows_the_palette_as_a_copyable_list(client, draft):
    client.force_login(UserFactory(role="Legal"))

    html = client.get(reverse("version_edit", args=[draft.pk])).content.decode()

    assert 'data-insert="yes"' in html
    assert '<code class="palette-snippet">{{ recipient.legal_name }}</code>' in html
    assert "Web domain, e.g. example.ai" in html
    assert "inside a loop: {% for work in works %}" in html
    # Without JavaScript: no search box and no Insert buttons, only the list.
    assert '<div class="palette-search" hidden>' in html
    assert html.count('class="button palette-insert" hidden') == html.count("palette-snippet")
    assert 'aria-label="Insert recipient.legal_name"' in html


def test_a_version_that_can_no_longer_change_offers_no_insert(client, draft):
    services.template_version_submit(version=draft, by=draft.created_by)
    client.force_login(UserFactory(role="Legal"))

    html = client.get(reverse("version_edit", args=[draft.pk])).content.decode()

    assert 'data-insert="no"' in html
    assert "can no longer change" in html


def test_the_new_template_page_has_the_palette_too(client):
    client.force_login(UserFactory(role="Legal"))

    response = client.get(reverse("template_create"))

    assert response.status_code == 200
    assert 'data-testid="merge-palette"' in response.content.decode()


def test_a_role_without_template_rights_cannot_open_the_editor(client, draft):
    client.force_login(UserFactory(role="Manager"))

    assert client.get(reverse("version_edit", args=[draft.pk])).status_code == 403


def test_the_live_preview_answers_in_plain_words(client, draft):
    client.force_login(UserFactory(role="Legal"))

    answer = client.post(
        reverse("version_preview", args=[draft.pk]),
        {
            "subject": "Notice",
            "body": "Dear Sirs,\n\n{{ recipient.domain|default }}",
            "layout": "standard",
        },
    ).json()

    assert answer == {
        "problems": [
            'Body: Line 3: the filter |default needs a value after a colon, e.g. |default:"…" '
            "(check that the quotes are closed)."
        ],
        "html": "",
    }
