"""What the demo's story is played on: a clock set back in time, a stand-in for the recipients'
mail server, and a worker in this process. Used only by `seed_demo`; nothing here runs in a
deployed system.

Why a clock: rendering, approval, sending and delivery stamp their rows and audit events with
`timezone.now()` and take no time of their own. To have letters that went out weeks ago,
deadlines that passed and steps that fell due, the story moves the time those services read,
the way the tests' `travel` fixture does. It goes one level below `timezone.now`, to the
`datetime` that function reads, so the fields whose default is `timezone.now` itself (the audit
log's `created_at`, a user's `date_joined`) follow it too and every row agrees with its audit
event. Nothing is written first and back-dated afterwards."""

import hashlib
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, tzinfo
from types import SimpleNamespace
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.test.utils import override_settings
from django.utils import timezone as django_timezone

MAIL_SERVER = "warnings_demo.demo_stage.DemoMailServer"


class DemoClock:
    """The moment the story's services read. Each reading moves it on by a millisecond, so
    things done one after the other are stamped in that order; `at()` jumps ahead to the next
    scene. It never goes back."""

    STEP = timedelta(milliseconds=1)

    def __init__(self, start: datetime) -> None:
        self._now = start

    @property
    def now(self) -> datetime:
        return self._now

    def read(self) -> datetime:
        self._now += self.STEP
        return self._now

    def at(self, moment: datetime) -> datetime:
        """Move on to `moment` (or stay, if the story has already run past it)."""
        self._now = max(self._now, moment)
        return self._now

    def wait(self, seconds: float) -> datetime:
        return self.at(self._now + timedelta(seconds=seconds))


class _LikeDatetime(type):
    """Keeps `isinstance(value, datetime)` true for ordinary datetimes while the clock's
    stand-in class is in place (`timezone.template_localtime` asks it)."""

    def __instancecheck__(cls, instance: object) -> bool:
        return isinstance(instance, datetime)

    def __subclasscheck__(cls, subclass: type) -> bool:
        return issubclass(subclass, datetime)


@contextmanager
def demo_clock(start: datetime) -> Iterator[DemoClock]:
    """Within the block, `django.utils.timezone.now()` answers from a DemoClock starting at
    `start` (aware). Single-threaded use only: seed_demo runs before the server starts."""
    clock = DemoClock(start)
    # The module's own namespace: the stubs do not list the `datetime` it imported.
    namespace = vars(django_timezone)
    real = namespace["datetime"]

    class ClockDatetime(datetime, metaclass=_LikeDatetime):
        @classmethod
        def now(  # type: ignore[override]  # answers plain datetimes, not its own class
            cls, tz: tzinfo | None = None
        ) -> datetime:
            moment = clock.read()
            if tz is None:  # USE_TZ off: naive local time, as datetime.now() gives
                return moment.astimezone().replace(tzinfo=None)
            return moment.astimezone(tz)

    namespace["datetime"] = ClockDatetime
    try:
        yield clock
    finally:
        namespace["datetime"] = real


class DemoMailServer(BaseEmailBackend):
    """The recipients' mail server for the demo's letters, so that they are delivered by the
    real delivery service (`notice_deliver`: claim under a lease, send, record the attempt and
    the server's reply, mark sent, schedule the ladder) without any network.

    Like Django's locmem backend it sends nothing anywhere; unlike it, it answers the way
    `services.delivery` reads an SMTP server: the content is handed over only after the
    worker's lease is checked (`on_content`), and the reply is a 250 with a queue id, which the
    delivery attempt keeps as evidence (with locmem every attempt would read a generic
    "250 accepted"). It keeps no copy: the letters are stored already, and the process that
    seeds goes on to supervise `make run`. The configured backend is not used: it may be a real
    relay, and the quickstart's console backend would print forty lines about letters that, in
    the story, went out weeks ago."""

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.connection = SimpleNamespace(on_content=None, last_reply=None)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            if self.connection.on_content is not None:
                self.connection.on_content()
            raw = message.message().as_bytes()  # built in full, as it would go on the wire
            queued_as = hashlib.sha256(raw).hexdigest()[:10].upper()
            self.connection.last_reply = (250, f"2.0.0 Ok: queued as {queued_as}")
        return len(email_messages)


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Only warnings and errors from the logger `name` within the block: seed_demo's output is
    the demo log-ins, which eighty task lines or nine WeasyPrint progress lines per letter
    would bury."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def tasks_in_process() -> Iterator[None]:
    """Tasks published in the block run in this process instead of going to a broker. The
    services the story calls publish render and send tasks after commit, as they must; by then
    the story has done that work itself (as a worker would have, on the story's clock), so the
    tasks find nothing to do. The first `make run` seeds before it knows whether Redis is up,
    so the seed must not depend on one. Wrap the whole transaction: the tasks leave at commit."""
    from celery import current_app

    conf = current_app.conf
    before = conf.task_always_eager
    conf.task_always_eager = True
    try:
        with _quiet("celery.app.trace"):
            yield
    finally:
        conf.task_always_eager = before


@contextmanager
def demo_stage(start: datetime) -> Iterator[DemoClock]:
    """The clock, the stand-in mail server and a quiet renderer."""
    with (
        _quiet("weasyprint.progress"),
        demo_clock(start) as clock,
        override_settings(EMAIL_BACKEND=MAIL_SERVER),
    ):
        yield clock
