"""Pages under load through the production web server: 50 signed-in users (default) on gunicorn
with the project's config (config/gunicorn.py, DEBUG off, whitenoise), PostgreSQL filled by
`manage.py seed_scale --notices 10000`.

Each user signs in through the login form, then for --duration seconds (default 60) requests
one page at random — home, dashboard, work queue, a campaign's outcome view, a notice's page,
search — and pauses --pause seconds (default 2) between requests: about 25 requests a second
offered by 50 users. Half the users are Managers, half Legal (both roles may open every one of
these pages; TWO_FACTOR_ROLES is empty so a password signs them in). Any answer but 200 is an
error, a redirect to the login page included. Prints per page the count, p50, p95 and max of
the latency the client saw, the server's own time from the access log (%(M)s), the errors,
the requests per second, and how the CPU was shared during the load (this benchmark's parts
against other work on the machine).

Ends with `RESULT p95_ms=<p95 of all requests> errors=<n> rps=<completed requests per second>`.
Target: p95 ≤ 500 ms and no errors on a 2-core machine.

Run: .venv/bin/python bench/web.py [--duration 60] [--users 50] [--pause 2.0]
     [--notices 10000] [--workers N] [--reuse] [--log FILE]
Needs PostgreSQL and Redis on localhost. The database `bench_web` is dropped, migrated and
seeded again (about 20 s) unless `--reuse` finds it already seeded; collectstatic into a
temporary STATIC_ROOT takes another 20-35 s on every run. The server listens on a free port of
127.0.0.1 only; its output (access log included) goes to a file in a temporary folder, or to
--log FILE to keep it.
"""

import argparse
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import web_measure  # bench/ is on the path: the script's own folder
import web_server

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "bench_web"
BROKER = "redis://127.0.0.1:6379/9"
TIMEOUT = 30  # seconds, every request
PAGES = ["home", "dashboard", "work_queue", "outcomes", "notice", "search"]
ROLES = ["Manager", "Legal"]

# Run by `manage.py shell -c` before the server starts: the benchmark's users (one password
# hash for all, so setting 50 passwords costs one PBKDF2 run) and what the pages will ask for.
# Reads its inputs from the environment, prints one JSON line.
PREPARE = """
import json, os
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db.models import Count, Q
from warnings_app.models import Campaign, Company, Notice
from warnings_app.selectors.search import search

roles = os.environ["BENCH_ROLES"].split(",")
count = int(os.environ["BENCH_USERS"])
password = make_password(os.environ["BENCH_PASSWORD"])
users = []
for n in range(count):
    role = roles[n % len(roles)]
    user, _ = get_user_model().objects.update_or_create(
        username=f"bench-web-{n:02d}",
        defaults={"password": password, "is_active": True, "email": f"{n:02d}@bench.example"},
    )
    user.groups.set([Group.objects.get(name=role)])
    users.append([user.username, role])

notices = list(Notice.objects.order_by("pk").values_list("pk", flat=True))
campaigns = list(
    Campaign.objects.annotate(first=Count("notices", filter=Q(notices__ladder_step__isnull=True)))
    .filter(first__gt=0).order_by("pk").values_list("pk", flat=True)
)
# Words that find several things (a list page, not a redirect to the one match): first words
# of company names, and reference prefixes covering a few dozen letters.
queries, tried = [], set()
for name in Company.objects.order_by("pk").values_list("legal_name", flat=True)[:400]:
    word = name.split()[0]
    if word.lower() in tried or len(word) < 3:
        continue
    tried.add(word.lower())
    found = search(word)
    if not found.exact and (found.companies or found.notices or found.replies):
        queries.append(word)
    if len(queries) >= 8:
        break
for reference in Notice.objects.order_by("pk").values_list("reference", flat=True)[::2000][:4]:
    prefix = reference[:-2]
    found = search(prefix)
    if not found.exact and found.notices:
        queries.append(prefix)
print(json.dumps({"users": users, "notices": notices, "campaigns": campaigns, "queries": queries}))
"""


def _environment(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "EMAIL_URL": "dummymail://",  # the pages measured send no mail
        "DEMO_TOOLS": "true",  # the seeders (warnings_demo) are development tools
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "CELERY_BROKER_URL": BROKER,
        "WARNINGS_IGNORE_DOTENV": "1",  # a developer's .env must not change the run
        "TWO_FACTOR_ROLES": "",  # the benchmark's users sign in with a password
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def _manage(arguments: list[str], env: dict[str, str]) -> str:
    command = [sys.executable, str(ROOT / "manage.py"), *arguments]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    if done.returncode:
        raise SystemExit(f"manage.py {arguments[0]} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def _notices_in_database() -> int | None:
    import psycopg

    try:
        with psycopg.connect(f"{PG}/{DB_NAME}", connect_timeout=10) as conn:
            return conn.execute("SELECT count(*) FROM warnings_app_notice").fetchone()[0]
    except psycopg.Error:
        return None


def _prepare_database(notices: int, reuse: bool, env: dict[str, str]) -> None:
    import psycopg

    found = _notices_in_database()
    if reuse and found == notices:
        _manage(["migrate", "-v0"], env)  # a reused database still gets newer migrations
        print(f"reusing {DB_NAME}: {found:,} notices", flush=True)
        return
    if reuse:
        print(f"{DB_NAME} is not seeded ({found or 0:,} notices): seeding it", flush=True)
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    started = time.perf_counter()
    _manage(["migrate", "-v0"], env)
    migrated = time.perf_counter()
    print(f"migrate: {migrated - started:.1f} s", flush=True)
    print(_manage(["seed_scale", "--notices", str(notices)], env), end="")
    seeded = time.perf_counter()
    with psycopg.connect(f"{PG}/{DB_NAME}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # fresh statistics, as a live database would have
    print(
        f"seed_scale --notices {notices}: {seeded - migrated:.1f} s, "
        f"VACUUM ANALYZE: {time.perf_counter() - seeded:.1f} s",
        flush=True,
    )


def _sign_in(base: str, username: str, password: str):
    """A session signed in through the login form, as a browser would: GET the page for the
    CSRF cookie and token, POST the form, land on the home page."""
    import requests

    session = requests.Session()
    session.headers["User-Agent"] = web_measure.AGENT
    page = session.get(f"{base}/accounts/login/", timeout=TIMEOUT)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if page.status_code != 200 or not match:
        raise SystemExit(f"login page for {username}: status {page.status_code}, no CSRF token")
    answer = session.post(
        f"{base}/accounts/login/",
        data={
            "csrfmiddlewaretoken": match.group(1),
            "username": username,
            "password": password,
            "next": "",
        },
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    location = answer.headers.get("Location", "")
    if answer.status_code != 302 or "/accounts/" in location:
        raise SystemExit(f"sign-in of {username}: status {answer.status_code} to {location!r}")
    return session


def _url(page: str, targets: dict, rng: random.Random) -> str:
    if page == "home":
        return "/"
    if page == "dashboard":
        return "/dashboard/"
    if page == "work_queue":
        return "/queue/"
    if page == "outcomes":
        return f"/campaigns/{rng.choice(targets['campaigns'])}/outcomes/"
    if page == "notice":
        return f"/notices/{rng.choice(targets['notices'])}/"
    if page == "search":
        from urllib.parse import urlencode

        return "/search/?" + urlencode({"q": rng.choice(targets["queries"])})
    raise ValueError(page)


def _check_pages(base: str, sessions: dict[str, object], targets: dict) -> None:
    """One request of every page for each role, before the clock starts: fail loudly if a role
    is refused a page or a page is broken."""
    rng = random.Random(1)
    for role, session in sessions.items():
        for page in PAGES:
            url = _url(page, targets, rng)
            answer = session.get(base + url, timeout=TIMEOUT, allow_redirects=False)
            if answer.status_code != 200:
                where = answer.headers.get("Location", "")
                raise SystemExit(
                    f"{role} cannot open {page} ({url}): status {answer.status_code}"
                    + (f" to {where}" if where else "")
                )


def _load(base: str, sessions: list, targets: dict, duration: float, pause: float) -> tuple:
    """Every user requests a random page, then pauses, until the time is up. Returns the records
    (page, ms, status, seconds into the run when sent) and the wall time from the start to the
    last answer."""
    import requests

    records: list[tuple[str, float, int, float]] = []
    lock = threading.Lock()
    start = threading.Barrier(len(sessions) + 1)
    deadline = [0.0]

    def user(n: int, session) -> None:
        rng = random.Random(n)
        start.wait()
        time.sleep(rng.uniform(0, pause))  # spread the users' first requests over one pause
        while time.perf_counter() < deadline[0]:
            page = rng.choice(PAGES)
            began = time.perf_counter()
            try:
                status = session.get(
                    base + _url(page, targets, rng), timeout=TIMEOUT, allow_redirects=False
                ).status_code
            except requests.RequestException:
                status = 0  # refused, reset or timed out
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                records.append((page, elapsed, status, began - deadline[0] + duration))
            time.sleep(min(pause, max(0.0, deadline[0] - time.perf_counter())))

    threads = [
        threading.Thread(target=user, args=(n, s), daemon=True) for n, s in enumerate(sessions)
    ]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + duration
    start.wait()
    for thread in threads:
        thread.join(timeout=duration + TIMEOUT + pause + 10)
    return records, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between a user's pages")
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the config's)")
    parser.add_argument("--reuse", action="store_true", help="keep bench_web if already seeded")
    parser.add_argument("--log", type=Path, help="keep gunicorn's output (access log) here")
    args = parser.parse_args()
    if args.users < 1 or args.duration <= 0:
        parser.error("--users and --duration must be positive")

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    manage_env = _environment()
    _prepare_database(args.notices, args.reuse, manage_env)
    password = secrets.token_urlsafe(18)
    started = time.perf_counter()
    output = _manage(
        ["shell", "-c", PREPARE],
        {
            **manage_env,
            "BENCH_USERS": str(args.users),
            "BENCH_ROLES": ",".join(ROLES),
            "BENCH_PASSWORD": password,
        },
    )
    targets = json.loads(output.strip().splitlines()[-1])
    if not (targets["notices"] and targets["campaigns"] and targets["queries"]):
        raise SystemExit(
            f"nothing to request: {len(targets['notices'])} notices, "
            f"{len(targets['campaigns'])} campaigns, queries {targets['queries']}"
        )
    print(
        f"{len(targets['users'])} users ({', '.join(ROLES)}), {len(targets['notices']):,} notices, "
        f"{len(targets['campaigns'])} campaigns, {len(targets['queries'])} search words "
        f"({time.perf_counter() - started:.1f} s)",
        flush=True,
    )

    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    server = None
    try:
        static, media = folder / "static", folder / "media"
        media.mkdir()
        log_path = args.log or folder / "gunicorn.log"
        port = web_server.free_port()
        server_env = _environment(
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="false",  # plain http on loopback
            SESSION_COOKIE_SECURE="false",
            CSRF_COOKIE_SECURE="false",
            STATIC_ROOT=str(static),
            MEDIA_ROOT=str(media),
            GUNICORN_BIND=f"127.0.0.1:{port}",
            LOG_LEVEL="INFO",  # gunicorn writes its access log at info (Django needs capitals)
        )
        if args.workers:
            server_env["WEB_CONCURRENCY"] = str(args.workers)
        clock = time.perf_counter()
        _manage(["collectstatic", "--noinput", "-v0"], server_env)
        print(f"collectstatic: {time.perf_counter() - clock:.1f} s", flush=True)
        server = web_server.start_server(server_env, log_path)
        base = f"http://127.0.0.1:{port}"
        ready = web_server.wait_ready(base, server, log_path)
        workers = server_env.get("WEB_CONCURRENCY") or os.cpu_count() * 2 + 1
        print(f"gunicorn on {base}, {workers} workers, answering after {ready:.1f} s", flush=True)

        by_role = {}
        for username, role in targets["users"]:
            by_role.setdefault(role, username)
        _check_pages(
            base, {role: _sign_in(base, name, password) for role, name in by_role.items()}, targets
        )
        started = time.perf_counter()
        sessions = [None] * len(targets["users"])

        def sign_in(n: int, username: str) -> None:
            sessions[n] = _sign_in(base, username, password)

        signing = [
            threading.Thread(target=sign_in, args=(n, name), daemon=True)
            for n, (name, _) in enumerate(targets["users"])
        ]
        for thread in signing:
            thread.start()
        for thread in signing:
            thread.join(timeout=TIMEOUT * 3)
        if any(s is None for s in sessions):
            raise SystemExit("some users could not sign in (see above)")
        print(
            f"{len(sessions)} users signed in through the login form in "
            f"{time.perf_counter() - started:.1f} s; load for {args.duration:.0f} s, "
            f"a page then {args.pause:g} s pause each (offered ≈ "
            f"{len(sessions) / args.pause:.0f} requests/s)",
            flush=True,
        )
        log_from = log_path.stat().st_size
        cpu_before = web_measure.cpu_snapshot(server.pid, f"{PG}/{DB_NAME}")
        records, wall = _load(base, sessions, targets, args.duration, args.pause)
        cpu = web_measure.cpu_shares(
            cpu_before, web_measure.cpu_snapshot(server.pid, f"{PG}/{DB_NAME}")
        )
        load_after = os.getloadavg()
        time.sleep(0.5)  # let the last access-log lines reach the file
        server_times = web_measure.server_times(log_path, log_from)
    finally:
        if server is not None:
            web_server.stop_server(server)
        shutil.rmtree(folder, ignore_errors=True)

    if not records:
        raise SystemExit("no request completed")
    web_measure.report(records, wall, server_times, PAGES)
    web_measure.summary(records, wall, cpu, load_after)


if __name__ == "__main__":
    main()
