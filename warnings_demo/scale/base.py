"""The builder's base: its state (the seeded generator, the ids handed out, what has been made
so far) and the primitives every part of a history is played with. The parts of the builder
(`register`, `fates`, `delivery`, `matters`) extend it, and `history._Builder` joins them."""

import random
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from django.db import models
from django.utils import timezone

from warnings_app.domain.deadlines import Deadline, business_days_after
from warnings_app.models.lifecycle import TRANSITIONS
from warnings_demo.scale.plan import (
    Fixed,
    Row,
    _Attempt,
    _Campaign,
    _Event,
    _FollowUp,
    _Letter,
    _Reply,
    target_counts,
)


@cache
def _business_days(start: date, days: int, country: str) -> Deadline:
    # A campaign sends over one to three days: a few thousand distinct questions at most.
    return business_days_after(start, days, country)


def _at(day: date, hours: float) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()) + timedelta(hours=hours))


def _day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


class _Base:
    """The state every part of the builder shares, and the primitives of a history."""

    def __init__(
        self,
        *,
        notices: int,
        seed: int,
        fixed: Fixed,
        first_ids: dict[type[models.Model], int],
        last_reference: dict[int, int],
        taken: tuple[set[str], set[str]],
        now: datetime,
    ) -> None:
        self.rng = random.Random(seed)  # noqa: S311 — reproducible fake data, not secrets
        self.n, self.fixed, self.now = notices, fixed, now
        self.latest = now - timedelta(hours=1)  # nothing is played closer to now than this
        self.counts = target_counts(notices)
        self.ids = dict(first_ids)
        self.last_reference = dict(last_reference)
        self.taken_domains, self.taken_names = taken
        self.company_rows: list[Row] = []
        self.contact_rows: list[Row] = []
        self.events: list[_Event] = []
        self.attempts: list[_Attempt] = []
        self.replies: list[_Reply] = []
        self.follow_ups: list[_FollowUp] = []
        self.retry_pairs: list[tuple[_Event, _Event]] = []

    def take_id(self, model: type[models.Model]) -> int:
        pk = self.ids[model]
        self.ids[model] = pk + 1
        return pk

    def lawyer(self) -> int:
        return self.rng.choice(self.fixed.lawyers)

    def between(self, start: datetime, end: datetime) -> datetime:
        return start + (end - start) * self.rng.random()

    def before_now(self, moment: datetime, earliest: datetime) -> datetime:
        """`moment`, or a time between `earliest` and now if `moment` lies in the future."""
        return moment if moment < self.latest else self.between(earliest, self.latest)

    # --- history primitives ----------------------------------------------------------------

    def move(
        self,
        letter: _Letter,
        name: str,
        at: datetime,
        actor: int | None,
        data: dict[str, Any] | None = None,
    ) -> _Event:
        """One transition of the real state machine, with its audit event."""
        step = TRANSITIONS[name]
        if not step.allows(letter.status):
            raise ValueError(f"seed bug: {name} is not allowed from {letter.status}")
        event = _Event(at, step.verb, actor, letter, letter.status, step.target, data or {})
        self.events.append(event)
        letter.status, letter.status_changed_at = step.target, at
        return event

    def note(
        self,
        at: datetime,
        verb: str,
        actor: int | None,
        target: _Letter | _Reply | _Campaign,
        data: dict[str, Any],
    ) -> None:
        self.events.append(_Event(at, verb, actor, target, data=data))

    def finish(self, letter: _Letter, name: str, attempt: _Attempt) -> _Event:
        data = {"attempt_id": attempt, "reply": attempt.reply, "recipient": attempt.recipient}
        return self.move(letter, name, attempt.finished_at, None, data)
