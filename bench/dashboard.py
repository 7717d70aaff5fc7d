"""Pages at 1,000 and at 100,000 notices: the median server time and the query count of the
dashboard (all letters, and one segment), the campaign outcome view (first page and last page),
search, and a notice's page with its timeline. Each size gets its own PostgreSQL database
filled by `manage.py seed_scale`; pages are requested in-process through Django's test client
(URL routing, middleware, view and template: the server's share of a page view, no network).

Ends with `RESULT worst_ratio=<100k/1k of the slowest-growing page, and which>
dashboard_ms=<median at 100k> queries_equal=<yes|no>`. Targets: ratio ≤ 2.0, dashboard
≤ 300 ms at 100k, the same number of queries at both sizes.

Run: .venv/bin/python bench/dashboard.py [--sizes 1000,100000] [--runs 35] [--reuse]
Needs PostgreSQL on localhost. `--reuse` keeps databases seeded by an earlier run
(bench_dashboard_<size>); without it they are dropped and seeded again (about two minutes for
100,000).
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432"
# Pages link the hashed static names of `collectstatic`, as in production (DEBUG off).
STATIC_ROOT = Path(tempfile.gettempdir()) / "bench-dashboard-static"
PAGES = [
    "dashboard",
    "dashboard_segment",
    "outcomes_first",
    "outcomes_last",
    "search",
    "timeline",
]


def _environment(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",  # as in production: DEBUG records every query and slows each one
        "EMAIL_URL": "dummymail://",  # the pages measured send no mail
        "DEMO_TOOLS": "true",  # the seeders (warnings_demo) are development tools
        "SECRET_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",  # the test client speaks plain http
        "DATABASE_URL": f"{PG}/{database}",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(STATIC_ROOT),
    }


def _seeded(database: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(f"{PG}/{database}") as conn:
            return conn.execute("SELECT count(*) FROM warnings_app_notice").fetchone()[0] > 0
    except psycopg.Error:
        return False


def _prepare(size: int, reuse: bool) -> str:
    import psycopg

    database = f"bench_dashboard_{size}"
    if reuse and _seeded(database):
        _manage(["migrate", "-v0"], _environment(database))  # newer migrations still apply
        print(f"{size:>7} notices: reusing {database}", flush=True)
        return database
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    env = _environment(database)
    _manage(["migrate", "-v0"], env)
    started = time.perf_counter()
    print(_manage(["seed_scale", "--notices", str(size)], env), end="")
    print(f"{size:>7} notices: seeded in {time.perf_counter() - started:.0f} s", flush=True)
    with psycopg.connect(f"{PG}/{database}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # fresh statistics, as a live database would have
    return database


def _manage(arguments: list[str], env: dict[str, str]) -> str:
    command = [sys.executable, str(ROOT / "manage.py"), *arguments]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout  # noqa: S603


def _urls() -> dict[str, str]:
    from django.db.models import Count
    from django.urls import reverse

    from warnings_app.models import Campaign, Company, Notice, Response

    campaign = (
        Campaign.objects.annotate(n=Count("notices")).order_by("-n", "pk").first()
    )  # the biggest campaign
    first_letters = campaign.notices.filter(ladder_step__isnull=True).count()
    last_page = max(1, -(-first_letters // 50))
    company = Company.objects.order_by("pk").first()
    replied = Response.objects.filter(notice__isnull=False).order_by("pk").first()
    notice = replied.notice if replied else Notice.objects.order_by("pk").first()
    outcomes = reverse("campaign_outcomes", args=[campaign.pk])
    return {
        "dashboard": reverse("dashboard"),
        "dashboard_segment": reverse("dashboard") + f"?segment={company.segment}",
        "outcomes_first": outcomes,
        "outcomes_last": f"{outcomes}?page={last_page}",
        "search": reverse("search") + "?q=" + company.legal_name.split()[0],
        "timeline": reverse("notice_detail", args=[notice.pk]),
    }


def serve() -> None:
    """In a process whose settings point at one seeded database: on each line read from stdin,
    request every page `runs` times (the number on the line) and print the times and query
    counts as one JSON line."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from warnings_app.domain.roles import MANAGER

    user, _ = get_user_model().objects.get_or_create(username="bench-manager")
    user.groups.add(Group.objects.get(name=MANAGER))
    client = Client()
    client.force_login(user)
    urls = _urls()
    for url in urls.values():
        for _ in range(3):  # warm caches and connections
            assert client.get(url).status_code == 200, url
    for line in sys.stdin:
        results = {}
        for name, url in urls.items():
            times = []
            for _ in range(int(line)):
                started = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            results[name] = {"times": times, "queries": len(queries)}
        print(json.dumps(results), flush=True)


ROUNDS = 7


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--runs", type=int, default=35, help="requests of each page per size")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    if not (STATIC_ROOT / "staticfiles.json").exists():
        _manage(["collectstatic", "--noinput", "-v0"], _environment("postgres"))
    servers = {}
    for size in sizes:
        command = [sys.executable, __file__, "--serve"]
        servers[size] = subprocess.Popen(  # noqa: S603
            command,
            env=_environment(_prepare(size, args.reuse)),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
    # The sizes take turns, a few requests of each page at a time, so a slow spell of this
    # shared machine falls on both alike instead of skewing the ratio.
    times = {size: {page: [] for page in PAGES} for size in sizes}
    queries = {size: {} for size in sizes}
    for _ in range(ROUNDS):
        for size, server in servers.items():
            server.stdin.write(f"{max(1, args.runs // ROUNDS)}\n")
            server.stdin.flush()
            for page, result in json.loads(server.stdout.readline()).items():
                times[size][page] += result["times"]
                queries[size][page] = result["queries"]
    for server in servers.values():
        server.stdin.close()
        server.wait()
    by_size = {
        size: {
            page: {"ms": statistics.median(times[size][page]), "queries": queries[size][page]}
            for page in PAGES
        }
        for size in sizes
    }

    small, large = sizes[0], sizes[-1]
    print(
        f"\n{'page':<20}" + "".join(f"{f'{s:,} ms':>14}{'queries':>9}" for s in sizes) + "  ratio"
    )
    ratios = {}
    for page in PAGES:
        cells = "".join(
            f"{by_size[s][page]['ms']:>14.1f}{by_size[s][page]['queries']:>9}" for s in sizes
        )
        ratios[page] = by_size[large][page]["ms"] / by_size[small][page]["ms"]
        print(f"{page:<20}{cells}  {ratios[page]:.2f}")
    worst = max(ratios, key=ratios.get)
    equal = all(len({by_size[s][page]["queries"] for s in sizes}) == 1 for page in PAGES)
    print(
        f"RESULT worst_ratio={ratios[worst]:.2f} ({worst}) "
        f"dashboard_ms={by_size[large]['dashboard']['ms']:.0f} "
        f"queries_equal={'yes' if equal else 'no'}"
    )


if __name__ == "__main__":
    main()
