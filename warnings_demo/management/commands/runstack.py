"""Start everything a user needs for a first look: migrate, demo data, web server, Celery worker
and beat. Ctrl-C, SIGTERM or a closed terminal (SIGHUP) stops all of them; a second start while
one runs, or with the port taken, is refused with the process that holds it."""

import json
import os
import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from datetime import UTC, datetime
from email.utils import parseaddr
from subprocess import Popen
from types import FrameType
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from warnings_app.models import Company, Heartbeat
from warnings_app.selectors.health import broker_reachable
from warnings_app.services.dkim_keys import dkim_key_generate
from warnings_demo import demo_data, local_stack

STOP_GRACE_SECONDS = 15
READY_TIMEOUT_SECONDS = 120
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _embedded_broker_env() -> dict[str, str]:
    """kombu's filesystem transport: producers and consumers share one folder on disk."""
    folder = settings.VAR_DIR / "broker"
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }
    return {
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_BROKER_TRANSPORT_OPTIONS": json.dumps(options),
    }


class Command(BaseCommand):
    help = "Run web, worker and beat together on the local defaults (Ctrl-C stops them all)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-seed", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        host, _, port = options["addr"].rpartition(":")
        if not host or not port.isdigit():
            raise CommandError(f"--addr must be host:port, not {options['addr']!r}")
        record = local_stack.StackRecord(settings.VAR_DIR / "runstack.json")
        self._refuse_if_running(record, host, int(port))

        self._migrate()
        if not options["no_seed"]:
            self._seed()
        env, worker_flags = self._broker_env()
        env.update(self._dkim_env())
        processes = self._start(options["addr"], env, worker_flags)
        record.write({"runstack": os.getpid()} | {n: proc.pid for n, proc in processes.items()})
        try:
            self._supervise(processes, options["addr"])
        finally:
            record.clear()

    def _step(self, text: str) -> None:
        self.stdout.write(f"==> {text}")
        self.stdout.flush()

    def _refuse_if_running(self, record: local_stack.StackRecord, host: str, port: int) -> None:
        running = record.running()
        if running:
            listed = ", ".join(
                f"{name}: pid {local_stack.describe_process(pid)}" for name, pid in running.items()
            )
            raise CommandError(
                f"A stack is already running ({listed}). Stop it with Ctrl-C in its terminal, "
                f"or: kill {' '.join(str(pid) for pid in running.values())}"
            )
        if not local_stack.port_is_free(host, port):
            holder = local_stack.port_holder(port)
            who = f"process {local_stack.describe_process(holder)}" if holder else "another process"
            hint = f"Stop it (kill {holder}) or " if holder else ""
            raise CommandError(
                f"Port {port} on {host} is already in use by {who}. "
                f"{hint}start on another port: "
                f'make manage ARGS="runstack --addr {host}:{port + 1}"'
            )

    def _migrate(self) -> None:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        vendor = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        if pending:
            self._step(f"Migrating the database ({vendor}): {len(pending)} migrations to apply")
            call_command("migrate", interactive=False, verbosity=0)
        self._step(f"Database is up to date ({vendor}).")

    def _seed(self) -> None:
        if Company.objects.exists():
            self._step(
                "The register already has data; not seeding (manage.py seed_demo adds the demo)."
            )
            return
        self._step("Seeding demo data: companies, users, templates and a sent campaign")
        started = time.monotonic()
        call_command("seed_demo", verbosity=0)
        self._step(f"Demo data in place ({time.monotonic() - started:.0f} s).")

    def _dkim_env(self) -> dict[str, str]:
        """Outgoing mail is signed as in production: with a key made for this machine on first
        start (var/dkim-demo.key), unless DKIM is configured already."""
        if settings.DKIM_DOMAIN or settings.DKIM_SELECTOR or settings.DKIM_KEY_FILE:
            return {}
        path = settings.VAR_DIR / "dkim-demo.key"
        if not path.exists():
            dkim_key_generate(path=str(path), by="runstack (demo key)")
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
        self._step(f"Outgoing mail is DKIM-signed for {domain} with a demo key ({path.name}).")
        return {"DKIM_DOMAIN": domain, "DKIM_SELECTOR": "demo", "DKIM_KEY_FILE": str(path)}

    def _broker_env(self) -> tuple[dict[str, str], list[str]]:
        env = os.environ.copy()
        if broker_reachable(settings.CELERY_BROKER_URL)[0]:
            self._step(f"Broker: Redis at {settings.CELERY_BROKER_URL}")
            return env, []
        env.update(_embedded_broker_env())
        self._step(
            f"Broker: no Redis at {settings.CELERY_BROKER_URL}; using the embedded filesystem "
            f"broker in {settings.VAR_DIR / 'broker'} (fine for a demo, not for production)."
        )
        # The filesystem transport has no cheap broadcast; workers need not chat to each other.
        return env, ["--without-gossip", "--without-mingle", "--without-heartbeat"]

    def _start(
        self, addr: str, env: dict[str, str], worker_flags: list[str]
    ) -> dict[str, Popen[bytes]]:
        self._step("Starting web, worker and beat")
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "config", "--quiet"]
        commands = {
            "web": [python, "manage.py", "runserver", addr, "--noreload", "--skip-checks"],
            # Warnings and errors only: INFO logs every periodic task twice a minute, which
            # would push the ready message and the e-mail lines off the screen.
            "worker": [
                *celery,
                "worker",
                "--loglevel",
                "WARNING",
                "--concurrency",
                "2",
                *worker_flags,
            ],
            "beat": [
                *celery,
                "beat",
                "--loglevel",
                "WARNING",
                "--schedule",
                str(settings.VAR_DIR / "celerybeat-schedule"),
            ],
        }
        return {
            name: local_stack.start_child(argv, env=env, cwd=settings.BASE_DIR)
            for name, argv in commands.items()
        }

    def _supervise(self, processes: dict[str, Popen[bytes]], addr: str) -> None:
        stopping: list[str] = []

        def stop(signum: int, _frame: FrameType | None) -> None:
            stopping.append(signal.Signals(signum).name)

        for signum in STOP_SIGNALS:
            signal.signal(signum, stop)

        def exited() -> str | None:
            return next((n for n, p in processes.items() if p.poll() is not None), None)

        started_at = datetime.now(tz=UTC)
        # The worker first (a database read, silent), then one request to the web server.
        ready = local_stack.wait_until(
            lambda: (
                Heartbeat.objects.filter(name="worker", seen_at__gte=started_at).exists()
                and local_stack.web_answers(f"http://{addr}{reverse('login')}")
            ),
            timeout=READY_TIMEOUT_SECONDS,
            stop=lambda: bool(stopping) or exited() is not None,
        )
        failed = exited()
        if ready and not failed:
            self._print_ready(addr)
        elif not stopping and not failed:
            self.stderr.write(
                f"Not ready after {READY_TIMEOUT_SECONDS} s (web or worker silent); "
                "their output is above. Still running; Ctrl-C stops."
            )
        while not stopping and not failed:
            time.sleep(0.3)
            failed = exited()
        if failed:
            self._say(
                f"{failed} exited with code {processes[failed].returncode}; stopping the others."
            )
        else:
            self._say(f"\n{stopping[0]}: stopping web, worker and beat.")
        self._stop_all(processes)
        if failed:
            sys.exit(1)

    def _print_ready(self, addr: str) -> None:
        lines = [
            "",
            self.style.SUCCESS(f"Ready: http://{addr}/"),
            f"  Health: http://{addr}/healthz    Stop: Ctrl-C",
        ]
        usernames = [user[0] for user in demo_data.USERS]
        if get_user_model().objects.filter(username__in=usernames).exists():
            lines.append("  Demo log-ins (user / password / role):")
            lines += [
                f"    {name:<10} {demo_data.demo_password(name):<22} {role}"
                for name, _first, _last, role, _staff in demo_data.USERS
            ]
        self.stdout.write("\n".join(lines) + "\n")
        self.stdout.flush()

    def _stop_all(self, processes: dict[str, Popen[bytes]]) -> None:
        for proc in processes.values():
            if proc.poll() is None:
                proc.terminate()  # the main process stops its own children (warm shutdown)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for name, proc in processes.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._say(f"{name} did not stop in time; killing it.")
                os.killpg(proc.pid, signal.SIGKILL)  # its own session: the group is its pid
                proc.wait()
        self._say("All processes stopped.")

    def _say(self, text: str) -> None:
        """Output while stopping: after a hang-up the terminal may be gone, and stopping the
        children matters more than the message."""
        try:
            self.stdout.write(text)
            self.stdout.flush()
        except OSError:
            pass
