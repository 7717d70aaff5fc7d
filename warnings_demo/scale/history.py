"""The builder: each campaign's history and each first letter's, played from the parts in
`register`, `fates`, `delivery` and `matters`; then the audit budget balanced and the ids and
references handed out in the order things happened."""

from datetime import datetime, timedelta
from math import ceil
from typing import Any

from django.conf import settings

from warnings_app.models import DeliveryAttempt, Notice, Response
from warnings_demo.scale.base import _at, _day, _seconds
from warnings_demo.scale.fates import _Fates
from warnings_demo.scale.matters import _Matters
from warnings_demo.scale.plan import _Campaign, _Event, _Letter
from warnings_demo.scale.register import _Register


class _Builder(_Register, _Fates, _Matters):
    """All the parts on one state; `build()` calls them in the order a seed is made."""

    # --- histories -------------------------------------------------------------------------

    def campaign_history(self, camp: _Campaign, letters: list[_Letter]) -> None:
        rng, at = self.rng, camp.generated_at
        for letter in letters:
            at += _seconds(rng.uniform(0.02, 0.08))
            letter.created_at = at
        for letter in letters:
            at += _seconds(rng.uniform(0.05, 0.15))  # two render workers, ~0.2 s a letter
            self.prepare(letter, at, self.fixed.initial_version, rng.randint(3, 5))
        approved = sum(x.fate != "withdrawn" for x in letters)
        queued = sum(x.fate not in ("withdrawn", "withdrawn_approved") for x in letters)
        self.note(camp.created_at, "campaign.created", camp.author, camp, {"name": camp.name})
        rendered = at
        scenes: list[tuple[datetime, int | None, str, str, str, dict[str, Any]]] = [
            (camp.generated_at, camp.author, "generating", "draft", "generating",
             {"included": len(letters), "excluded": []}),
            (rendered + _seconds(1), None, "generated", "generating", "in_review", {}),
            (camp.approved_at, camp.approver, "approved", "in_review", "approved",
             {"approved": approved}),
            (camp.queued_at, camp.author, "sending", "approved", "sending",
             {"queued": queued, "blocked": 0}),
        ]  # fmt: skip
        for when, actor, verb, source, target, data in scenes:
            self.events.append(_Event(when, f"campaign.{verb}", actor, camp, source, target, data))
        for letter in letters:
            self.first_letter_history(letter)

    def first_letter_history(self, letter: _Letter) -> None:
        rng, camp = self.rng, letter.campaign
        if letter.fate == "withdrawn":
            at = camp.approved_at - _seconds(rng.uniform(3600, 20 * 3600))
            self.move(letter, "withdraw", at, camp.approver, {"reason": "licence confirmed"})
            return
        self.approve(letter, camp.approved_at, camp.approver)
        if letter.fate == "withdrawn_approved":
            at = camp.queued_at - _seconds(rng.uniform(1800, 12 * 3600))
            self.move(letter, "withdraw", at, camp.author, {"reason": "settlement talks began"})
            return
        day = camp.start + timedelta(days=rng.randrange(camp.send_days))
        self.send(letter, camp.queued_at, _at(day, rng.uniform(9.6, 17.5)), camp.author)
        if letter.fate == "sent":
            self.after_sending(letter)
            self.matter(letter)

    # --- the audit budget ------------------------------------------------------------------

    def balance_audit(self, letters: list[_Letter]) -> None:
        """Exactly the number of audit events asked for: leave some retries out of the log, or
        add lawyers' PDF downloads."""
        rng = self.rng
        excess = len(self.events) - self.counts["audit_events"]
        if excess > 0:
            pairs = ceil(excess / 2)
            if pairs > len(self.retry_pairs):
                raise ValueError(f"{excess} audit events too many and too few retries to omit")
            for claim, release in rng.sample(self.retry_pairs, pairs):
                claim.dropped = release.dropped = True
            excess -= 2 * pairs
        for letter in rng.choices(letters, k=max(0, -excess)):
            at = self.between(letter.rendered, self.latest)
            self.note(at, "notice.pdf_downloaded", self.lawyer(), letter, {"sha256": letter.sha256})

    def number(self, letters: list[_Letter]) -> None:
        """Ids and references in the order things were created."""
        prefix = settings.NOTICE_REFERENCE_PREFIX
        letters.sort(key=lambda x: x.created)
        for letter in letters:
            letter.pk = self.take_id(Notice)
            year = _day(letter.created).year
            self.last_reference[year] = number = self.last_reference.get(year, 0) + 1
            letter.reference = f"{prefix}-{year}-{number:06d}"
        self.attempts.sort(key=lambda a: a.started_at)
        for attempt in self.attempts:
            attempt.pk = self.take_id(DeliveryAttempt)
        self.replies.sort(key=lambda r: r.received_at)
        for reply in self.replies:
            reply.pk = self.take_id(Response)
        self.events = sorted((e for e in self.events if not e.dropped), key=lambda e: e.at)
