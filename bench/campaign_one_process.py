"""The baseline of bench/campaign.py: the same campaign's work done one letter after another in
one process, without Celery's transport. Started by campaign.py as a child with the same
environment as the worker (database, broker, mail server, DKIM key), so it signs every message
as the workers do; the mail server stays in the parent, as in the distributed run.

It runs the very task bodies the workers run: campaign_generate (the drafts and their render
tasks, published to the broker as in the distributed run; nobody consumes them), then each
letter's render task, the approval, campaign_send (queued, send tasks published), then each
letter's send task: claim, stored-PDF hash check, DKIM signature, SMTP, the attempt recorded.

Prints one JSON line with the phase times. --profile PATH writes cProfile statistics of the
whole timed run (read them with `python -m pstats PATH`).

Run by campaign.py: python bench/campaign_one_process.py --campaign ID [--profile PATH]
"""

import argparse
import cProfile
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run(campaign_id: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from warnings_app.models import Campaign, Notice
    from warnings_app.models.lifecycle import NoticeStatus
    from warnings_app.services.campaigns import campaign_approve, campaign_generate, campaign_send
    from warnings_app.tasks import render_notice_task, send_notice_task

    campaign = Campaign.objects.get(pk=campaign_id)
    author = campaign.created_by
    reviewer = get_user_model().objects.get(username="legal2")
    notices = Notice.objects.filter(campaign=campaign).order_by("pk")

    cpu = time.process_time()
    start = time.perf_counter()
    campaign_generate(campaign=campaign, by=author)
    for notice_id in notices.values_list("pk", flat=True):
        render_notice_task(notice_id)
    generated = time.perf_counter()
    campaign_approve(campaign=campaign, by=reviewer)
    approved = time.perf_counter()
    campaign_send(campaign=campaign, by=reviewer)
    queued = time.perf_counter()
    for notice_id in notices.filter(status=NoticeStatus.QUEUED).values_list("pk", flat=True):
        send_notice_task(notice_id)
    delivered = time.perf_counter()
    return {
        "cpu": time.process_time() - cpu,
        "generate": generated - start,
        "approve": approved - generated,
        "queue": queued - approved,
        "deliver": delivered - queued,
        "wall": delivered - start,
        "sent": notices.filter(status=NoticeStatus.SENT).count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--campaign", type=int, required=True)
    parser.add_argument("--profile", metavar="PATH")
    args = parser.parse_args()
    import django

    django.setup()
    if args.profile:
        profiler = cProfile.Profile()
        report = profiler.runcall(run, args.campaign)
        profiler.dump_stats(args.profile)
    else:
        report = run(args.campaign)
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
