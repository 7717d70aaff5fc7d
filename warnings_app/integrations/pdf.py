"""HTML to PDF. The only module that imports WeasyPrint (lazily, so web processes that never
render do not pay for it). Resources come only from the project's letter assets, the bundled
fonts and data: URIs; everything else is refused and logged."""

import atexit
import hashlib
import io
import logging
import mimetypes
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

LETTER_ASSETS = Path(settings.BASE_DIR) / "static" / "warnings_app" / "letters"
# SIL OFL fonts installed from PyPI (font-source-serif-pro, font-source-sans-pro), so a letter
# renders the same on every machine with the same requirements.lock.
FONT_FACES = [
    ("Letter Serif", "font_source_serif_pro", "SourceSerifPro-Regular.ttf", "normal", "normal"),
    ("Letter Serif", "font_source_serif_pro", "SourceSerifPro-Bold.ttf", "bold", "normal"),
    ("Letter Serif", "font_source_serif_pro", "SourceSerifPro-It.ttf", "normal", "italic"),
    ("Letter Sans", "font_source_sans_pro", "SourceSansPro-Regular.ttf", "normal", "normal"),
    ("Letter Sans", "font_source_sans_pro", "SourceSansPro-Semibold.ttf", "600", "normal"),
]


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _font_dir(package: str) -> Path:
    return Path(str(resources.files(package) / "files"))


def allowed_roots() -> list[Path]:
    roots = {LETTER_ASSETS.resolve()}
    roots.update(_font_dir(package).resolve() for _, package, *_ in FONT_FACES)
    return sorted(roots)


def font_face_css() -> str:
    rules = []
    for family, package, filename, weight, style in FONT_FACES:
        url = (_font_dir(package) / filename).resolve().as_uri()
        rules.append(
            f'@font-face {{ font-family: "{family}"; src: url("{url}"); '
            f"font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(rules)


class AssetFetcher(Protocol):
    """What the renderer keeps of its fetcher (a WeasyPrint URLFetcher, which is untyped)."""

    refused: list[str]

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any: ...


def _fetcher_class() -> Callable[[list[Path]], AssetFetcher]:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LetterAssetFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no types
        """Serves files under the allowed roots and data: URIs; refuses everything else (http,
        https, ftp, other paths, symlinks out of the roots). No network, so no redirects."""

        def __init__(self, roots: list[Path]) -> None:
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
            self.roots = roots
            self.refused: list[str] = []
            self._cache: dict[str, bytes] = {}

        def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path)).resolve()
                if any(path.is_relative_to(root) for root in self.roots) and path.is_file():
                    body = self._cache.get(str(path))
                    if body is None:
                        body = self._cache[str(path)] = path.read_bytes()
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, body, {"Content-Type": kind})
            self.refused.append(url)
            logger.warning("letter renderer refused to fetch %s", url[:300])
            raise ValueError(f"refused to fetch {url[:100]}: letters may only use their own assets")

    return LetterAssetFetcher


ANNEX_MARKER = "<!--ANNEX-PAGES-->"
ANNEX_CACHE_SIZE = 16


class LetterRenderer:
    """Reusable across letters: fonts and stylesheets are loaded and parsed once per process,
    and a schedule of works shared by many letters (a campaign) is laid out once.

    A letter with a schedule is laid out as two documents: the letter itself, ending in one
    blank stand-in page per schedule page, and the schedule. Each stand-in page keeps its own
    footer (reference, version, "page x of y") and receives the schedule page's content, so the
    result is the same letter as laying out the whole HTML at once, page for page."""

    def __init__(self) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.fetcher = _fetcher_class()(allowed_roots())
        self.font_config = FontConfiguration()
        base = LETTER_ASSETS.as_uri() + "/"

        def css(**source: str) -> Any:
            return CSS(
                font_config=self.font_config, url_fetcher=self.fetcher, base_url=base, **source
            )

        self.user_agent: list[Any] = [css(filename=str(LETTER_ASSETS / "user_agent.css"))]
        self.stylesheets: list[Any] = [
            css(string=font_face_css()),
            css(filename=str(LETTER_ASSETS / "letter.css")),
        ]
        self.base_url = base
        self._annexes: OrderedDict[str, Any] = OrderedDict()

    def _document(self, html: str) -> Any:
        from weasyprint import HTML

        user_agent = self.user_agent

        class LetterHTML(HTML):  # type: ignore[misc]  # WeasyPrint ships no types
            def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
                return user_agent

        return LetterHTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher).render(
            stylesheets=self.stylesheets, font_config=self.font_config
        )

    def _annex(self, html: str) -> Any:
        key = hashlib.sha256(html.encode()).hexdigest()
        document = self._annexes.pop(key, None) or self._document(html)
        self._annexes[key] = document
        while len(self._annexes) > ANNEX_CACHE_SIZE:
            self._annexes.popitem(last=False)
        return document

    def render(self, html: str, annex_html: str | None = None) -> RenderedPdf:
        """`html` is a whole letter, or the letter part with ANNEX_MARKER where the schedule
        goes and `annex_html` the schedule."""
        if annex_html is None:
            document = self._document(html.replace(ANNEX_MARKER, ""))
        else:
            annex = self._annex(annex_html)
            stand_ins = '<div class="annex-page"></div>' * len(annex.pages)
            letter = self._document(html.replace(ANNEX_MARKER, stand_ins))
            count = len(annex.pages)
            pages = letter.pages[:-count] + [
                _overlay(stand_in, content)
                for stand_in, content in zip(letter.pages[-count:], annex.pages, strict=True)
            ]
            document = letter.copy(pages)
        buffer = io.BytesIO()
        document.write_pdf(buffer)
        return RenderedPdf(content=buffer.getvalue(), pages=len(document.pages))


def _overlay(stand_in: Any, content: Any) -> Any:
    """A page with the stand-in's margin boxes (footer) and the content page's body."""
    from weasyprint.document import Page
    from weasyprint.formatting_structure.boxes import MarginBox

    margins = [box for box in stand_in._page_box.children if isinstance(box, MarginBox)]
    body = [box for box in content._page_box.children if not isinstance(box, MarginBox)]
    page_box = stand_in._page_box.copy()
    page_box.children = tuple(body + margins)
    return Page(page_box)


@cache
def letter_renderer() -> LetterRenderer:
    return LetterRenderer()


# Drop the process's renderer while the interpreter is still whole: WeasyPrint's font
# configuration frees its Pango objects in __del__, which fails noisily once modules are torn down.
atexit.register(letter_renderer.cache_clear)


def render_letter_pdf(html: str, annex_html: str | None = None) -> RenderedPdf:
    return letter_renderer().render(html, annex_html)


def merge_pdfs(documents: list[bytes]) -> RenderedPdf:
    """One PDF holding the given ones in order, their pages untouched."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for content in documents:
        writer.append(PdfReader(io.BytesIO(content)))
    buffer = io.BytesIO()
    writer.write(buffer)
    return RenderedPdf(content=buffer.getvalue(), pages=len(writer.pages))
