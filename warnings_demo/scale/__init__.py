"""A register at scale, for load, dashboard and export work. `build()` makes, in memory and from
one seeded random generator (the same seed and day give the same rows):

- N/20 companies (at least 12) in 20 jurisdictions and every segment, each with a legal-notices
  contact;
- 12 campaigns sent over the past ten months, each with a two-step ladder (a reminder after 10
  business days, a hand-off to counsel after 25);
- N notices: 60 % first letters, the rest reminders that follow a first letter;
- on average 2.5 delivery attempts, 0.4 replies and 10 audit events per notice, a few demand
  answers, and the ladder's follow-ups.

Each letter's history is played through the real state machine (`lifecycle.TRANSITIONS`); the
notice's fields, its delivery attempts and its audit events are all read off that one history,
so they agree. Nothing happens after `now`. Primary keys are handed out in time order, so ids,
references and the audit log run in the order things happened.

The fixed totals cannot all hold a complete audit trail: 2.5 attempts per notice already cost
five claim-and-outcome events per notice. Where the audit budget runs short, some retries after
a transient failure (a claim and its release) are left out of the log; where it is not used up,
lawyers' PDF downloads fill it.

The package, in the order a seed is made: `plan` holds the constants, the target counts and
the plain records; `base` the builder's state and the primitives a history is played with;
`register` the companies and campaigns; `fates` what becomes of each letter, chosen before its
history is played; `delivery` a letter made ready and sent; `matters` what followed a first
letter (replies and the ladder's follow-ups); `history` the builder itself, which plays each
campaign's story, then balances the audit budget and hands out ids; `rows` turns what was built
into table rows."""

from datetime import datetime

from django.db import models

from warnings_demo.scale.history import _Builder
from warnings_demo.scale.plan import COUNTRIES, ID_MODELS, Fixed, Seed, Table, target_counts
from warnings_demo.scale.rows import tables

__all__ = ["COUNTRIES", "ID_MODELS", "Fixed", "Seed", "Table", "build", "target_counts"]


def build(
    *,
    notices: int,
    seed: int,
    fixed: Fixed,
    first_ids: dict[type[models.Model], int],
    last_reference: dict[int, int],
    taken_domains: set[str],
    taken_names: set[str],
    now: datetime,
) -> Seed:
    """Every row of the seed, with primary keys from `first_ids` on and references numbered on
    from `last_reference`. Raises ValueError when `notices` is too few to hold the spread."""
    builder = _Builder(
        notices=notices,
        seed=seed,
        fixed=fixed,
        first_ids=first_ids,
        last_reference=last_reference,
        taken=(set(taken_domains), set(taken_names)),
        now=now,
    )
    companies = builder.companies()
    campaigns = builder.campaigns()
    by_campaign = builder.first_letters(campaigns, companies)
    firsts = [letter for group in by_campaign.values() for letter in group]
    reminders = builder.plan_reminders(firsts)
    builder.plan_replies(firsts)
    builder.spread_failures(firsts + reminders)
    for campaign, letters in by_campaign.items():
        builder.campaign_history(campaign, letters)
    letters = firsts + reminders
    builder.balance_audit(letters)
    builder.number(letters)
    return Seed(tables(builder, campaigns, letters), builder.last_reference)
