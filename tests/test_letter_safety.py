"""Hostile templates are refused with a clear message; anything that reaches the renderer
anyway fetches nothing from outside the letter assets."""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CompanyFactory, UserFactory
from tests.letters_helpers import notice_with_schedule, pdf_text
from warnings_app import services
from warnings_app.domain.letters.compose import version_letter_html
from warnings_app.integrations.pdf import LetterRenderer
from warnings_app.models import LetterTemplate
from warnings_app.selectors.merge_data import merge_data_for_notice
from warnings_app.services.rendering import stored_pdf_bytes

pytestmark = pytest.mark.django_db

HOSTILE = [
    ("{% load static %}Dear Sirs", "{% load %} is not allowed"),
    ('{% include "/etc/passwd" %}', "{% include %} is not allowed"),
    ('{% extends "base.html" %}', "{% extends %} is not allowed"),
    ("{% debug %}", "{% debug %} is not allowed"),
    ("{{ notice.company.__class__ }}", "no field name starts with “_”"),
    ("{{ recipient.legal_name.__class__.__mro__ }}", "no field name starts with “_”"),
    ("{{ settings.SECRET_KEY }}", "“settings” is not a merge field"),
    ("{{ recipient.contacts }}", "“recipient.contacts” is not a merge field"),
    ("{{ recipient.legal_name|safe }}", "|safe is not a filter letters can use"),
    ('<img src="http://127.0.0.1:9/x.png">', "<img> is not allowed"),
    ('<a href="file:///etc/passwd">terms</a>', "<a> is not allowed"),
    ('<p style="background: url(file:///etc/passwd)">x</p>', "may not have attributes"),
    ("<style>@import url(http://127.0.0.1:9/evil.css);</style>", "<style> is not allowed"),
    ("<script>alert(1)</script>", "<script> is not allowed"),
    ("{% if recipient.legal_name %}unclosed", "opened here but never closed: add {% endif %}"),
    ("x" * 50_001, "the limit is 50,000"),
]


@pytest.mark.parametrize(("body", "message"), HOSTILE)
def test_hostile_bodies_are_refused_at_save_with_a_clear_message(body, message):
    author = UserFactory(role="Legal")

    with pytest.raises(services.TemplateInvalid) as refused:
        services.letter_template_create(
            by=author, name="Hostile", kind="initial_notice", subject="Notice", body=body
        )

    assert any(message in problem for problem in refused.value.problems), refused.value.problems
    assert not LetterTemplate.objects.exists()


def test_an_unknown_field_lists_the_known_ones():
    problems = services.template_text_problems(subject="Notice", body="{{ recipient.nmae }}")

    assert problems == [
        "Body: Line 1: “recipient.nmae” is not a merge field. Fields of "
        "recipient: address_block, address_lines, addressee, addressee_title, "
        "country, country_code, domain, email, legal_name, licence_status, "
        "licensed_uses, organisation, trading_names, via_counsel."
    ]


def test_syntax_errors_name_their_line():
    problems = services.template_text_problems(
        subject="Notice", body="Dear Sirs,\n\n{% for w in works %}\n{{ w.title }}"
    )

    assert problems[0].startswith("Body: Line 3:")


class _Canary(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        _Canary.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"@page { size: A3 }")

    def log_message(self, *args):
        pass


@pytest.fixture
def canary():
    _Canary.hits = []
    server = HTTPServer(("127.0.0.1", 0), _Canary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_renderer_fetches_nothing_outside_the_letter_assets(canary):
    html = f"""<html><head>
      <link rel="stylesheet" href="{canary}/linked.css">
      <style>@import url("{canary}/imported.css"); body {{ background: url("{canary}/bg.png") }}
      @font-face {{ font-family: X; src: url("{canary}/font.ttf") }}</style></head>
      <body><p>Letter</p><img src="{canary}/pixel.png"><img src="file:///etc/passwd">
      <img src="file:///work/../etc/hostname"><img src="data:image/png;base64,iVBORw0KGgo=">
      <a href="file:///etc/passwd">link</a></body></html>"""
    renderer = LetterRenderer()

    pdf = renderer.render(html)

    assert _Canary.hits == []
    refused = " ".join(renderer.fetcher.refused)
    assert f"{canary}/linked.css" in refused
    assert f"{canary}/imported.css" in refused
    assert f"{canary}/pixel.png" in refused
    assert "file:///etc/passwd" in refused
    assert "root:" not in pdf_text(pdf.content)


def test_markup_in_a_company_name_is_escaped_in_the_letter_and_on_every_page(client):
    name = '<b>Evil</b> & "Co" <script>alert(1)</script>'
    notice = services.notice_render(notice=notice_with_schedule(legal_name=name), by=None)
    client.force_login(UserFactory(role="Legal"))

    text = pdf_text(stored_pdf_bytes(notice))
    list_page = client.get(reverse("company_list"), {"q": "Evil"}).content.decode()
    detail_page = client.get(reverse("company_detail", args=[notice.company_id])).content.decode()

    assert '<b>Evil</b> & "Co" <script>alert(1)</script>' in text
    for page in (list_page, detail_page):
        assert "&lt;b&gt;Evil&lt;/b&gt; &amp;" in page
        assert "<script>alert(1)</script>" not in page


def test_markup_in_a_company_name_is_escaped_in_the_editor_preview(client):
    CompanyFactory(legal_name="<i>Preview</i> Ltd", domain="preview.example")
    version = services.letter_template_create(
        by=UserFactory(role="Legal"),
        name="T",
        kind="initial_notice",
        subject="S",
        body="Dear {{ recipient.legal_name }}",
    )
    client.force_login(version.created_by)

    response = client.post(
        reverse("version_preview", args=[version.pk]),
        {"subject": "S", "body": version.body, "layout": "standard", "company": "preview.example"},
    )

    html = response.json()["html"]
    assert "Dear &lt;i&gt;Preview&lt;/i&gt; Ltd" in html
    assert "<i>Preview</i>" not in html
    assert "Content-Security-Policy" in html


# --- quoted text inside tags ------------------------------------------------------------------

PAY_HERE = "<a href='https://pay.evil'>pay here</a><style>body { color: white }</style>"
MARKUP_LITERALS = [
    '{{ "' + PAY_HERE + '" }}',
    '{% firstof "<img src=https://pay.evil/x.png>" %}',
    '{% with x="<b>urgent</b>" %}{{ x }}{% endwith %}',
    '{{ recipient.trading_names|default:"<i>none</i>" }}',
    "{{ recipient.address_lines|join:'<br>' }}",
    '{% if recipient.legal_name == "Tom & Jerry" %}x{% endif %}',
    '{{ "' + "x" * 201 + '" }}',
]


def _data(notice):
    return merge_data_for_notice(notice, letter_date=timezone.localdate())


@pytest.mark.parametrize("body", MARKUP_LITERALS)
def test_quoted_text_in_a_tag_must_be_plain_text(body):
    problems = services.template_text_problems(subject="Notice", body=f"Dear Sirs,\n{body}")

    assert len(problems) == 1, problems
    assert problems[0].startswith("Body: Line 2: the quoted text “")
    assert "is not plain text" in problems[0]
    assert "at most 200 characters, without <, >, &, quotes or line breaks" in problems[0]


def test_plain_quoted_text_is_allowed_and_rendered():
    body = (
        '{% firstof recipient.trading_names "the company" %} — '
        '{{ recipient.address_lines|join:", " }} — {% with x="Ltd." %}{{ x }}{% endwith %}'
    )
    assert services.template_text_problems(subject="Notice", body=body) == []

    notice = notice_with_schedule(body=body)
    html = version_letter_html(notice.template_version, _data(notice))

    assert "the company — 1 Hafenstraße, " in html
    assert "— Ltd.</p>" in html


def test_a_stored_version_with_markup_in_quoted_text_renders_it_escaped():
    body = (
        '{{ "' + PAY_HERE + '" }} {% firstof "<img src=https://pay.evil/x.png>" %} '
        '{{ recipient.trading_names|default:"<i>none</i>" }}'
    )
    notice = notice_with_schedule(body=body)  # stored directly, as before the check existed

    html = version_letter_html(notice.template_version, _data(notice))
    text = pdf_text(stored_pdf_bytes(services.notice_render(notice=notice, by=None)))

    assert "&lt;a href=&#x27;https://pay.evil&#x27;&gt;pay here&lt;/a&gt;&lt;style&gt;" in html
    assert "&lt;img src=https://pay.evil/x.png&gt;" in html
    assert "&lt;i&gt;none&lt;/i&gt;" in html
    assert "<a href" not in html
    assert "<img" not in html
    assert "<i>none" not in html
    assert "<a href='https://pay.evil'>pay here</a><style>" in text
