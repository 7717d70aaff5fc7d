"""The register a seed writes to: companies with their legal-notices contacts, and the twelve
campaigns."""

import itertools
from datetime import timedelta

from django.utils import timezone

from warnings_app.domain.normalise import company_name_key
from warnings_app.models import Campaign, Company, Contact, LadderStep
from warnings_demo import demo_data
from warnings_demo.scale.base import _at, _Base
from warnings_demo.scale.plan import (
    CAMPAIGNS,
    COUNTRIES,
    FLAKINESS,
    MORE_KINDS,
    THEMES,
    _Campaign,
    _Company,
)


class _Register(_Base):
    """The register: companies and campaigns."""

    def companies(self) -> list[_Company]:
        """Distinct invented names; every jurisdiction and segment is used at least once."""
        rng, count = self.rng, self.counts["companies"]
        parts = (demo_data.NAME_HEADS, demo_data.NAME_TAILS, demo_data.NAME_KINDS + MORE_KINDS)
        combos = [f"{head}{tail} {kind}" for head, tail, kind in itertools.product(*parts)]
        names = rng.sample(combos, min(count, len(combos)))
        names += [f"{rng.choice(combos)} {n}" for n in range(len(names), count)]
        weights = [weight for weight, _, _ in COUNTRIES.values()]
        countries = (list(COUNTRIES) + rng.choices(list(COUNTRIES), weights, k=count))[:count]
        segment_weights = demo_data.SEGMENT_WEIGHTS
        segments = list(Company.Segment.values) + rng.choices(
            list(segment_weights), list(segment_weights.values()), k=count
        )
        segments = segments[:count]
        rng.shuffle(countries)
        rng.shuffle(segments)
        return [self.company(*row) for row in zip(names, countries, segments, strict=True)]

    def company(self, base: str, country: str, segment: str) -> _Company:
        rng = self.rng
        _, form, city = COUNTRIES[country]
        domain, suffix = f"{demo_data.slug(base)}.example", 2
        while domain in self.taken_domains:
            domain, suffix = f"{demo_data.slug(base)}-{suffix}.example", suffix + 1
        self.taken_domains.add(domain)
        person = rng.choice(demo_data.PEOPLE)
        flakiness = rng.choices(list(FLAKINESS), list(FLAKINESS.values()))[0]
        company = _Company(
            self.take_id(Company), f"{base} {form}", domain, country, person, flakiness,
            contact=self.take_id(Contact),
        )  # fmt: skip
        added = _at(self.now.date() - timedelta(days=rng.randint(320, 420)), rng.uniform(9, 18))
        earlier = self.company_rows and rng.random() < 0.03  # a few affiliates
        self.company_rows.append({
            "id": company.pk, "legal_name": company.legal_name, "aliases": base,
            "name_key": company_name_key(company.legal_name), "domain": domain,
            "website": f"https://{domain}/", "country": country, "segment": segment,
            "parent_id": rng.choice(self.company_rows)["id"] if earlier else None,
            "created_at": added, "updated_at": added, "created_by_id": self.fixed.lawyers[0],
        })  # fmt: skip
        self.contact_rows.append({
            "id": company.contact, "company_id": company.pk, "role": "legal_notices",
            "name": "Legal Department", "email": f"legal@{domain}",
            "address_line1": f"{rng.randint(1, 240)} {rng.choice(demo_data.STREETS)} Street",
            "city": city, "postal_code": f"{rng.randint(10000, 99999)}", "country": country,
            "created_at": added, "updated_at": added,
        })  # fmt: skip
        return company

    def campaigns(self) -> list[_Campaign]:
        """Twelve campaigns, one every 23 days, each generated on a Wednesday, approved on the
        Monday and sent from the Tuesday; the last one started about seven weeks ago."""
        rng, today = self.rng, timezone.localdate(self.now)
        made = []
        for k in range(CAMPAIGNS):
            start = today - timedelta(days=300 - 23 * k)
            start -= timedelta(days=(start.weekday() - 1) % 7)
            name = f"Wave {k + 1:02d}: {THEMES[k]}"
            while name in self.taken_names:
                name += " (scale)"
            lawyers, works = self.fixed.lawyers, self.fixed.works
            made.append(
                _Campaign(
                    self.take_id(Campaign), name, lawyers[k % 2], lawyers[(k + 1) % 2], start,
                    status="completed" if k < CAMPAIGNS - 2 else "sending",
                    works=tuple(works[(k + j) % len(works)] for j in range(3)),
                    steps=(self.take_id(LadderStep), self.take_id(LadderStep)),
                    created_at=_at(start - timedelta(days=8), rng.uniform(9, 12)),
                    generated_at=_at(start - timedelta(days=6), rng.uniform(10, 12)),
                    approved_at=_at(start - timedelta(days=1), rng.uniform(14, 17)),
                    queued_at=_at(start, 9.5),
                    send_days=rng.randint(1, 3),
                )
            )  # fmt: skip
        return made
