"""A letter template's evaluation is bounded: loop iterations, characters produced and time, in
the live preview, the PDF preview and the real render, each stopped with a message a lawyer can
act on. A normal letter is not affected."""

import time

import pytest
from django.urls import reverse

from tests.factories import CompanyFactory, TemplateVersionFactory, UserFactory
from tests.letters_helpers import notice_with_schedule, pdf_text
from warnings_app import services
from warnings_app.domain.letters.bounds import (
    MAX_LOOP_ITERATIONS,
    MAX_OUTPUT_CHARS,
    MAX_SECONDS,
    LetterTooCostly,
    RenderBudget,
)
from warnings_app.domain.letters.language import render_letter_text
from warnings_app.models import Notice
from warnings_app.services.pipeline import notice_render_step
from warnings_app.services.rendering import stored_pdf_bytes

pytestmark = pytest.mark.django_db

WORKS = [{"title": f"Song {n}", "number": n} for n in range(1, 31)]
LOOPS = "{% for w in works %}" * 4 + "x" + "{% endfor %}" * 4  # 30**4 = 810,000 iterations
JOINS = (
    '{% with a="xxxxxxxxxx" %}{% with b=a|join:a %}{% with c=b|join:b %}'
    "{% with d=c|join:c %}{% endwith %}{% endwith %}{% endwith %}{% endwith %}"
)  # 10, 100, 10**4, then 10**8 characters
WIDE = "{% for w in works %}{% for v in works %}" + "y" * 1_000 + "{% endfor %}{% endfor %}"
LITERAL_LOOPS = '{% for a in "xxxxxxxxxx" %}' * 6 + "z" + "{% endfor %}" * 6


def test_nested_loops_over_the_works_are_stopped_with_a_message():
    with pytest.raises(LetterTooCostly) as stopped:
        render_letter_text(LOOPS, {"works": WORKS})

    assert f"repeats its loops more than {MAX_LOOP_ITERATIONS:,} times" in str(stopped.value)


def test_with_chains_of_join_are_stopped_before_they_grow():
    with pytest.raises(LetterTooCostly) as stopped:
        render_letter_text(JOINS, {})

    assert f"produces more than {MAX_OUTPUT_CHARS:,} characters" in str(stopped.value)


def test_loops_that_write_too_much_text_are_stopped():
    with pytest.raises(LetterTooCostly) as stopped:
        render_letter_text(WIDE, {"works": WORKS})

    assert f"produces more than {MAX_OUTPUT_CHARS:,} characters" in str(stopped.value)


def test_loops_over_quoted_text_are_refused_and_stopped_if_stored():
    problems = services.template_text_problems(subject="S", body=LITERAL_LOOPS)

    assert 'Body: Line 1: “"xxxxxxxxxx"” is not a list, so it cannot be looped over.' in problems
    with pytest.raises(LetterTooCostly, match="repeats its loops more than"):
        render_letter_text(LITERAL_LOOPS, {})


def test_the_live_preview_answers_with_the_message(client):
    CompanyFactory(legal_name="Preview Ltd", domain="preview.example")
    version = services.letter_template_create(
        by=UserFactory(role="Legal"), name="T", kind="initial_notice", subject="S", body="Hi"
    )
    client.force_login(version.created_by)

    response = client.post(
        reverse("version_preview", args=[version.pk]),
        {"subject": "S", "body": JOINS, "layout": "standard", "company": "preview.example"},
    )

    assert response.status_code == 200
    [problem] = response.json()["problems"]
    assert f"produces more than {MAX_OUTPUT_CHARS:,} characters" in problem
    assert response.json()["html"] == ""


def test_the_pdf_preview_and_the_render_stop_with_the_message(client):
    notice = notice_with_schedule(works=30, body=LOOPS)  # stored directly, never validated
    version = notice.template_version
    client.force_login(UserFactory(role="Legal"))

    preview = client.get(
        reverse("version_pdf", args=[version.pk]), {"company": notice.company.domain}
    )
    notice_render_step(notice_id=notice.pk)

    assert preview.status_code == 400
    assert "repeats its loops more than" in preview.content.decode()
    notice.refresh_from_db()
    assert notice.status == Notice.Status.DRAFT
    assert not notice.pdf
    assert "repeats its loops more than" in notice.problem


def test_a_normal_letter_with_30_works_is_not_affected():
    body = (
        "Dear {{ recipient.addressee }},\n\n{% for w in works %}{{ w.number }}. {{ w.title }}"
        "{% if not forloop.last %}; {% endif %}{% endfor %}"
    )
    version = TemplateVersionFactory(body=body)

    notice = services.notice_render(
        notice=notice_with_schedule(works=30, template_version=version), by=None
    )

    text = pdf_text(stored_pdf_bytes(notice))
    titles = [w["title"] for w in notice.merge_data["works"]]
    assert len(titles) == 30
    assert all(f"{n}. {title}" in text for n, title in enumerate(titles, start=1))


def test_a_render_that_runs_out_of_time_is_stopped():
    budget = RenderBudget()
    budget.deadline = time.monotonic()  # no time left: the next loop or text written stops it

    with pytest.raises(LetterTooCostly) as stopped:
        budget.loop()

    assert f"takes more than {MAX_SECONDS:g} seconds to fill in" in str(stopped.value)
