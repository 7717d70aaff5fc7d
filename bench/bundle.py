"""Memory of building a campaign's evidence bundle: 100 letters against 1,000. Each campaign's
letters are stored files of 40 KB of random bytes (as incompressible as a real PDF), each with a
delivery attempt. Each measurement runs in a fresh child process:

- the web request (Django's test client, a Legal user pressing "Build evidence bundle"): its
  peak Python allocation (tracemalloc) and peak RSS growth; it only records and enqueues;
- the worker's build (build_evidence_bundle_task's body, as a worker runs it): the same two
  figures, plus its time and the bundle's size; then verify_bundle checks the bundle offline.

The broker is Celery's in-memory transport (what the request publishes goes nowhere; the bench
runs the task body itself). Signing uses the demo certificate and in-process demo TSA made in a
temporary VAR_DIR. Ends with `RESULT build_peak_kb_100=<x> build_peak_kb_1000=<y>
build_growth=<y/x> build_kb_per_letter=<(y-x)/900> build_rss_kb_…  web_peak_kb_100=<a>
web_peak_kb_1000=<b> verified=<yes|no>`. The web request's figures must not move with the
letters (it only enqueues). The build holds one chunk of one file, a hundred letters' rows, and
per letter its manifest line and zip directory entry (about 1 KB, written at the end; the
manifest is signed whole): build_kb_per_letter must stay a small fraction of a letter's 40 KB.

Run: .venv/bin/python bench/bundle.py [--sizes 100,1000] [--database bench_bundle]
Needs PostgreSQL on localhost; the database is dropped and made again.
"""

import argparse
import hashlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432"
LETTER_BYTES = 40 * 1024


def _environment(database: str, var_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",  # DEBUG keeps every query in memory: it would be measured too
        "SECRET_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"{PG}/{database}",
        "CELERY_BROKER_URL": "memory://",
        "EMAIL_URL": "consolemail://",
        "VAR_DIR": var_dir,
        "MEDIA_ROOT": str(Path(var_dir) / "media"),
        "LOG_LEVEL": "WARNING",
        "WARNINGS_IGNORE_DOTENV": "1",
        "DEMO_TOOLS": "true",
        "TWO_FACTOR_ROLES": "",  # the bench's lawyer signs in with force_login, no second factor
    }


def _child(mode: str, arg: str, env: dict[str, str]) -> dict:
    done = subprocess.run(  # noqa: S603 — our own script
        [sys.executable, __file__, "--child", mode, arg],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"{mode} {arg} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- in the child processes ----------------------------------------------------------------------


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _measured(work):
    """Run `work()`: its result, its peak Python allocation and its peak RSS growth (KB)."""
    import gc
    import tracemalloc

    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # the peak RSS starts again from here
    before = _rss_kb("VmRSS")
    tracemalloc.start()
    result = work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, peak // 1024, max(0, _rss_kb("VmHWM") - before)


def _seed(size: int) -> dict:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from tests.campaign_helpers import make_campaign
    from warnings_app.models import DeliveryAttempt, Notice
    from warnings_app.services.campaigns import campaign_generate

    campaign = make_campaign(companies=size, tag=f"bench-{size}")
    campaign_generate(campaign=campaign, by=campaign.created_by)
    attempts = []
    for notice in Notice.objects.filter(campaign=campaign).iterator():
        content = os.urandom(LETTER_BYTES)
        name = default_storage.save(f"notices/bench/{notice.reference}.pdf", ContentFile(content))
        Notice.objects.filter(pk=notice.pk).update(
            pdf=name, pdf_sha256=hashlib.sha256(content).hexdigest(), pdf_size=len(content)
        )
        attempts.append(
            DeliveryAttempt(
                notice=notice,
                channel="email",
                outcome="accepted",
                idempotency_key=f"bench-{notice.pk}",
                message_id=f"<{notice.reference}@bench.example>",
                recipient="legal@example.com",
                server_reply="250 2.0.0 Ok: queued",
                pdf_sha256=hashlib.sha256(content).hexdigest(),
                started_at=timezone.now(),
                finished_at=timezone.now(),
            )
        )
    DeliveryAttempt.objects.bulk_create(attempts)
    return {"campaign": campaign.pk}


def _measure(campaign_id: int) -> dict:
    import time

    from django.test import Client
    from django.urls import reverse

    from tests.factories import UserFactory
    from warnings_app.models import EvidenceBundle, Notice
    from warnings_app.reports.bundle_check import verify_bundle
    from warnings_app.tasks import build_evidence_bundle_task

    client = Client()
    client.force_login(UserFactory(username=f"bench-legal-{campaign_id}", role="Legal"))
    # The first request's imports and caches are not the bundle's: ask once for a company's.
    warm = Notice.objects.filter(campaign_id=campaign_id).values_list("company_id", flat=True)[0]
    client.post(reverse("company_evidence", args=[warm]))
    url = reverse("campaign_evidence", args=[campaign_id])
    response, web_peak, web_rss = _measured(lambda: client.post(url))
    assert response.status_code == 302, response.status_code
    assert response.url.startswith("/evidence/"), response.url
    bundle = EvidenceBundle.objects.get(subject_kind="campaign", subject_id=campaign_id)
    assert bundle.status == "queued", "the request built something"
    assert not bundle.file, "the request built something"
    started = time.perf_counter()
    outcome, build_peak, build_rss = _measured(lambda: build_evidence_bundle_task(bundle.pk))
    seconds = time.perf_counter() - started
    bundle.refresh_from_db()
    with bundle.file.open("rb") as handle:
        check = verify_bundle(handle)
    return {
        "outcome": outcome,
        "letters": bundle.total,
        "bytes": bundle.size,
        "seconds": round(seconds, 2),
        "web_peak_kb": web_peak,
        "web_rss_kb": web_rss,
        "build_peak_kb": build_peak,
        "build_rss_kb": build_rss,
        "problems": check.problems + (check.manifest or {}).get("problems", []),
        "signer": check.signer,
    }


def _run_child(mode: str, arg: str) -> None:
    import django

    django.setup()
    if mode == "seed":  # every size in one process: the factories' sequences make unique rows
        print(json.dumps({size: _seed(int(size))["campaign"] for size in arg.split(",")}))
    else:
        print(json.dumps(_measure(int(arg))))


# --- the bench ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--database", default="bench_bundle")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _run_child(*args.child)
        return
    import psycopg

    sizes = [int(s) for s in args.sizes.split(",")]
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    var_dir = tempfile.mkdtemp(prefix="bench-bundle-")
    env = _environment(args.database, var_dir)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    results = {}
    campaigns = _child("seed", ",".join(map(str, sizes)), env)
    for size in sizes:
        results[size] = figures = _child("measure", str(campaigns[str(size)]), env)
        print(
            f"{size:>6} letters: bundle {figures['bytes'] / 2**20:.1f} MiB built in "
            f"{figures['seconds']} s; build peak {figures['build_peak_kb']} KB allocated, "
            f"RSS +{figures['build_rss_kb']} KB; web request peak {figures['web_peak_kb']} KB "
            f"allocated, RSS +{figures['web_rss_kb']} KB; verify_bundle: "
            f"{'intact' if not figures['problems'] else figures['problems'][:3]} "
            f"(signed by {figures['signer']})",
            flush=True,
        )
    small, large = results[sizes[0]], results[sizes[-1]]
    # What the build holds per letter: its manifest line and its zip directory entry (both
    # written at the end), against the letter's own 40 KB, which it never holds.
    per_letter = (large["build_peak_kb"] - small["build_peak_kb"]) / max(sizes[-1] - sizes[0], 1)
    verified = all(not r["problems"] and r["outcome"] == "ready" for r in results.values())
    print(
        f"RESULT build_peak_kb_{sizes[0]}={small['build_peak_kb']} "
        f"build_peak_kb_{sizes[-1]}={large['build_peak_kb']} "
        f"build_growth={large['build_peak_kb'] / max(small['build_peak_kb'], 1):.2f} "
        f"build_kb_per_letter={per_letter:.1f} "
        f"build_rss_kb_{sizes[0]}={small['build_rss_kb']} "
        f"build_rss_kb_{sizes[-1]}={large['build_rss_kb']} "
        f"web_peak_kb_{sizes[0]}={small['web_peak_kb']} "
        f"web_peak_kb_{sizes[-1]}={large['web_peak_kb']} "
        f"verified={'yes' if verified else 'no'}"
    )


if __name__ == "__main__":
    main()
