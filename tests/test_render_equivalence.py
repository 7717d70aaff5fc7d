"""The fast render of a letter with a schedule of works (pdf.LetterRenderer: letter and schedule
laid out apart, the schedule's pages laid into the letter's stand-in pages) is the same letter
as the plain one: the letter HTML with the schedule in place of ANNEX_MARKER, laid out as one
WeasyPrint document by the same renderer (same stylesheets, fonts and fetcher). Page for page:
the same page sizes, the same text at the same places, and on every page, schedule pages
included, the letter's own footer (reference, template version, "Page x of y")."""

import html
import re
import shutil
import subprocess
from dataclasses import dataclass

import pytest
from django.utils import timezone

from tests.factories import (
    CompanyFactory,
    ContactFactory,
    PrincipalFactory,
    TemplateVersionFactory,
    WorkFactory,
    make_notice,
)
from tests.letters_helpers import LETTER_BODY, notice_with_schedule
from warnings_app.domain.letters.compose import LetterParts, letter_parts, version_letter_html
from warnings_app.integrations.pdf import ANNEX_MARKER, render_letter_pdf
from warnings_app.models import LetterTemplate
from warnings_app.selectors.merge_data import merge_data_for_notice

pytestmark = pytest.mark.django_db

SCHEDULE_HEADING = "Schedule — works at issue"
FILLER = (
    "Our clients note for the record that this paragraph adds length to the letter and "
    "nothing else, so that the letter ends at another height on its last page. "
) * 2
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


@dataclass(frozen=True)
class Page:
    size: str  # pdftotext -bbox: width and height in points
    lines: list[str]  # pdftotext -layout, trailing spaces dropped
    words: list[tuple[str, ...]]  # pdftotext -bbox: each word with its box

    @property
    def text_lines(self) -> list[str]:
        return [" ".join(line.split()) for line in self.lines if line.strip()]

    @property
    def footer(self) -> str:
        return self.text_lines[-1] if self.text_lines else ""


def _pdftotext(path, *options: str) -> str:
    assert shutil.which("pdftotext"), "pdftotext is needed: apt-get install poppler-utils"
    run = subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def pdf_pages(content: bytes, path) -> list[Page]:
    path.write_bytes(content)
    texts = _pdftotext(path, "-layout").split("\f")[:-1]  # each page ends in a form feed
    boxes = _pdftotext(path, "-bbox").split("<page ")[1:]
    assert len(texts) == len(boxes)
    return [
        Page(
            size=box[: box.index(">")],
            lines=[line.rstrip() for line in text.splitlines()],
            words=[(*coords, html.unescape(word)) for *coords, word in _WORD.findall(box)],
        )
        for text, box in zip(texts, boxes, strict=True)
    ]


def whole_letter_html(parts: LetterParts) -> str:
    """The letter with the schedule's body in place of ANNEX_MARKER: one HTML document."""
    if parts.annex is None:
        assert ANNEX_MARKER not in parts.letter
        return parts.letter
    schedule = re.search(r"<body[^>]*>(.*)</body>", parts.annex, re.DOTALL)
    assert schedule is not None
    assert parts.letter.count(ANNEX_MARKER) == 1
    return parts.letter.replace(ANNEX_MARKER, schedule.group(1))


def parts_of(notice) -> LetterParts:
    """The two HTML documents notice_render hands to the renderer, from the same merge data."""
    data = merge_data_for_notice(notice, letter_date=timezone.localdate())
    return letter_parts(notice.template_version, data)


def both_renders(parts: LetterParts, folder) -> tuple[list[Page], list[Page]]:
    folder.mkdir(parents=True, exist_ok=True)
    fast = render_letter_pdf(parts.letter, parts.annex)
    whole = render_letter_pdf(whole_letter_html(parts))
    return pdf_pages(fast.content, folder / "fast.pdf"), pdf_pages(
        whole.content, folder / "whole.pdf"
    )


def assert_same_letter(fast: list[Page], whole: list[Page], *, notice) -> None:
    assert len(fast) == len(whole), "the fast render and the whole document differ in pages"
    total = len(whole)
    for number, (fast_page, whole_page) in enumerate(zip(fast, whole, strict=True), start=1):
        footer = f"{notice.reference} · {notice.template_version} Page {number} of {total}"
        assert whole_page.footer == footer, f"whole document, page {number}: footer"
        assert fast_page.footer == footer, f"fast render, page {number} of {total}: footer"
        assert fast_page.size == whole_page.size, f"page {number}: page size"
        assert fast_page.lines == whole_page.lines, f"page {number} of {total}: text"
        assert fast_page.words == whole_page.words, f"page {number} of {total}: word positions"


def schedule_start(pages: list[Page]) -> int:
    """The index of the page the schedule begins on, checked to be at the top of that page."""
    starts = [i for i, page in enumerate(pages) if SCHEDULE_HEADING in page.text_lines]
    assert len(starts) == 1, f"schedule heading on pages {[i + 1 for i in starts]}"
    assert pages[starts[0]].text_lines[0] == SCHEDULE_HEADING, "schedule starts mid-page"
    return starts[0]


def test_a_letter_without_a_schedule_renders_the_same_with_its_footer_on_every_page(tmp_path):
    notice = notice_with_schedule(works=0, body=LETTER_BODY + ("\n\n" + FILLER) * 6)
    parts = parts_of(notice)

    fast, whole = both_renders(parts, tmp_path)

    assert parts.annex is None
    assert len(whole) >= 2
    assert not any(SCHEDULE_HEADING in page.text_lines for page in whole)
    assert_same_letter(fast, whole, notice=notice)


@pytest.mark.parametrize("layout", ["standard", "modern"])
@pytest.mark.parametrize("paper_size", LetterTemplate.PaperSize.values)
def test_a_schedule_of_several_pages_renders_as_the_whole_letter_would(
    tmp_path, layout, paper_size
):
    version = TemplateVersionFactory(
        body=LETTER_BODY, layout=layout, template__paper_size=paper_size
    )
    notice = notice_with_schedule(works=90, template_version=version)
    parts = parts_of(notice)

    fast, whole = both_renders(parts, tmp_path)

    start = schedule_start(whole)
    assert len(whole) - start >= 3, "the schedule should run over three pages or more"
    assert start >= 2, "the letter itself should run over two pages or more"
    assert_same_letter(fast, whole, notice=notice)
    for page in whole[start + 1 :]:
        assert page.text_lines[0].split() == ["No.", "Title", "Artist", "ISRC", "ISWC"]


# With the bundled fonts these put the end of the letter mid-page, low on the page, just past a
# page break (the signature is kept whole), near the top, and at the foot of the page.
@pytest.mark.parametrize("filler", [0, 3, 4, 6, 13])
def test_the_schedule_starts_on_a_fresh_page_wherever_the_letter_ends(tmp_path, filler):
    """letter.css breaks the page before the schedule, so a schedule never starts mid-page; the
    fast render relies on that (its schedule always starts on a stand-in page of its own)."""
    notice = notice_with_schedule(works=1, body=LETTER_BODY + ("\n\n" + FILLER) * filler)
    parts = parts_of(notice)

    fast, whole = both_renders(parts, tmp_path)

    start = schedule_start(whole)
    assert start == len(whole) - 1, "a one-work schedule fits on one page"
    assert whole[start - 1].text_lines[-2].startswith("for and on behalf of ")  # then the footer
    assert_same_letter(fast, whole, notice=notice)


def test_the_whole_document_is_the_full_letter_with_the_schedule_in_place():
    notice = notice_with_schedule(works=3)
    data = merge_data_for_notice(notice, letter_date=timezone.localdate())

    full = version_letter_html(notice.template_version, data)

    assert whole_letter_html(letter_parts(notice.template_version, data)).split() == full.split()


def test_a_schedule_shared_by_two_letters_carries_each_letters_own_footer(tmp_path):
    principal = PrincipalFactory(legal_name="Northlight Records Ltd")
    works = [WorkFactory(principal=principal) for _ in range(70)]
    version = TemplateVersionFactory(body=LETTER_BODY)
    notices = []
    for name in ["First Listener AI", "Second Listener AI"]:
        company = CompanyFactory(legal_name=name)
        ContactFactory(company=company)
        notices.append(
            make_notice(
                company=company, template_version=version, principals=[principal], works=works
            )
        )
    first, second = (parts_of(notice) for notice in notices)
    assert first.annex == second.annex  # one schedule, laid out once and reused

    renders = [
        both_renders(first, tmp_path / "a"),
        both_renders(second, tmp_path / "b"),
        both_renders(first, tmp_path / "c"),  # after the second letter overlaid the schedule
    ]

    for (fast, whole), notice in zip(renders, [*notices, notices[0]], strict=True):
        assert len(whole) - schedule_start(whole) >= 2
        assert_same_letter(fast, whole, notice=notice)
