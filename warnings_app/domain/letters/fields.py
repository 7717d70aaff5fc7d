"""The merge-field catalogue: the only names a letter template may use. Every value is plain
data (strings, numbers, booleans, lists and dicts of those), never a model instance, so a
template cannot reach anything the catalogue does not list."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Field:
    help: str


@dataclass(frozen=True)
class Group:
    help: str
    fields: dict[str, "Field | Group | ListOf"] = field(default_factory=dict)


@dataclass(frozen=True)
class ListOf:
    help: str
    item: "Field | Group"


ADDRESS: dict[str, Field | Group | ListOf] = {
    "address_lines": ListOf("Postal address, one line each", Field("One address line")),
    "address_block": Field("Postal address as one block; use with |linebreaksbr"),
}
PRINCIPAL = Group(
    "A rights holder the letter is sent for",
    {
        "name": Field("Name, e.g. Northlight Records"),
        "legal_name": Field("Registered legal name"),
        "kind": Field("Record label, Music publisher or Artist"),
        "email": Field("E-mail address"),
        "website": Field("Website"),
        **ADDRESS,
    },
)
WORK = Group(
    "A work at issue",
    {
        "number": Field("Its number in the schedule (1, 2, 3 …)"),
        "title": Field("Title"),
        "artist": Field("Artist"),
        "isrc": Field("ISRC of the recording"),
        "iswc": Field("ISWC of the composition"),
        "release_year": Field("Year of release"),
        "ai_preference": Field(
            "The artist's AI-training preference for it on the letter's date, e.g. Reserved "
            "(no AI training)"
        ),
        "ai_preference_since": Field("Date since which it has held that preference"),
    },
)
RESERVATION_ARTIST = Group(
    "An artist in the preference register",
    {
        "name": Field("Artist name"),
        "since": Field("Date since which the preference has held"),
        "licensing_contact": Field("Who to ask for a licence (licensable artists)"),
    },
)
RESERVATIONS = Group(
    "The artists' AI-training preferences on the letter's date, for the rights holders the "
    "letter is sent for, and the machine-readable reservation published then",
    {
        "as_of": Field("The date the preferences are stated for (the letter's date)"),
        "reserved_artists": ListOf("Artists who reserve their works", RESERVATION_ARTIST),
        "reserved_artist_names": Field("Their names, e.g. “A, B and C”"),
        "licensable_artists": ListOf(
            "Artists whose works are licensable for AI training on terms", RESERVATION_ARTIST
        ),
        "undecided_artists": ListOf("Artists who have not decided", RESERVATION_ARTIST),
        "reserved_works_count": Field("How many scheduled works are reserved"),
        "published": Group(
            "The published reservation (tdmrep.json) in force on the letter's date; empty "
            "when none had been published",
            {
                "version": Field("Version number"),
                "date": Field("Date it was published"),
                "sha256": Field("SHA-256 of the published tdmrep.json"),
                "url": Field("Where it is published"),
            },
        ),
    },
)

CATALOGUE = Group(
    "Merge fields",
    {
        "recipient": Group(
            "The company the letter is addressed to",
            {
                "legal_name": Field("Registered legal name"),
                "trading_names": Field("Other names, comma-separated"),
                "domain": Field("Web domain, e.g. example.ai"),
                "country": Field("Country name"),
                "country_code": Field("ISO country code, e.g. DE"),
                "addressee": Field("Who the letter is for: the contact's name or department"),
                "addressee_title": Field("The contact's title"),
                "organisation": Field("The firm, when the letter goes to counsel of record"),
                "email": Field("E-mail address the letter is sent to"),
                "via_counsel": Field(
                    "True when the letter goes to the company's counsel of record"
                ),
                "licence_status": Field(
                    "The company's licence on the letter's date, e.g. Licensed for training "
                    "only, or Not licensed"
                ),
                "licensed_uses": Field(
                    "The uses it is licensed for on the letter's date, e.g. training and "
                    "evaluation (empty when not licensed)"
                ),
                **ADDRESS,
            },
        ),
        "principal": PRINCIPAL,
        "principals": ListOf("All rights holders the letter is sent for", PRINCIPAL),
        "principal_names": Field("All rights holders' names, e.g. “A and B”"),
        "works": ListOf("The works at issue, in schedule order", WORK),
        "works_count": Field("How many works are scheduled"),
        "reservations": RESERVATIONS,
        "notice": Group(
            "This letter",
            {
                "reference": Field("Reference number, e.g. WN-2026-000123"),
                "date": Field("Date of the letter, e.g. 16 May 2026"),
                "response_deadline": Field("Date by which a reply is due"),
                "response_window_days": Field("Business days given to reply"),
                "deadline_explanation": Field("How the deadline was computed"),
                "first_sent_date": Field("Date the first letter of this series was sent"),
                "template_version": Field("Template name and version, e.g. Initial notice v3"),
            },
        ),
        "signatory": Group(
            "The person signing",
            {
                "name": Field("Name"),
                "title": Field("Title, e.g. General Counsel"),
                "organisation": Field("Organisation signing"),
            },
        ),
        "campaign": Group(
            "The campaign the letter belongs to (empty for a single letter)",
            {
                "name": Field("Campaign name"),
                "description": Field("Campaign description"),
            },
        ),
        "licence": Group(
            "The licence the letter is about (empty for other letters)",
            {
                "reference": Field("Licence reference, e.g. LIC-2026-0007"),
                "uses": Field("What it grants, e.g. Licensed for training only"),
                "starts_on": Field("Date it began"),
                "ends_on": Field("Date it ends"),
                "findings": ListOf(
                    "What the licensee's usage reports showed that the licence does not allow",
                    Group(
                        "A usage finding",
                        {
                            "kind": Field("What it is, e.g. Use not granted"),
                            "detail": Field("What the report showed"),
                            "line": Field("The report's row it was found on"),
                        },
                    ),
                ),
            },
        ),
    },
)

# Names a {% for %} loop makes available inside its body.
FORLOOP = Group(
    "The current loop",
    {
        "counter": Field("1, 2, 3 …"),
        "counter0": Field("0, 1, 2 …"),
        "first": Field("True on the first item"),
        "last": Field("True on the last item"),
    },
)
