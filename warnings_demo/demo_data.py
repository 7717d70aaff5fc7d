"""Fictional material for the demo register: invented names on the reserved `.example` domain,
so no demo letter can ever reach or describe a real company."""

import random
import re
from typing import TypedDict

NAME_HEADS = [
    "Aurel",
    "Bryn",
    "Calder",
    "Dovel",
    "Ember",
    "Fjor",
    "Galen",
    "Halcy",
    "Istra",
    "Jorvik",
    "Kestrel",
    "Lumen",
    "Mirr",
    "Nobel",
    "Orrin",
    "Pallas",
    "Quill",
    "Rhen",
    "Sable",
    "Tamsin",
    "Ulric",
    "Vesper",
    "Wren",
    "Xanth",
    "Yarrow",
    "Zephyr",
    "Arden",
    "Borealis",
    "Cinder",
    "Delph",
    "Eider",
]
NAME_TAILS = [
    "wave",
    "tone",
    "loop",
    "forge",
    "scale",
    "mind",
    "voice",
    "note",
    "grid",
    "field",
    "works",
    "shift",
    "beam",
    "stack",
    "lyre",
    "pulse",
    "sync",
    "core",
]
NAME_KINDS = ["AI", "Labs", "Audio", "Systems", "Technologies", "Sound", "Intelligence", "Media"]
LEGAL_FORMS = {
    "US": "Inc.",
    "GB": "Ltd",
    "DE": "GmbH",
    "FR": "SAS",
    "NL": "B.V.",
    "SE": "AB",
    "IE": "Ltd",
    "CA": "Inc.",
    "JP": "K.K.",
    "KR": "Co., Ltd.",
    "SG": "Pte. Ltd.",
    "AU": "Pty Ltd",
    "CH": "AG",
    "ES": "S.L.",
    "IT": "S.r.l.",
    "FI": "Oy",
    "DK": "ApS",
    "IL": "Ltd",
    "IN": "Pvt Ltd",
}
COUNTRY_WEIGHTS = {
    "US": 30,
    "GB": 10,
    "DE": 8,
    "FR": 7,
    "NL": 4,
    "SE": 3,
    "IE": 3,
    "CA": 4,
    "JP": 4,
    "KR": 4,
    "SG": 3,
    "AU": 3,
    "CH": 3,
    "ES": 3,
    "IT": 3,
    "FI": 2,
    "DK": 2,
    "IL": 3,
    "IN": 4,
}
CITIES = {
    "US": "Springfield",
    "GB": "Ashford",
    "DE": "Neustadt",
    "FR": "Villeneuve",
    "NL": "Hoorn",
    "SE": "Lund",
    "IE": "Kilmore",
    "CA": "Riverton",
    "JP": "Minato",
    "KR": "Jung-gu",
    "SG": "Singapore",
    "AU": "Newtown",
    "CH": "Oberdorf",
    "ES": "Villanueva",
    "IT": "Borgo",
    "FI": "Kallio",
    "DK": "Nordby",
    "IL": "Ramat",
    "IN": "Nagar",
}
STREETS = ["Harbour", "Mill", "Station", "Orchard", "Market", "Quay", "Foundry", "Chapel"]
SEGMENT_WEIGHTS = {
    "generative_music": 30,
    "foundation_model": 20,
    "voice_cloning": 20,
    "platform": 15,
    "dataset_provider": 10,
    "other": 5,
}
LAW_FIRMS = [
    "Marlowe & Finch LLP",
    "Keane Ostrava Partners",
    "Halvorsen Brandt Rechtsanwälte",
    "Delacroix Avocats",
    "Tanaka Webb LLP",
]
PEOPLE = [
    "Alex Morgan",
    "Sam Riley",
    "Jordan Blake",
    "Robin Hale",
    "Casey Lund",
    "Drew Patel",
    "Kim Sato",
    "Noa Weiss",
    "Lee Hart",
    "Mika Novak",
]
SONG_WORDS = [
    "Midnight",
    "Harbour",
    "Lights",
    "Paper",
    "Northern",
    "Echo",
    "Satellite",
    "Glass",
    "River",
    "Static",
    "Golden",
    "Winter",
    "Signal",
    "Velvet",
    "Ashes",
    "Summer",
]
ARTISTS = [
    "The Lanterns",
    "Mira Vale",
    "Okoro",
    "Juniper Street",
    "Elsa Thorn",
    "Kite Parade",
    "Theo Marsh",
    "Saltwater Choir",
    "Nova Reyes",
    "The Quiet Hours",
]


# Each artist's statements of AI-training preference, oldest first: (days ago, preference,
# licensing contact). Artists not listed have not been asked yet.
PREFERENCE_HISTORY = {
    "The Lanterns": [(120, "undecided", ""), (45, "reserved", "")],
    "Mira Vale": [(90, "reserved", "")],
    "Okoro": [(80, "licensable", "sync@okoro-music.example")],
    "Juniper Street": [(60, "reserved", "")],
    "Elsa Thorn": [(150, "reserved", ""), (20, "licensable", "licensing@northlight.example")],
    "Kite Parade": [(30, "undecided", "")],
    "Theo Marsh": [(10, "reserved", "")],
}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class CompanyRow(TypedDict):
    legal_name: str
    trading_name: str
    domain: str
    country: str  # ISO code
    segment: str
    city: str
    street: str
    postal_code: str
    person: str
    roll: float  # in [0, 1): decides the company's flags and contacts


class WorkRow(TypedDict):
    title: str
    artist: str
    isrc: str
    iswc: str
    release_year: int


def company_rows(count: int, seed: int = 2026) -> list[CompanyRow]:
    """`count` distinct fictional companies, the same list for the same arguments."""
    rng = random.Random(seed)
    rows: list[CompanyRow] = []
    seen: set[str] = set()
    while len(rows) < count:
        base = f"{rng.choice(NAME_HEADS)}{rng.choice(NAME_TAILS)} {rng.choice(NAME_KINDS)}"
        if base in seen:
            base = f"{base} {len(rows) + 1}"
        seen.add(base)
        country = _weighted(rng, COUNTRY_WEIGHTS)
        rows.append(
            {
                "legal_name": f"{base} {LEGAL_FORMS[country]}",
                "trading_name": base,
                "domain": f"{slug(base)}.example",
                "country": country,
                "segment": _weighted(rng, SEGMENT_WEIGHTS),
                "city": CITIES[country],
                "street": f"{rng.randint(1, 240)} {rng.choice(STREETS)} Street",
                "postal_code": f"{rng.randint(10000, 99999)}",
                "person": rng.choice(PEOPLE),
                "roll": rng.random(),
            }
        )
    return rows


def work_rows(count: int, seed: int = 2026) -> list[WorkRow]:
    rng = random.Random(seed + 1)
    rows: list[WorkRow] = []
    for n in range(1, count + 1):
        title = f"{rng.choice(SONG_WORDS)} {rng.choice(SONG_WORDS)}"
        rows.append(
            {
                "title": title,
                "artist": rng.choice(ARTISTS),
                "isrc": f"ZZDMO26{n:05d}",
                "iswc": f"T{9000000000 + n:010d}",
                "release_year": rng.randint(1998, 2025),
            }
        )
    return rows


INITIAL_NOTICE = """Dear Sirs and Madams,

We write on behalf of {{ principal_names }} (together, “our clients”) concerning the sound recordings and musical works listed in the schedule to this letter (the “Works”). Our clients own or exclusively control the copyright and related rights in the Works, including the rights of reproduction, extraction and communication to the public.

<h2>Reservation of rights</h2>

Our clients expressly reserve all rights in the Works against text and data mining, including within the meaning of Article 4(3) of Directive (EU) 2019/790 and of every corresponding provision of national law. That reservation is published in machine-readable form on our clients' websites{% if reservations.published.sha256 %} (the version in force on the date of this letter was published on {{ reservations.published.date }} at {{ reservations.published.url }}, SHA-256 {{ reservations.published.sha256 }}){% endif %} and applies to every copy of the Works, wherever it is hosted.{% if reservations.reserved_artists %} As of {{ reservations.as_of }}, the artists {{ reservations.reserved_artist_names }} have each instructed our clients that their recordings must not be used to train artificial intelligence.{% endif %} No licence has been granted to {{ recipient.legal_name }} or to any company in its group to reproduce, extract or otherwise use the Works to train, fine-tune, evaluate or operate any artificial intelligence model or system.

<h2>Our concern</h2>

We have reason to believe that {{ recipient.legal_name }} may have used the Works, or recordings derived from them, in that way. Outputs of systems offered by {{ recipient.legal_name }} have been observed that closely imitate the Works and the performances on them, and publicly available documentation of those systems describes training data that would include them. If that is so, the use was made without our clients' consent and infringes their rights.

<h2>What we ask of you</h2>

We therefore ask you to reply in writing by {{ notice.response_deadline }}, and in particular:

<ol>
<li>to confirm whether any of the Works, or any copy or extract of them, has been used to train, fine-tune or evaluate any model developed, operated or distributed by {{ recipient.legal_name }}, and if so which Works, which models and when;</li>
<li>to describe the sources from which any such copies were obtained;</li>
<li>to undertake to cease any such use and to delete all copies of the Works held for that purpose, save as necessary to comply with the request below;</li>
<li>to preserve, pending resolution of this matter, all documents and data relating to the acquisition and use of the Works, including training data manifests, logs and model cards; and</li>
<li>to tell us whether {{ recipient.legal_name }} wishes to discuss a licence for the lawful use of our clients' catalogue.</li>
</ol>

<h2>Licensing</h2>

Our clients support the responsible development of artificial intelligence and are open to licensing their catalogue on fair terms. A licence would give {{ recipient.legal_name }} legal certainty, access to high-quality metadata and a direct relationship with the rights holders. If you would like to explore this, please say so in your reply and we will put you in touch with the right people.

<h2>Next steps</h2>

Please quote reference {{ notice.reference }} in your reply and in all further correspondence about this matter. If we do not receive a satisfactory reply by {{ notice.response_deadline }}, our clients will consider all options available to them, which may include proceedings without further notice.

Nothing in this letter is an admission of any kind or a waiver of any right or remedy. This letter is sent without prejudice to all rights and remedies of our clients, all of which are expressly reserved. It is confidential and intended only for its addressee."""

REMINDER = """Dear Sirs and Madams,

On {{ notice.first_sent_date }} we wrote to {{ recipient.legal_name }} on behalf of {{ principal.name }} (our reference {{ notice.reference }}) about the use of the scheduled works to train artificial intelligence models. We have not received your reply.

Please respond by {{ notice.response_deadline }}. Our rights, including the reservation under Article 4(3) of Directive (EU) 2019/790, remain fully reserved."""

FINAL_NOTICE = """Dear Sirs and Madams,

We refer to our letters under reference {{ notice.reference }}, to which {{ recipient.legal_name }} has not responded.

Unless we receive a full reply to our requests by {{ notice.response_deadline }}, {{ principal.name }} intends to instruct litigation counsel without further notice to you. All rights are reserved."""

TEMPLATES = [
    (
        "Initial notice (EN)",
        "initial_notice",
        "Reservation of rights and request for information",
        INITIAL_NOTICE,
    ),
    (
        "Reminder (EN)",
        "reminder",
        "Reminder: reservation of rights and request for information",
        REMINDER,
    ),
    ("Final notice (EN)", "final_notice", "Final notice before legal proceedings", FINAL_NOTICE),
]

USERS = [
    # username, first name, last name, role, staff
    ("legal", "Lena", "Lawson", "Legal", False),
    ("legal2", "Leo", "Lindqvist", "Legal", False),
    ("paralegal", "Pat", "Parker", "Paralegal", False),
    ("manager", "Maya", "Moreau", "Manager", False),
    ("admin", "Ada", "Adams", "Admin", True),
]


def demo_password(username: str) -> str:
    return f"{username}-demo-2026"


# The campaign of the story seed_demo tells (services/demo_story.py); what came back is in
# demo_mail.py.
STORY_CAMPAIGN = "Wave 1: AI music services (demo)"
STORY_DESCRIPTION = (
    "First letters to AI music services whose outputs imitate Northlight recordings: "
    "reservation of rights, request for information and an offer to license."
)
