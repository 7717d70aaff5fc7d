"""A letter's page as a PNG, drawn by poppler's pdftoppm (Debian: poppler-utils), so a letter
can be read beside its Approve button in any browser, phones included, where a framed PDF often
shows nothing. pdftoppm reads and writes files, so the PDF and the image live in a private
temporary folder removed at once; a stuck renderer is stopped after a few seconds."""

import shutil
import subprocess
import tempfile
from pathlib import Path

PDFTOPPM = "pdftoppm"
TIMEOUT_SECONDS = 20


class PageImageUnavailable(Exception):
    """pdftoppm is missing, failed, or the page does not exist."""


def pdf_page_png(content: bytes, *, page: int, dpi: int = 100) -> bytes:
    program = shutil.which(PDFTOPPM)
    if program is None:
        raise PageImageUnavailable("pdftoppm (poppler-utils) is not installed")
    with tempfile.TemporaryDirectory(prefix="letter-page-") as folder:
        letter = Path(folder) / "letter.pdf"
        letter.write_bytes(content)
        arguments = ["-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile"]
        try:
            done = subprocess.run(  # noqa: S603 — our own file name and numbers
                [program, *arguments, str(letter), str(Path(folder) / "page")],
                capture_output=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise PageImageUnavailable("drawing the page took too long") from exc
        image = Path(folder) / "page.png"
        if done.returncode != 0 or not image.exists():
            raise PageImageUnavailable(done.stderr.decode(errors="replace")[:300] or "no image")
        return image.read_bytes()
