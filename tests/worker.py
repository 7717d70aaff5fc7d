"""A real Celery worker process for integration tests: same test database, same media folder,
Redis on loopback, and a loopback SMTP server."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.db import connection

from config.celery import app as celery_app


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(predicate, timeout: float, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class Worker:
    def __init__(
        self, *, smtp_port: int | None = None, concurrency: int = 2, extra_env: dict | None = None
    ):
        mail = (
            {"EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}", "EMAIL_TIMEOUT": "10"}
            if (smtp_port)
            else {}
        )
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.test_settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            **mail,
            **(extra_env or {}),
        }
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        return [
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(self.concurrency),
            "--without-gossip",
            "--without-mingle",
        ]

    def start(self) -> "Worker":
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                *self.command(),
                "--loglevel",
                "WARNING",
            ],
            env=self.env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return self

    def children(self) -> list[int]:
        out = subprocess.run(
            ["ps", "--ppid", str(self.process.pid), "-o", "pid="],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        return [int(pid) for pid in out.split()]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Beat(Worker):
    """A real `celery beat` process with its own schedule file, ticking every `every` seconds."""

    def __init__(self, *, schedule_file: str, every: float = 1.0, **kwargs):
        extra = {"FOLLOWUPS_EVERY_SECONDS": str(every), "SWEEP_EVERY_SECONDS": str(every)}
        super().__init__(extra_env={**extra, **kwargs.pop("extra_env", {})}, **kwargs)
        self.schedule_file = schedule_file

    def command(self) -> list[str]:
        return ["beat", "--schedule", self.schedule_file]


def purge_broker() -> None:
    celery_app.control.purge()
