"""Puts a letter together: the checked template text rendered with its merge data, inside our
own layout. The layout is trusted project code; only the body and subject come from users."""

import html
import re
from dataclasses import dataclass
from typing import Any, TypedDict

from django.template.loader import render_to_string
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from warnings_app.domain.letters.language import render_letter_text
from warnings_app.models import LetterTemplate, TemplateVersion

LAYOUTS = {
    "standard": "Standard (serif, ruled letterhead)",
    "modern": "Modern (sans-serif, letterhead band)",
}
PAGE_SIZES: dict[str, str] = {
    LetterTemplate.PaperSize.A4: "A4",
    LetterTemplate.PaperSize.LETTER: "letter",
}
_BLOCK = re.compile(r"^\s*<(p|ol|ul|h2|h3|blockquote|hr)\b", re.IGNORECASE)


def _paragraphs(rendered: str) -> SafeString:
    """Blank lines separate paragraphs; single line breaks stay. Blocks the author wrote in
    markup (<p>, <ol> …) are kept as they are."""
    chunks = [c.strip() for c in re.split(r"\n\s*\n", rendered.replace("\r\n", "\n"))]
    html = []
    for chunk in filter(None, chunks):
        html.append(chunk if _BLOCK.match(chunk) else f"<p>{chunk.replace(chr(10), '<br>')}</p>")
    return mark_safe("\n".join(html))  # noqa: S308 — escaped by the restricted engine


def letter_html(
    *,
    part: str = "full",
    subject: str,
    body: str,
    layout: str,
    paper_size: str,
    language: str,
    data: dict[str, Any],
    for_browser: bool = False,
) -> str:
    """The complete HTML of a letter. `subject` and `body` are template sources already checked
    by `template_problems`."""
    context = {
        "m": data,
        "subject": mark_safe(render_letter_text(subject, data)),  # noqa: S308 — escaped above
        "body_html": _paragraphs(render_letter_text(body, data)),
        "layout": layout if layout in LAYOUTS else "standard",
        "page_size": PAGE_SIZES.get(paper_size, "A4"),
        "language": escape(language),
        "for_browser": for_browser,
        # "full": the whole letter (preview, export); "letter" + "annex": the same letter in
        # two parts, so the renderer can lay out a campaign's shared schedule only once.
        "part": part,
    }
    return render_to_string("warnings_app/letters/letter.html", context)


class _LetterSource(TypedDict):
    subject: str
    body: str
    layout: str
    paper_size: str
    language: str
    data: dict[str, Any]


@dataclass(frozen=True)
class LetterParts:
    letter: str
    annex: str | None


def letter_parts(version: TemplateVersion, data: dict[str, Any]) -> LetterParts:
    """The letter and its schedule of works as two HTML documents for `pdf.render_letter_pdf`."""
    kwargs: _LetterSource = {
        "subject": version.subject,
        "body": version.body,
        "layout": version.layout,
        "paper_size": version.template.paper_size,
        "language": version.template.language,
        "data": data,
    }
    annex = letter_html(part="annex", **kwargs) if data.get("works") else None
    return LetterParts(letter=letter_html(part="letter", **kwargs), annex=annex)


def version_letter_html(
    version: TemplateVersion, data: dict[str, Any], *, for_browser: bool = False
) -> str:
    template = version.template
    return letter_html(
        subject=version.subject,
        body=version.body,
        layout=version.layout,
        paper_size=template.paper_size,
        language=template.language,
        data=data,
        for_browser=for_browser,
    )


def email_subject(subject: str, data: dict[str, Any], *, reference: str) -> str:
    """The Subject header a recipient sees: the version's subject rendered with the notice's
    merge data exactly as the letter shows it, as plain text on one line (no CR or LF can reach
    the header; the mail library folds long lines), followed by the notice's reference."""
    text = html.unescape(strip_tags(render_letter_text(subject, data)))
    return f"{' '.join(text.split())} [{reference}]"
