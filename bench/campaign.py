"""A whole campaign end to end: generate, approve and send N letters (default 1,000) with a
Celery worker of two processes, on PostgreSQL and Redis, to an SMTP server on loopback, with
every message DKIM-signed and sent with its own VERP envelope sender, as in production.

The baseline is the same work done one letter after another in one process
(bench/campaign_one_process.py: the same task bodies, without Celery's transport): render,
approve, queue, and deliver (claim, the stored PDF's hash check, signing, SMTP, the attempt
recorded). Both runs use the same database, broker, mail server and DKIM key.

Prints the wall time of each phase of both runs, the delivery rate (messages/s), the speed-up,
and what the SMTP server received: duplicates and losses (a letter received twice, or not at
all), a sample of signatures checked by dkimpy against the bench's own key (generated with
`manage.py dkim_dns_record --generate`), and each message's envelope sender checked against
its attempt's bounce address. Ends with
`RESULT speedup=<x> duplicates=<n> lost=<m> deliver_per_s=<r> generate_s=<g> approve_s=<a>
queue_s=<q> deliver_s=<d> dkim_valid=<v>/<s> verp_valid=<v>/<n>` (one line).

Run: .venv/bin/python bench/campaign.py [--notices 1000] [--database bench_campaign]
     [--redis-db 14] [--concurrency 2] [--worker-log FILE] [--profile-one-process FILE]
     [--weasyprint-alone]
Needs PostgreSQL and Redis on localhost (as on the development machines); it creates and drops
its own database (`bench_campaign` unless told) and uses Redis database 14 unless told.
"""

import argparse
import io
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432"
DKIM_DOMAIN = "localhost"  # the domain of the From address (DEFAULT_FROM_EMAIL), as aligned
DKIM_SELECTOR = "bench"
POLL_SECONDS = 0.2


def _fresh_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _environment(args: argparse.Namespace, work: str, smtp_port: int) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # As in production: DEBUG would make every query slower (Django records each one).
        "DEBUG": "false",
        "DEMO_TOOLS": "true",  # the seeders (warnings_demo) are development tools
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": f"{PG}/{args.database}",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
        "MEDIA_ROOT": str(Path(work) / "media"),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "LOG_LEVEL": "WARNING",
        # Every process started from here signs with the key made below (the file exists
        # before any of them sends).
        "DKIM_DOMAIN": DKIM_DOMAIN,
        "DKIM_SELECTOR": DKIM_SELECTOR,
        "DKIM_KEY_FILE": str(Path(work) / "dkim.pem"),
    }


def _load() -> str:
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _wait(predicate: Any, timeout: float, what: str) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if predicate():
            return time.perf_counter() - start
        time.sleep(POLL_SECONDS)
    raise SystemExit(f"timed out waiting for {what}")


def _dkim_key() -> bytes:
    """A new key for this run, made by the operator's command; returns its DNS TXT value."""
    from django.core.management import call_command

    from bench.campaign_checks import dns_record

    output = io.StringIO()
    call_command("dkim_dns_record", generate=os.environ["DKIM_KEY_FILE"], stdout=output)
    return dns_record(output.getvalue())


def _start_worker(args: argparse.Namespace) -> subprocess.Popen[bytes]:
    """The worker as deployed, started before the clock: a running system has its workers up."""
    from config.celery import app as celery_app

    log = open(args.worker_log, "ab") if args.worker_log else subprocess.DEVNULL  # noqa: SIM115
    worker = subprocess.Popen(  # noqa: S603 — a fixed command line
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency",
            str(args.concurrency),
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={**os.environ},
        stdout=log,
        stderr=log,
    )
    _wait(lambda: bool(celery_app.control.ping(timeout=0.5)), 120, "the worker to answer")
    return worker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notices", type=int, default=1000)
    parser.add_argument("--database", default="bench_campaign")
    parser.add_argument("--redis-db", type=int, default=14)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--worker-log", metavar="FILE")
    parser.add_argument("--profile-one-process", metavar="FILE")
    parser.add_argument("--dkim-sample", type=int, default=100)
    parser.add_argument("--weasyprint-alone", action="store_true")
    args = parser.parse_args()

    from tests.smtp_server import SmtpServer

    print(f"{os.cpu_count()} cores; {_load()}", flush=True)
    _fresh_database(args.database)
    with tempfile.TemporaryDirectory(prefix="bench-campaign-") as work, SmtpServer() as smtp:
        os.environ.update(_environment(args, work, smtp.port))
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        txt = _dkim_key()  # before the demo data: its story sends letters, signed like all mail
        call_command("seed_demo", companies=args.notices + 60, allow_production=True, verbosity=0)
        from config.celery import app as celery_app

        celery_app.control.purge()
        worker = _start_worker(args)
        try:
            distributed = _run_campaign(args.notices, worker.pid)
        finally:
            worker.terminate()
            worker.wait(timeout=60)
        celery_app.control.purge()
        baseline = _one_process(distributed["campaign_id"], args.profile_one_process)
        celery_app.control.purge()  # the tasks the baseline published; nobody consumes them
        from bench.campaign_checks import delivered

        checked = {
            name: delivered(
                run["campaign_id"],
                smtp.handler.received,
                txt=txt,
                domain=DKIM_DOMAIN,
                selector=DKIM_SELECTOR,
                sample=args.dkim_sample,
            )
            for name, run in (("distributed", distributed), ("one process", baseline))
        }
        layout = _weasyprint_alone(distributed["campaign_id"]) if args.weasyprint_alone else 0
    print(f"at the end: {_load()}")
    _report(distributed, baseline, checked, layout)
    if any(c.problems or c.duplicates or c.lost for c in checked.values()):
        sys.exit(1)  # a fast run that lost, doubled or sent unsigned letters is a failed run


def _report(
    distributed: dict[str, Any], baseline: dict[str, Any], checked: dict[str, Any], layout: float
) -> None:
    for name, run in (("campaign with workers", distributed), ("one process", baseline)):
        print(
            f"{name}: generated in {run['generate']:.1f} s; approved in {run['approve']:.1f} s; "
            f"queued in {run['queue']:.1f} s; delivered in {run['deliver']:.1f} s "
            f"({run['sent'] / run['deliver']:.1f} messages/s); end to end {run['wall']:.1f} s "
            f"({run['sent'] / run['wall']:.1f} notices/s); sent {run['sent']}"
        )
        if isinstance(run["cpu"], float):  # the one-process run: its own CPU time
            print(run["cpu_line"])
        else:
            for line in run["cpu"]:
                print(line)
    for name, result in checked.items():
        print(f"received ({name}): {result.summary()}")
        for problem in result.problems:
            print(f"  {problem}")
    if layout:
        print(f"WeasyPrint alone on the same letters, one process: {layout:.1f} s")
    speedup = baseline["wall"] / distributed["wall"]
    print(f"speed-up {speedup:.2f} ({baseline['wall']:.1f} s / {distributed['wall']:.1f} s)")
    ours = checked["distributed"]
    duplicates = sum(c.duplicates for c in checked.values())
    lost = sum(c.lost for c in checked.values())
    print(
        f"RESULT speedup={speedup:.2f} duplicates={duplicates} lost={lost} "
        f"deliver_per_s={distributed['sent'] / distributed['deliver']:.1f} "
        f"generate_s={distributed['generate']:.1f} approve_s={distributed['approve']:.1f} "
        f"queue_s={distributed['queue']:.1f} deliver_s={distributed['deliver']:.1f} "
        f"dkim_valid={ours.dkim_valid}/{ours.dkim_checked} "
        f"verp_valid={ours.verp_valid}/{ours.verp_checked}"
    )


def _cpu(worker: int) -> dict[str, Any]:
    from bench.web_measure import cpu_snapshot

    return cpu_snapshot(worker, os.environ["DATABASE_URL"])


def _cpu_line(phase: str, before: dict[str, Any], after: dict[str, Any], worker: int) -> str:
    """Cores busy on average during a phase, by whom: on a shared machine, others' work shows.
    The worker's main process (Celery's consumer: fetching, dispatching, acknowledging) is
    shown apart from the children that run the tasks."""
    from bench.web_measure import cpu_shares

    shares = cpu_shares(before, after)
    seconds = after["clock"] - before["clock"]
    main = (after["server"].get(worker, 0.0) - before["server"].get(worker, 0.0)) / seconds
    return (
        f"  CPU while {phase} (cores busy): machine {shares['machine']:.2f} = worker "
        f"{shares['gunicorn']:.2f} (its main process {main:.2f}) + postgres "
        f"{shares['postgres']:.2f} + this process (SMTP server) {shares['client']:.2f} + "
        f"others {shares['others']:.2f}"
    )


def _run_campaign(count: int, worker: int) -> dict[str, Any]:
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
    eligible = Company.objects.filter(hold_automation=False)
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
    cpu = [_cpu(worker)]
    start = time.perf_counter()
    campaign_generate(campaign=campaign, by=author)
    generate = _wait(lambda: not notices.filter(status="draft").exists(), 3600, "generation")
    cpu.append(_cpu(worker))
    approve_start = time.perf_counter()
    campaign_approve(campaign=campaign, by=reviewer)
    approve = time.perf_counter() - approve_start
    campaign_send(campaign=campaign, by=reviewer)
    send_start = time.perf_counter()
    cpu.append(_cpu(worker))
    _wait(
        lambda: not notices.exclude(status__in=["sent", "failed", "needs_reconciliation"]).exists(),
        3600,
        "delivery",
    )
    end = time.perf_counter()
    cpu.append(_cpu(worker))
    return {
        "cpu": [
            _cpu_line("generating", cpu[0], cpu[1], worker),
            _cpu_line("delivering", cpu[2], cpu[3], worker),
        ],
        "campaign_id": campaign.pk,
        "generate": generate,
        "approve": approve,
        "queue": send_start - approve_start - approve,
        "deliver": end - send_start,
        "wall": end - start,
        "sent": notices.filter(status="sent").count(),
    }


def _one_process(campaign_id: int, profile: str | None) -> dict[str, Any]:
    """The baseline: a copy of the campaign (same letters, recipients and settings), done by
    bench/campaign_one_process.py in a process of its own while no worker runs."""
    from warnings_app.models import Campaign
    from warnings_app.services.campaigns import campaign_create

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
    command = [sys.executable, str(ROOT / "bench" / "campaign_one_process.py")]
    command += ["--campaign", str(copy.pk)] + (["--profile", profile] if profile else [])
    child = subprocess.Popen(  # noqa: S603 — our own script
        command, cwd=ROOT, env={**os.environ}, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    before = _cpu(child.pid)
    out, err = child.communicate()
    if child.returncode != 0:
        raise SystemExit(f"the one-process run failed:\n{err.decode()[-4000:]}")
    report = json.loads(out.decode().strip().splitlines()[-1])
    # The child has exited: its CPU is the figure it reported (its timed run only).
    after = {**_cpu(os.getpid()), "server": {child.pid: report["cpu"]}}
    before["server"] = {child.pid: 0.0}
    from bench.web_measure import cpu_shares

    shares = cpu_shares(before, after)
    # Its database connection opened and closed between the snapshots: PostgreSQL's backend
    # for it is counted with the others (its start-up too, outside its timed run).
    line = (
        f"  CPU while it ran (cores busy): machine {shares['machine']:.2f} = that process "
        f"{shares['gunicorn']:.2f} + this process (SMTP server) {shares['client']:.2f} + "
        f"PostgreSQL and others {shares['others'] + shares['postgres']:.2f}"
    )
    return {**report, "campaign_id": copy.pk, "cpu_line": line}


def _weasyprint_alone(campaign_id: int) -> float:
    """WeasyPrint alone on the campaign's letters, one after another in this process."""
    from warnings_app.domain.letters.compose import letter_parts
    from warnings_app.integrations.pdf import render_letter_pdf
    from warnings_app.models import Notice

    rendered = list(
        Notice.objects.filter(campaign_id=campaign_id).select_related("template_version")
    )
    start = time.perf_counter()
    for notice in rendered:
        parts = letter_parts(notice.template_version, notice.merge_data)
        render_letter_pdf(parts.letter, parts.annex)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
