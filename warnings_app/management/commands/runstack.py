"""Start everything a user needs for a first look: migrate, demo data, web server, Celery worker
and beat. Ctrl-C (or SIGTERM) stops all of them."""

import json
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from warnings_app.health import broker_reachable
from warnings_app.models import Company

STOP_GRACE_SECONDS = 15


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

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-seed", action="store_true")

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(
            "Database is up to date "
            f"({settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})."
        )
        if not options["no_seed"]:
            if Company.objects.exists():
                self.stdout.write(
                    "The register already has data; not seeding. Demo log-ins, "
                    "if this database was seeded: user name + '-demo-2026', "
                    "e.g. legal / legal-demo-2026."
                )
            else:
                call_command("seed_demo")

        env = os.environ.copy()
        worker_flags = []
        if broker_reachable(settings.CELERY_BROKER_URL)[0]:
            self.stdout.write(self.style.SUCCESS(f"Broker: Redis at {settings.CELERY_BROKER_URL}"))
        else:
            env.update(_embedded_broker_env())
            # The filesystem transport has no cheap broadcast; workers need not chat to each other.
            worker_flags = ["--without-gossip", "--without-mingle", "--without-heartbeat"]
            self.stdout.write(
                self.style.WARNING(
                    f"Broker: no Redis at {settings.CELERY_BROKER_URL}; using the embedded "
                    f"filesystem broker in {settings.VAR_DIR / 'broker'} (fine for a demo, "
                    "not for production)."
                )
            )

        python = sys.executable
        celery = [python, "-m", "celery", "-A", "config"]
        commands = {
            "web": [python, "manage.py", "runserver", options["addr"], "--noreload"],
            "worker": [
                *celery,
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                *worker_flags,
            ],
            "beat": [
                *celery,
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(settings.VAR_DIR / "celerybeat-schedule"),
            ],
        }
        processes = {
            name: subprocess.Popen(cmd, env=env, cwd=settings.BASE_DIR, start_new_session=True)  # noqa: S603 (fixed argv)
            for name, cmd in commands.items()
        }
        self.stdout.write(
            self.style.SUCCESS(
                f"Running: web at http://{options['addr']}/ , worker and beat. "
                f"Health: http://{options['addr']}/healthz . Press Ctrl-C to stop."
            )
        )
        return self._supervise(processes)

    def _supervise(self, processes: dict[str, subprocess.Popen]) -> None:
        stopping = False

        def stop(_signum, _frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        failed = None
        while not stopping:
            for name, proc in processes.items():
                if proc.poll() is not None:
                    failed = name
                    stopping = True
            time.sleep(0.5)
        if failed:
            self.stderr.write(
                f"{failed} exited with code {processes[failed].returncode}; stopping the others."
            )
        self._stop_all(processes)
        if failed:
            sys.exit(1)

    def _stop_all(self, processes: dict[str, subprocess.Popen]) -> None:
        for proc in processes.values():
            if proc.poll() is None:
                proc.terminate()  # the main process stops its own children (warm shutdown)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for name, proc in processes.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in time; killing it.")
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.stdout.write("All processes stopped.")
