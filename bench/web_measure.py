"""What bench/web.py measures besides its own clock: percentiles, the server's own time per
page from gunicorn's access log, how the CPU was shared during the load (from /proc), and the
printed report."""

import math
import os
import re
import statistics
import time
from collections import defaultdict
from pathlib import Path

AGENT = "bench-web/1"  # the load's User-Agent, which picks its requests out of the access log
WINDOW = 10.0  # seconds: the p95 over time is printed per window this long


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0-100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


def page_of(path: str) -> str | None:
    """Which page a request line of the access log was for."""
    path = path.split("?")[0]
    fixed = {"/": "home", "/dashboard/": "dashboard", "/queue/": "work_queue", "/search/": "search"}
    if path in fixed:
        return fixed[path]
    if re.fullmatch(r"/campaigns/\d+/outcomes/", path):
        return "outcomes"
    if re.fullmatch(r"/notices/\d+/", path):
        return "notice"
    return None


def server_times(log_path: Path, since: int) -> dict[str, list[float]]:
    """The server's own time (%(M)s, ms) of the benchmark's requests in the access log, by page,
    from byte `since` of the log on."""
    line = re.compile(r'"GET (\S+) HTTP/[\d.]+" (\d{3}) \S+ (\d+)ms "' + re.escape(AGENT))
    times: dict[str, list[float]] = defaultdict(list)
    with open(log_path, "rb") as log:
        log.seek(since)
        for raw in log:
            match = line.search(raw.decode(errors="replace"))
            if match and (page := page_of(match.group(1))):
                times[page].append(float(match.group(3)))
    return times


def report(records: list, wall: float, server: dict[str, list[float]], pages: list[str]) -> None:
    by_page: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for page, ms, status, _ in records:
        by_page[page].append((ms, status))
    print(
        f"\n{'page':<12}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'errors':>8}"
        f"{'server p50':>12}{'server p95':>12}"
    )
    for page in pages:
        rows = by_page.get(page, [])
        if not rows:
            print(f"{page:<12}{0:>7}")
            continue
        times = [ms for ms, _ in rows]
        errors = sum(status != 200 for _, status in rows)
        own = server.get(page, [])
        own_figures = f"{statistics.median(own):>12.0f}{percentile(own, 95):>12.0f}" if own else ""
        print(
            f"{page:<12}{len(rows):>7}{statistics.median(times):>9.0f}"
            f"{percentile(times, 95):>9.0f}{max(times):>9.0f}{errors:>8}{own_figures}"
        )
    statuses = defaultdict(int)
    for _, _, status, _ in records:
        if status != 200:
            statuses[status] += 1
    if statuses:
        print(
            "errors by status (0: no answer): "
            + ", ".join(f"{s}: {n}" for s, n in statuses.items())
        )
    # A slow spell (another process busy, connections renewed) shows here, a slow page above.
    windows: dict[int, list[float]] = defaultdict(list)
    for _, ms, _, at in records:
        windows[int(at // WINDOW)].append(ms)
    print(
        f"p95 ms by {WINDOW:.0f} s of the run: "
        + " ".join(f"{percentile(windows[w], 95):.0f}" for w in sorted(windows))
    )


def summary(
    records: list, wall: float, cpu: dict[str, float], load_after: tuple[float, float, float]
) -> None:
    """The run as a whole, after the per-page report: totals, the load average at the end, how
    the CPU was shared, and the RESULT line the benchmark ends with."""
    times = [ms for _, ms, _, _ in records]
    errors = sum(status != 200 for _, _, status, _ in records)
    rps = len(records) / wall
    print(
        f"\n{len(records)} requests in {wall:.1f} s: {rps:.1f} requests/s, "
        f"p50 {statistics.median(times):.0f} ms, p95 {percentile(times, 95):.0f} ms, "
        f"max {max(times):.0f} ms, {errors} errors"
    )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in load_after)}")
    print(
        f"CPU during the load, in cores of {os.cpu_count()}: machine {cpu['machine']:.2f} = "
        f"gunicorn {cpu['gunicorn']:.2f} + PostgreSQL {cpu['postgres']:.2f} + "
        f"this client {cpu['client']:.2f} + other work {cpu['others']:.2f}"
    )
    if cpu["others"] > 0.25 * os.cpu_count():
        print("the machine was busy with other work: rerun when it is quiet before trusting this")
    print(f"RESULT p95_ms={percentile(times, 95):.0f} errors={errors} rps={rps:.1f}")


def machine_cpu() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores; /proc/stat)."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")  # less idle, iowait


def process_cpu(pid: int) -> float:
    """CPU seconds of a process, its reaped children included; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def server_pids(master: int) -> list[int]:
    """gunicorn's master and its workers."""
    pids = [master]
    for entry in Path("/proc").iterdir():
        try:
            if (
                entry.name.isdigit()
                and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master
            ):
                pids.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return pids


def database_pids(database_url: str) -> list[int]:
    """The PostgreSQL backends serving the benchmark's database (same machine)."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        return [
            row[0]
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
        ]


def cpu_snapshot(master: int, database_url: str) -> dict:
    own = os.times()
    return {
        "machine": machine_cpu(),
        "server": {pid: process_cpu(pid) for pid in server_pids(master)},
        "database": {pid: process_cpu(pid) for pid in database_pids(database_url)},
        "client": own.user + own.system,
        "clock": time.perf_counter(),
    }


def cpu_shares(before: dict, after: dict) -> dict[str, float]:
    """Cores kept busy on average between two snapshots: the whole machine, gunicorn, the
    database's backends, this client, and everything else (other people's work)."""
    seconds = after["clock"] - before["clock"]

    def grown(kind: str) -> float:
        return sum(cpu - before[kind].get(pid, 0.0) for pid, cpu in after[kind].items())

    shares = {
        "machine": (after["machine"] - before["machine"]) / seconds,
        "gunicorn": grown("server") / seconds,
        "postgres": grown("database") / seconds,
        "client": (after["client"] - before["client"]) / seconds,
    }
    shares["others"] = max(
        0.0, shares["machine"] - shares["gunicorn"] - shares["postgres"] - shares["client"]
    )
    return shares
