"""The machine-readable reservations, generated from the preference register: the W3C TDM
Reservation Protocol file (/.well-known/tdmrep.json), a robots.txt section for AI crawlers, and
the TDM policies that licensable rules point to. Pure functions of the data given: the same
register always gives the same bytes, so a hash proves what was published.

What the protocol says (TDMRep, Final Community Group Report, 10 May 2024,
https://www.w3.org/community/reports/tdmrep/CG-FINAL-tdmrep-20240510/; sections named by their
anchors):
- "TDM File on the Origin Server" (#sec-tdm-file): the file is a JSON array of rules, each with
  `location` and `tdm-reservation` (mandatory) and `tdm-policy` (optional). "The most specific
  match found MUST be used. The most specific match is the first in sequence." So the order is
  the precedence: a recording's rule comes before every artist rule, in case the label's site
  puts recordings under their artist's path (RESERVATION_WORK_PATH may use {slug}).
- Locations are robots.txt path patterns (#sec-tdm-file-regexp, after draft-koster-rep): a
  path matches everything that starts with it ("/artists/x/" covers "/artists/x/song"), `*` is
  any run of characters and `$` ends the pattern. Our paths are prefixes, so need neither.
- #sec-tdm-reservation: 1 reserves TDM rights, 0 does not; #sec-tdm-policy: the URL of a TDM
  Policy, not processed when the reservation is 0. #sec-policy: a policy is an ODRL Offer with
  the tdmrep profile, an assigner (vCard contact) and one permission to `tdm:mine`.

How the register maps onto it:
- reserved -> tdm-reservation 1, no policy.
- licensable -> tdm-reservation 1 with a tdm-policy: an Offer to mine on the duty to obtain
  consent from the licensing contact.
- undecided -> tdm-reservation 1. The label reserves the rights until the artist decides: an
  unreserved work may be mined under the EU's Article 4 exception, and that cannot be undone.
- an artist with nothing recorded gets no rule (we do not speak for them yet).
A recording whose page is not under its artist's path needs its own rule, whether or not its
preference differs (otherwise nothing covers it); under the artist's path only recordings that
differ get one. A recording without an ISRC cannot be located and is counted as skipped.

robots.txt (RFC 9309) can only allow or disallow crawling, not "licensable on terms", so every
reserved path is disallowed there; the section says so. All the crawlers share one group
(RFC 9309 §2.1 lets a group start with several user-agent lines), which keeps the section one
list of paths long however many crawlers are named. Nothing that changes without a register
change (a date, a version number) is written into either file."""

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.text import slugify

from warnings_app.domain.crawlers import is_user_agent
from warnings_app.models import Preference
from warnings_app.selectors.preference_register import ArtistState

RESERVED = 1
POLICY_CONTEXT = ["http://www.w3.org/ns/odrl.jsonld", {"tdm": "http://www.w3.org/ns/tdmrep#"}]
POLICY_PROFILE = "http://www.w3.org/ns/tdmrep"
EMAIL = re.compile(r"[^\s<>,;:()\"']+@[^\s<>,;:()\"']+\.[A-Za-z]{2,}")
URL = re.compile(r"https?://[^\s<>\"']+")


@dataclass(frozen=True)
class Rule:
    location: str
    reservation: int
    policy: str | None = None

    def as_json(self) -> dict[str, Any]:
        rule: dict[str, Any] = {"location": self.location, "tdm-reservation": self.reservation}
        if self.policy:
            rule["tdm-policy"] = self.policy
        return rule


@dataclass(frozen=True)
class Generated:
    """Everything one publication serves. `policies` maps artist ids (as text, as JSON keys
    are) to their policy documents; `summary` counts what went in and what was left out."""

    tdmrep: str
    robots: str
    policies: dict[str, dict[str, Any]]
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def tdmrep_sha256(self) -> str:
        return sha256_text(self.tdmrep)

    @property
    def robots_sha256(self) -> str:
        return sha256_text(self.robots)

    @property
    def policies_sha256(self) -> str:
        return policies_sha256(self.policies)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def policy_text(policy: Mapping[str, Any]) -> str:
    """A policy as served. Keys sorted, so a document read back from the database (which may
    reorder keys) gives the same bytes."""
    return json.dumps(policy, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def policies_sha256(policies: Mapping[str, Any]) -> str:
    return sha256_text(json.dumps(policies, sort_keys=True, separators=(",", ":")))


def _decision(preference: str, policy_url: str) -> tuple[int, str | None]:
    if preference == Preference.LICENSABLE:
        return RESERVED, policy_url
    return RESERVED, None  # reserved, and undecided until the artist decides


def _contact(contact: str) -> dict[str, Any]:
    """The licensing contact as the vCard properties the assigner may use
    (#sec-odrl-profile-assigner): an e-mail address, a web page, or failing both the text as a
    postal address."""
    found: dict[str, Any] = {}
    if email := EMAIL.search(contact):
        found["vcard:hasEmail"] = f"mailto:{email.group(0)}"
    if url := URL.search(contact):
        found["vcard:hasURL"] = url.group(0).rstrip(".,;)")
    if not found:
        found["vcard:hasAddress"] = {"vcard:street-address": contact}
    return found


def policy_document(*, url: str, artist_name: str, contact: str) -> dict[str, Any]:
    """An ODRL Offer under the TDMRep profile (#sec-odrl-profile): mining is offered on the
    duty to obtain the rightsholder's consent first, through the licensing contact."""
    return {
        "@context": POLICY_CONTEXT,
        "@type": "Offer",
        "profile": POLICY_PROFILE,
        "uid": url,
        "assigner": {"vcard:fn": artist_name, **_contact(contact)},
        "permission": [{"action": "tdm:mine", "duty": [{"action": "obtainConsent"}]}],
    }


def _merged(rules: list[Rule]) -> Rule:
    """Two artists whose names give the same path (rare: "Beyoncé" and "Beyonce") share one
    rule; if they disagree on the policy, none is named, and the path stays reserved."""
    first = rules[0]
    if all(r == first for r in rules):
        return first
    return Rule(first.location, RESERVED)


def tdmrep_rules(
    *,
    states: Mapping[int, ArtistState],
    works: Iterable[tuple[int, str, int]],
    artist_path: str,
    work_path: str,
    policy_url: Callable[[int], str],
) -> tuple[list[Rule], dict[str, int]]:
    """The rules in precedence order (recordings, then artists; each by location) and counts of
    what could not be located. `works` are (id, isrc, artist id) of the artists in `states`."""
    skipped = dict.fromkeys(
        ["artists_without_path", "works_without_isrc", "works_without_path", "shared_artist_paths"],
        0,
    )
    slugs = {artist_id: slugify(state.name) for artist_id, state in states.items()}
    by_location: dict[str, list[Rule]] = defaultdict(list)
    artist_location: dict[int, str] = {}
    for artist_id, state in sorted(states.items()):
        if not slugs[artist_id]:
            skipped["artists_without_path"] += 1
            continue
        location = artist_path.format(slug=slugs[artist_id])
        artist_location[artist_id] = location
        by_location[location].append(
            Rule(location, *_decision(state.preference, policy_url(artist_id)))
        )
    work_rules: dict[str, Rule] = {}
    for work_id, isrc, artist_id in works:
        state, slug = states[artist_id], slugs[artist_id]
        covering = artist_location.get(artist_id)
        nested = covering is not None and work_path.format(isrc="", slug=slug).startswith(covering)
        if nested and work_id not in state.works:
            continue  # its page is under its artist's, and so is its preference
        if not isrc:
            skipped["works_without_isrc"] += 1
            continue
        if not slug and "{slug}" in work_path:
            skipped["works_without_path"] += 1
            continue
        location = work_path.format(isrc=isrc, slug=slug)
        preference = state.of_work(work_id)
        work_rules[location] = Rule(location, *_decision(preference, policy_url(artist_id)))
    artist_rules = []
    for location in sorted(by_location):
        if len(by_location[location]) > 1:
            skipped["shared_artist_paths"] += 1
        artist_rules.append(_merged(by_location[location]))
    return [work_rules[k] for k in sorted(work_rules)] + artist_rules, skipped


def tdmrep_text(rules: list[Rule]) -> str:
    return json.dumps([r.as_json() for r in rules], indent=2, ensure_ascii=False) + "\n"


def robots_text(rules: list[Rule], crawlers: list[str]) -> str:
    """The section for the label's robots.txt: one group naming every active crawler whose user
    agent is one token (warnings_app/domain/crawlers.py). The admin refuses anything else; a value
    that reached the database another way is left out whole rather than stripped, because
    "GPTBot\nDisallow: /" stripped of its break is a name nobody asked for, and the section must
    never carry a line the register did not produce."""
    crawlers = [agent for agent in crawlers if is_user_agent(agent)]
    lines = [
        "# AI training crawlers: the label's reservation of text and data mining rights for the",
        "# artists and recordings below, generated from the artists' preference register.",
        '# robots.txt cannot say "licensable on terms": those paths are disallowed here too.',
        "# Their licensing policies are linked from /.well-known/tdmrep.json.",
    ]
    if not rules:
        lines.append("# No artist has a reservation recorded.")
    elif not crawlers:
        lines.append("# No AI crawler is listed.")
    else:
        lines += [f"User-agent: {agent}" for agent in crawlers]
        lines += [f"{'Disallow' if r.reservation else 'Allow'}: {r.location}" for r in rules]
    return "\n".join(lines) + "\n"


def generate(
    *,
    states: Mapping[int, ArtistState],
    works: Iterable[tuple[int, str, int]],
    crawlers: list[str],
    artist_path: str,
    work_path: str,
    policy_url: Callable[[int], str],
) -> Generated:
    works = sorted(works)
    rules, skipped = tdmrep_rules(
        states=states,
        works=works,
        artist_path=artist_path,
        work_path=work_path,
        policy_url=policy_url,
    )
    named = {r.policy for r in rules if r.policy}
    policies = {
        str(artist_id): policy_document(
            url=policy_url(artist_id), artist_name=state.name, contact=state.licensing_contact
        )
        for artist_id, state in sorted(states.items())
        if policy_url(artist_id) in named
    }
    artists = dict.fromkeys(Preference.values, 0)
    for state in states.values():
        artists[state.preference] += 1
    summary = {
        "artists": artists,
        "work_exceptions": sum(len(s.works) for s in states.values()),
        "rules": len(rules),
        "crawlers": sum(1 for agent in crawlers if is_user_agent(agent)),
        "crawlers_refused": sum(1 for agent in crawlers if not is_user_agent(agent)),
        **skipped,
    }
    return Generated(
        tdmrep=tdmrep_text(rules),
        robots=robots_text(rules, crawlers),
        policies=policies,
        summary=summary,
    )
