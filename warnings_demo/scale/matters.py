"""What followed a first letter that went out: the ladder's follow-ups (a reminder, a hand-off
to counsel, or their cancellation), the replies and their classification, and how a matter
nobody answered ended."""

from datetime import datetime, timedelta

from django.utils import timezone

from warnings_app.models import DemandAnswer
from warnings_demo.scale.base import _at, _business_days, _day, _seconds
from warnings_demo.scale.delivery import _Delivery
from warnings_demo.scale.plan import (
    HANDOFF_AFTER,
    OUT,
    REMINDER_AFTER,
    TONES,
    UNCLASSIFIED_SHARE,
    S,
    _Event,
    _FollowUp,
    _Letter,
    _Reply,
    played,
)


class _Matters(_Delivery):
    """What followed a first letter: the ladder's follow-ups and the replies."""

    def matter(self, first: _Letter) -> None:
        """What followed a first letter that went out: replies, the ladder, how it ended."""
        sent_day, country = _day(first.sent), first.company.country
        dues = tuple(
            _at(_business_days(sent_day, days, country).due, 9.0)
            for days in (REMINDER_AFTER, HANDOFF_AFTER)
        )
        steps, reminder = first.campaign.steps, first.reminder
        if first.reply_plan == "early":
            reply = self.replied(first, first.sent, (0.2, 11), first.more_replies)
            self.stop_ladder(first, steps, dues, reply.ingested_at, "a reply was logged")
        elif reminder is None:
            self.unanswered(first, steps, dues)
        else:
            reminder.created_at = dues[0] + _seconds(self.rng.uniform(5, 300))
            done = _FollowUp(first, steps[0], dues[0], "done", reminder.created)
            done.result = reminder
            self.follow_ups.append(done)
            self.reminder_history(reminder)
            if first.reply_plan == "late":
                self.late_reply(first, steps[1], dues[1])
            else:
                self.unanswered(first, steps[1:], dues[1:])

    def reminder_history(self, reminder: _Letter) -> None:
        """Made by the ladder job, approved in advance by the campaign's approver, sent."""
        rng = self.rng
        rendered_at = reminder.created + _seconds(rng.uniform(2, 90))
        self.prepare(reminder, rendered_at, self.fixed.reminder_version, rng.randint(1, 2))
        approved_at = rendered_at + _seconds(rng.uniform(0.5, 5))
        self.approve(reminder, approved_at, reminder.campaign.approver)
        self.send(reminder, approved_at, approved_at + _seconds(rng.uniform(1, 30)), None)
        self.after_sending(reminder)

    def late_reply(self, first: _Letter, handoff_step: int, handoff_due: datetime) -> None:
        reminder = played(first.reminder, "reminder")  # a late reply answers the reminder
        reply = self.replied(reminder, reminder.sent, (0.2, 18), first.more_replies)
        stopped = reply.ingested_at
        self.stop_ladder(first, (handoff_step,), (handoff_due,), stopped, "a reply was logged")
        if reminder.status == S.CLOSED:  # closed on the reminder's reply: close the matter
            at = reminder.changed + _seconds(self.rng.uniform(30, 600))
            self.move(first, "close", at, self.lawyer(), {"reason": "settled on the reply"})

    def unanswered(
        self, first: _Letter, steps: tuple[int, ...], dues: tuple[datetime, ...]
    ) -> None:
        """A matter nobody answered: handed off, closed by a lawyer, or still open with its
        last step scheduled in the coming weeks."""
        rng, reminder = self.rng, first.reminder
        if first.ending == "escalated" and dues[-1] < self.latest:
            at = dues[-1] + _seconds(rng.uniform(5, 300))
            data = {"step": "Hand-off to counsel", "reason": "handed off to litigation counsel"}
            self.move(first, "escalate", at, None, data)
            self.follow_ups.append(_FollowUp(first, steps[-1], dues[-1], "done", at))
            return
        last, until = (reminder or first).changed, min(dues[0], self.latest)
        if first.ending == "closed" and last + timedelta(days=2) < until:
            at, by = self.between(last + timedelta(days=1), until), self.lawyer()
            for letter in (first, reminder):
                if letter is not None and letter.status in OUT:
                    self.move(letter, "close", at, by, {"reason": "company dissolved"})
            self.stop_ladder(first, steps, dues, at, "the letter is closed")
            return
        if len(steps) == 2:  # an open bounced letter: its reminder waits for a new address
            reason = "the address bounced: waiting for a corrected one"
            self.stop_ladder(first, steps[:1], dues[:1], first.changed, reason)
        self.follow_ups.append(_FollowUp(first, steps[-1], self.soon(), "scheduled"))

    def soon(self) -> datetime:
        """A due time in the next three weeks; a quarter of them still this week."""
        earliest = self.now + timedelta(hours=1)
        today = timezone.localdate(self.now)
        week_end = _at(today + timedelta(days=7 - today.weekday()), 0)
        if week_end - earliest > timedelta(hours=2) and self.rng.random() < 0.25:
            return self.between(earliest, week_end)
        return self.between(earliest, earliest + timedelta(days=21))

    def stop_ladder(
        self,
        first: _Letter,
        steps: tuple[int, ...],
        dues: tuple[datetime, ...],
        at: datetime,
        reason: str,
    ) -> None:
        for step, due in zip(steps, dues, strict=True):
            self.follow_ups.append(_FollowUp(first, step, due, "cancelled", at, reason))

    # --- replies ---------------------------------------------------------------------------

    def replied(
        self, letter: _Letter, earliest: datetime, days: tuple[float, float], more: int
    ) -> _Reply:
        """The first reply to `letter`, which moves it to responded (a lawyer may settle it
        later), and `more` further replies that move nothing."""
        rng = self.rng
        received = self.before_now(earliest + timedelta(days=rng.uniform(*days)), earliest)
        first = self.reply(letter, received)
        data = {"response_id": first, "channel": "email"}
        self.move(letter, "record_response", first.ingested_at + _seconds(0.05), None, data)
        if self.classify(first):
            settle = rng.choices(["resolve", "close", ""], [45, 25, 30])[0]
            at = first.classified + timedelta(days=rng.uniform(1, 25))
            if settle and at < self.latest:
                self.move(letter, settle, at, first.classified_by)
        for _ in range(more):
            moment = first.received_at + timedelta(days=rng.uniform(1, 30))
            self.classify(self.reply(letter, self.before_now(moment, first.received_at)))
        return first

    def reply(self, letter: _Letter, received: datetime) -> _Reply:
        reply = _Reply(letter, received, received + _seconds(self.rng.uniform(30, 600)))
        self.replies.append(reply)
        data = {"source": "imap:INBOX", "matched_by": "reply_address", "notice": letter}
        self.note(reply.ingested_at, "reply.ingested", None, reply, data)
        return reply

    def classify(self, reply: _Reply) -> bool:
        """Most replies are read and classified within days; some wait in the inbox."""
        rng = self.rng
        reply.tone = rng.choices(list(TONES), [weight for weight, _ in TONES.values()])[0]
        at = reply.received_at + _seconds(rng.uniform(3600, 4 * 86400))
        if rng.random() < UNCLASSIFIED_SHARE or at >= self.latest:
            return False
        reply.outcome, reply.classified_at, reply.classified_by = reply.tone, at, self.lawyer()
        substantive = reply.tone in ("complied", "disputes", "claims_licence", "requests_talks")
        if substantive and rng.random() < 0.1:  # a few get their demands answered one by one
            demands = rng.sample(DemandAnswer.Demand.values, rng.randint(2, 4))
            reply.demands = {d: rng.choice(DemandAnswer.Answer.values) for d in demands}
        data = {"notice": reply.letter, "demands": reply.demands}
        event = _Event(at, "reply.classified", reply.classified_by, reply, data=data)
        event.from_state, event.to_state = "unclassified", reply.tone
        self.events.append(event)
        return True
