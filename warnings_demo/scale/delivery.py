"""A letter made ready and sent: created and rendered, approved, queued, its delivery attempts
with their transient failures and backoff, and what the mail server reported afterwards."""

from datetime import datetime
from typing import Any

from warnings_demo.scale.base import _Base, _business_days, _day, _seconds
from warnings_demo.scale.plan import (
    BOUNCE_REPORT,
    REFUSED,
    TRANSIENT_REPLIES,
    WINDOW,
    S,
    _Attempt,
    _Event,
    _Letter,
)


class _Delivery(_Base):
    """A letter made ready, approved and sent."""

    def prepare(self, letter: _Letter, rendered_at: datetime, version: int, pages: int) -> None:
        """Created, then rendered: the PDF's hash, and the deadline from the letter's date."""
        data: dict[str, Any] = {"company_id": letter.company.pk, "template_version_id": version}
        self.events.append(
            _Event(letter.created, "notice.created", letter.created_by, letter, "", S.DRAFT, data)
        )
        letter.status_changed_at = letter.created
        letter.sha256 = f"{self.rng.getrandbits(256):064x}"
        letter.pages, letter.size = pages, pages * self.rng.randint(30_000, 45_000)
        data = {"sha256": letter.sha256, "size": letter.size, "pages": pages}
        data |= {"template_version_id": version, "replaces_sha256": None}
        self.move(letter, "render", rendered_at, None, data)
        letter.rendered_at = rendered_at
        letter.deadline = _business_days(_day(rendered_at), WINDOW, letter.company.country)

    def approve(self, letter: _Letter, at: datetime, by: int) -> None:
        self.move(letter, "approve", at, by)
        letter.approved_at, letter.approved_by = at, by

    def send(self, letter: _Letter, queued_at: datetime, at: datetime, by: int | None) -> None:
        """Queued, then claimed and tried until the server accepts (or refuses for good), with
        the delivery service's backoff between tries."""
        rng, recipient = self.rng, f"legal@{letter.company.domain}"
        self.move(letter, "queue", queued_at, by)
        letter.enqueued_at = queued_at
        for failures in range(1, letter.extra_failures + 1):
            claim = self.move(letter, "claim", at, None)
            usual = TRANSIENT_REPLIES[min(letter.company.flakiness, 3)]
            reply = usual if failures == 1 else rng.choice(TRANSIENT_REPLIES)
            attempt = self.attempt(letter, "failed", recipient, reply, at)
            self.retry_pairs.append((claim, self.finish(letter, "release", attempt)))
            ceiling = min(600, 30 * 2 ** (failures - 1))
            at = attempt.finished_at + _seconds(rng.uniform(ceiling / 2, ceiling) + 5)
        self.move(letter, "claim", at, None)
        if letter.fate == "failed":
            attempt = self.attempt(letter, "failed", recipient, REFUSED.format(recipient), at)
            self.finish(letter, "mark_failed", attempt)
        else:
            self.accepted(letter, recipient, at)

    def accepted(self, letter: _Letter, recipient: str, at: datetime) -> None:
        reply = f"250 2.0.0 Ok: queued as {self.rng.getrandbits(40):010X}"
        letter.sent_at = self.finish(
            letter, "mark_sent", self.attempt(letter, "accepted", recipient, reply, at)
        ).at

    def attempt(
        self, letter: _Letter, outcome: str, recipient: str, reply: str, at: datetime
    ) -> _Attempt:
        took = self.rng.uniform(0.3, 2.5) + (30 if "timed out" in reply else 0)
        attempt = _Attempt(letter, outcome, recipient, reply, at, at + _seconds(took))
        self.attempts.append(attempt)
        return attempt

    def after_sending(self, letter: _Letter) -> None:
        """A delivery notification, or a bounce report (and for some a corrected resend)."""
        rng = self.rng
        if letter.delivery == "ok":
            if rng.random() < 0.35:
                at = letter.sent + _seconds(rng.uniform(300, 4 * 3600))
                self.move(letter, "mark_delivered", at, None, {"source": "delivery notification"})
            return
        attempt = next(a for a in reversed(self.attempts) if a.letter is letter)
        at = letter.sent + _seconds(rng.uniform(60, 1800))
        attempt.outcome, attempt.reply = "bounced", f"{attempt.reply}\nthen {BOUNCE_REPORT}"
        data = {"attempt_id": attempt, "report": BOUNCE_REPORT, "recipient": attempt.recipient}
        self.note(at, "delivery.bounced", None, letter, data)
        self.move(letter, "mark_bounced", at, None, data)
        if letter.delivery == "bounced_retried":
            at += _seconds(rng.uniform(2 * 3600, 3 * 86400))
            by = letter.campaign.author
            self.move(letter, "retry", at, by, {"note": "address corrected from the website"})
            self.move(letter, "queue", at + _seconds(1), by)
            letter.enqueued_at = at + _seconds(1)
            at += _seconds(rng.uniform(2, 60))
            self.move(letter, "claim", at, None)
            self.accepted(letter, f"notices@{letter.company.domain}", at)
