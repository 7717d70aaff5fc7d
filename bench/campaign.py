"""A whole campaign end to end: generate, approve and send N letters (default 1,000) with a
Celery worker of two processes, on PostgreSQL and Redis, to an SMTP server on loopback.

Prints the wall time of each phase, notices per second, the speed-up over rendering the same
letters one after another in a single process (the render service the workers run, without
Celery; WeasyPrint alone is printed too), and the duplicates and losses found (messages
received twice by the SMTP server; notices not sent or not received). Ends with
`RESULT speedup=<x> duplicates=<n> lost=<m>`.

Run: .venv/bin/python bench/campaign.py [--notices 1000]
Needs PostgreSQL and Redis on localhost (as on the development machines); it creates and drops
its own database `bench_campaign` and uses Redis database 14.
"""

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "bench_campaign"
PG = "postgres://postgres@127.0.0.1:5432"
BROKER = "redis://127.0.0.1:6379/14"


def _fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def _environment(media: str, smtp_port: int) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # As in production: DEBUG would make every query slower (Django records each one).
        "DEBUG": "false",
        "DEMO_TOOLS": "true",  # the seeders (warnings_demo) are development tools
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "CELERY_BROKER_URL": BROKER,
        "MEDIA_ROOT": media,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "LOG_LEVEL": "WARNING",
    }


def _wait(predicate, timeout: float, what: str) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if predicate():
            return time.perf_counter() - start
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notices", type=int, default=1000)
    args = parser.parse_args()

    from tests.smtp_server import SmtpServer

    _fresh_database()
    with tempfile.TemporaryDirectory(prefix="bench-campaign-") as media, SmtpServer() as smtp:
        os.environ.update(_environment(media, smtp.port))
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        call_command("seed_demo", companies=args.notices + 60, allow_production=True, verbosity=0)
        from config.celery import app as celery_app

        celery_app.control.purge()
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--concurrency",
                "2",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**os.environ},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            report = _run_campaign(args.notices, smtp)
        finally:
            worker.terminate()
            worker.wait(timeout=60)
        baseline, layout_only = _render_in_one_process(report["campaign_id"])
    speedup = baseline / report["wall"]
    print(
        f"same letters rendered in one process: {baseline:.1f} s "
        f"(of which WeasyPrint alone {layout_only:.1f} s: "
        f"speed-up {layout_only / report['wall']:.2f} against that)"
    )
    print(
        f"campaign end to end: {report['wall']:.1f} s "
        f"({report['sent'] / report['wall']:.1f} notices/s), speed-up {speedup:.2f}"
    )
    print(f"RESULT speedup={speedup:.2f} duplicates={report['duplicates']} lost={report['lost']}")


def _run_campaign(count: int, smtp) -> dict:
    from django.contrib.auth import get_user_model

    from warnings_app.models import Company, Notice, Principal, TemplateVersion, Work
    from warnings_app.services.campaigns import (
        campaign_approve,
        campaign_create,
        campaign_generate,
        campaign_send,
    )

    users = get_user_model().objects
    author, reviewer = users.get(username="legal"), users.get(username="legal2")
    eligible = Company.objects.filter(licensed_do_not_send=False, hold_automation=False)
    ids = list(eligible.order_by("pk").values_list("pk", flat=True)[:count])
    campaign = campaign_create(
        by=author,
        name=f"Benchmark {time.time():.0f}",
        template_version=TemplateVersion.objects.get(template__name="Initial notice (EN)"),
        principals=list(Principal.objects.all()),
        works=list(Work.objects.order_by("pk")[:30]),
        recipient_filter={"company_ids": ids},
        response_window_days=15,
        channels=["email"],
    )
    notices = Notice.objects.filter(campaign=campaign)
    start = time.perf_counter()
    campaign_generate(campaign=campaign, by=author)
    generate = _wait(lambda: not notices.filter(status="draft").exists(), 3600, "generation")
    approve_start = time.perf_counter()
    campaign_approve(campaign=campaign, by=reviewer)
    approve = time.perf_counter() - approve_start
    campaign_send(campaign=campaign, by=reviewer)
    send_start = time.perf_counter()
    queue = send_start - approve_start - approve
    _wait(
        lambda: not notices.exclude(status__in=["sent", "failed", "needs_reconciliation"]).exists(),
        3600,
        "delivery",
    )
    wall = time.perf_counter() - start
    ids_received = smtp.handler.message_ids()
    sent = notices.filter(status="sent").count()
    duplicates = len(ids_received) - len(set(ids_received))
    lost = len(ids) - len(set(ids_received))
    print(
        f"notices: {len(ids)}; generated in {generate:.1f} s; approved in {approve:.1f} s; "
        f"queued in {queue:.1f} s; delivered in {time.perf_counter() - send_start:.1f} s; "
        f"sent {sent}"
    )
    return {
        "campaign_id": campaign.pk,
        "wall": wall,
        "sent": sent,
        "duplicates": duplicates,
        "lost": lost,
    }


def _render_in_one_process(campaign_id: int) -> tuple[float, float]:
    """(seconds, layout-only seconds) to render the campaign's letters again, one after
    another in this process: the same drafts (a copy of the campaign, generated while no worker
    runs) through the same render service the workers use (merge data, lay out, write the PDF,
    store it, record its hash), without Celery. The layout-only figure is WeasyPrint alone on
    the same letters."""
    from config.celery import app as celery_app
    from warnings_app.domain.letters.compose import letter_parts
    from warnings_app.integrations.pdf import render_letter_pdf
    from warnings_app.models import Campaign, Notice
    from warnings_app.services.campaigns import campaign_create, campaign_generate
    from warnings_app.services.rendering import notice_render

    original = Campaign.objects.get(pk=campaign_id)
    copy = campaign_create(
        by=original.created_by,
        name=f"{original.name} (one process)",
        template_version=original.template_version,
        principals=list(original.principals.all()),
        works=list(original.works.all()),
        recipient_filter=original.recipient_filter,
        response_window_days=original.response_window_days,
        channels=original.channels,
    )
    campaign_generate(campaign=copy, by=original.created_by)
    celery_app.control.purge()  # no worker runs; this process renders them instead
    drafts = list(Notice.objects.filter(campaign=copy).order_by("pk"))
    start = time.perf_counter()
    for notice in drafts:
        notice_render(notice=notice, by=None)
    service = time.perf_counter() - start
    rendered = list(
        Notice.objects.filter(campaign=copy).select_related("template_version__template")
    )
    start = time.perf_counter()
    for notice in rendered:
        parts = letter_parts(notice.template_version, notice.merge_data)
        render_letter_pdf(parts.letter, parts.annex)
    return service, time.perf_counter() - start


if __name__ == "__main__":
    main()
