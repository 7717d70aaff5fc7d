"""What becomes of each letter, chosen before any history is played: which first letters each
campaign writes and which never go out, how deliveries go, which matters get a reminder, which
are answered and how the rest end, and where the transient failures fall."""

from django.conf import settings

from warnings_demo.scale.base import _Base
from warnings_demo.scale.plan import CAMPAIGNS, _Campaign, _Company, _Letter


class _Fates(_Base):
    """The plans for each letter, chosen before its history is played."""

    def first_letters(
        self, campaigns: list[_Campaign], companies: list[_Company]
    ) -> dict[_Campaign, list[_Letter]]:
        """Each campaign writes once to each of its companies; a few letters never go out."""
        rng, total = self.rng, self.counts["first_letters"]
        sizes = [total // CAMPAIGNS] * CAMPAIGNS
        for k in rng.sample(range(CAMPAIGNS), total % CAMPAIGNS):
            sizes[k] += 1
        letters = {
            campaign: [_Letter(campaign, c, campaign.author) for c in rng.sample(companies, size)]
            for campaign, size in zip(campaigns, sizes, strict=True)
        }
        everyone = [letter for group in letters.values() for letter in group]
        unsent = 3 * max(1, round(total * 0.006))
        for i, letter in enumerate(rng.sample(everyone, unsent)):
            letter.fate = ("withdrawn", "withdrawn_approved", "failed")[i % 3]
        for letter in everyone:
            letter.delivery = self.delivery_pattern(bounced=0.04, retried=0.03)
        return letters

    def delivery_pattern(self, *, bounced: float, retried: float) -> str:
        roll = self.rng.random()
        if roll < bounced:
            return "bounced"
        return "bounced_retried" if roll < bounced + retried else "ok"

    def plan_reminders(self, firsts: list[_Letter]) -> list[_Letter]:
        wanted = self.n - len(firsts)
        pool = [f for f in firsts if f.fate == "sent" and f.delivery != "bounced"]
        if len(pool) < wanted:
            raise ValueError(f"only {len(pool)} letters can have reminders, {wanted} wanted")
        for first in self.rng.sample(pool, wanted):
            first.reminder = _Letter(first.campaign, first.company, None, follows=first)
            first.reminder.delivery = self.delivery_pattern(bounced=0.02, retried=0.02)
        return [f.reminder for f in firsts if f.reminder]

    def plan_replies(self, firsts: list[_Letter]) -> None:
        """Most matters without a reminder were answered before it fell due; about 60 % of the
        others answered the reminder. The rest of the replies are second replies."""
        rng, total = self.rng, self.counts["replies"]
        sent = [f for f in firsts if f.fate == "sent"]
        early = [f for f in sent if f.reminder is None and f.delivery != "bounced"]
        late = [f for f in sent if f.reminder and f.reminder.delivery != "bounced"]
        early = rng.sample(early, min(round(0.9 * len(early)), total))
        late = rng.sample(late, min(round(0.6 * len(late)), total - len(early)))
        for letter in early:
            letter.reply_plan = "early"
        for letter in late:
            letter.reply_plan = "late"
        if total > len(early + late) and not early + late:
            raise ValueError("no letter can be replied to")
        for letter in rng.choices(early + late, k=total - len(early + late)):
            letter.more_replies += 1
        for letter in (f for f in sent if not f.reply_plan):
            if letter.reminder:
                letter.ending = rng.choices(["escalated", "closed", "open"], [40, 15, 45])[0]
            elif letter.delivery == "bounced":
                letter.ending = rng.choices(["open", "closed"], [70, 30])[0]
            else:
                letter.ending = "closed"

    def spread_failures(self, letters: list[_Letter]) -> None:
        """Transient failures, so that the attempts add up exactly; flaky servers get more."""
        tried = [x for x in letters if x.fate in ("sent", "failed")]
        base = sum(1 + (x.fate == "sent" and x.delivery == "bounced_retried") for x in tried)
        remaining = self.counts["delivery_attempts"] - base
        if remaining < 0:
            raise ValueError("more letters were tried than there are attempts to give them")
        cap = settings.DELIVERY_MAX_ATTEMPTS - 1
        weights = [x.company.flakiness + 0.25 for x in tried]
        while remaining:
            for letter in self.rng.choices(tried, weights, k=remaining):
                if letter.extra_failures < cap and remaining:
                    letter.extra_failures += 1
                    remaining -= 1
