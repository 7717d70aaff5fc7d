"""Letter rendering: the project's renderer against a naive WeasyPrint call per letter.

Renders N letters (default 200) from the demo initial-notice template, each with a 30-work
schedule, for N different companies: once through
`warnings_app.integrations.pdf.render_letter_pdf` and once through
`weasyprint.HTML(string=...).write_pdf()` with the same letter, stylesheet and fonts.
Prints the per-letter medians and their ratio, then the median time to sign and timestamp each
rendered letter (PAdES B-T, integrations/signing.sign_pdf) against a test CA and a real RFC 3161
timestamp authority on loopback (certomancer over HTTP, as in the tests), which must be at most a
fifth of rendering, then the renderer's resident memory growth across M renders (default 1,000).
Ends with `RESULT speedup=<x> sign_ms=<median> rss_growth_mb=<y>`.

Run: .venv/bin/python bench/render.py [--letters 200] [--memory-renders 1000]
It uses its own SQLite database in a temporary folder, filled by seed_demo.
"""

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _start_timestamp_authority(folder: str):
    """The test CA and TSA of tests/timestamp_authority.py, with the signing settings pointed at
    them (before Django reads its settings)."""
    import logging

    from tests.timestamp_authority import TestAuthority

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per TSA request
    authority = TestAuthority(Path(folder) / "authority").start()
    os.environ.update(
        SIGNING_CERT=authority.signer_cert_pem,
        SIGNING_KEY=authority.signer_key_pem,
        SIGNING_TRUST_ROOTS=authority.root_pem,
        TSA_URL=authority.url,
        TSA_TRUST_ROOTS=authority.root_pem,
    )
    return authority


def _setup_django(folder: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "true"
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ["MEDIA_ROOT"] = f"{folder}/media"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", companies=250, verbosity=0)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _letters(count: int):
    from django.utils import timezone

    from warnings_app.domain.letters.compose import letter_parts, version_letter_html
    from warnings_app.models import Company, Principal, TemplateVersion, Work
    from warnings_app.selectors.merge_data import letter_contact, merge_data_build

    version = TemplateVersion.objects.select_related("template").get(
        template__name="Initial notice (EN)", number=1
    )
    principals = list(Principal.objects.order_by("pk"))
    works = list(Work.objects.order_by("pk")[:30])
    companies = Company.objects.prefetch_related("contacts").order_by("legal_name")[:count]
    letters = []
    for number, company in enumerate(companies, start=1):
        data = merge_data_build(
            company=company,
            contact=letter_contact(company),
            template_version=version,
            principals=principals,
            works=works,
            reference=f"WN-2026-{number:06d}",
            letter_date=timezone.localdate(),
        )
        letters.append((letter_parts(version, data), version_letter_html(version, data)))
    return letters


def _naive_html(full_html: str) -> str:
    from warnings_app.integrations.pdf import LETTER_ASSETS, font_face_css

    css = (LETTER_ASSETS / "letter.css").as_uri()
    return full_html.replace(
        "</head>", f'<style>{font_face_css()}</style><link rel="stylesheet" href="{css}"></head>'
    )


def _timed(render, items) -> list[float]:
    times = []
    for item in items:
        start = time.perf_counter()
        render(item)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=200)
    parser.add_argument("--memory-renders", type=int, default=1000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-render-") as folder:
        authority = _start_timestamp_authority(folder)
        _setup_django(folder)
        import weasyprint

        from warnings_app.integrations.pdf import render_letter_pdf
        from warnings_app.integrations.signing import check_pdf_signature, sign_pdf

        letters = _letters(args.letters)
        naive_inputs = [_naive_html(full) for _parts, full in letters]

        def ours(parts):
            return render_letter_pdf(parts.letter, parts.annex)

        def naive(html):
            return weasyprint.HTML(string=html).write_pdf()

        sample_ours, sample_naive = ours(letters[0][0]), naive(naive_inputs[0])
        print(f"letters: {len(letters)}, {sample_ours.pages} pages each, 30 scheduled works")
        print(f"pdf size: ours {len(sample_ours.content):,} B, naive {len(sample_naive):,} B")
        for item in naive_inputs[1:3]:
            naive(item)

        naive_times = _timed(naive, naive_inputs)
        ours_times = _timed(ours, [parts for parts, _full in letters])
        naive_ms = statistics.median(naive_times) * 1000
        ours_ms = statistics.median(ours_times) * 1000
        print(
            f"naive per letter: median {naive_ms:.0f} ms "
            f"(p90 {statistics.quantiles(naive_times, n=10)[-1] * 1000:.0f} ms)"
        )
        print(
            f"ours per letter:  median {ours_ms:.0f} ms "
            f"(p90 {statistics.quantiles(ours_times, n=10)[-1] * 1000:.0f} ms)"
        )

        first = ours(letters[0][0]).content
        sign_pdf(first)  # the first signature of a process sizes the room for the rest
        check = check_pdf_signature(sign_pdf(first))
        assert check.valid, check.problem
        assert check.timestamped, check.problem
        # Each letter rendered then signed, as notice_render does, both timed: the two medians
        # are compared under the same load (other processes on the machine come and go).
        render_times, sign_times = [], []
        for parts, _full in letters:
            start = time.perf_counter()
            content = ours(parts).content
            rendered = time.perf_counter()
            sign_pdf(content)
            render_times.append(rendered - start)
            sign_times.append(time.perf_counter() - rendered)
        sign_ms = statistics.median(sign_times) * 1000
        render_ms = statistics.median(render_times) * 1000
        print(
            f"sign + timestamp per letter (loopback TSA over HTTP): median {sign_ms:.0f} ms "
            f"(p90 {statistics.quantiles(sign_times, n=10)[-1] * 1000:.0f} ms); rendering "
            f"the same letters just before: median {render_ms:.0f} ms; signing is "
            f"{sign_ms / render_ms:.0%} of rendering (at most 20%)"
        )
        authority.stop()

        gc.collect()
        before = _rss_mb()
        for index in range(args.memory_renders):
            ours(letters[index % len(letters)][0])
        gc.collect()
        after = _rss_mb()
        print(f"rss: {before:.0f} MB before, {after:.0f} MB after {args.memory_renders} renders")

    print(
        f"RESULT speedup={naive_ms / ours_ms:.2f} sign_ms={sign_ms:.0f} "
        f"rss_growth_mb={after - before:.1f}"
    )


if __name__ == "__main__":
    main()
