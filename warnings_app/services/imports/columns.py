"""The columns an import file may have. The page, the CSV template and the validator read this."""

import re

REQUIRED = ("legal_name", "country")
COMPANY_COLUMNS = (
    ("legal_name", "Required. The company's legal name."),
    ("aliases", "Other names, separated by “;” or line breaks."),
    ("website", "e.g. https://acme.ai"),
    ("domain", "e.g. acme.ai; taken from the website when empty."),
    ("country", "Required. Two-letter code (DE) or English name (Germany)."),
    ("segment", "Value or label, e.g. generative_music or “Generative music”; default Other."),
    ("parent_domain", "Domain of the parent company, registered or in this file."),
    ("tags", "Separated by “;”, e.g. wave-1; music-ai. Added to existing tags."),
    ("notes", "Free text."),
)
CONTACT_COLUMNS = (
    (
        "contact_role",
        "legal_notices, general or counsel_of_record (or the label); default legal notices.",
    ),
    ("contact_name", "Person or department."),
    ("contact_title", ""),
    ("contact_email", "An e-mail or a postal address (line 1, city, country) is needed."),
    ("contact_phone", "May start with “+”, e.g. +49 30 1234567."),
    ("address_line1", ""),
    ("address_line2", ""),
    ("city", ""),
    ("region", ""),
    ("postal_code", ""),
    ("contact_country", "Two-letter code or English name; needed with a postal address."),
)
ALL_COLUMNS = tuple(name for name, _help in COMPANY_COLUMNS + CONTACT_COLUMNS)
CONTACT_NAMES = tuple(name for name, _help in CONTACT_COLUMNS)


def header_key(text: str) -> str:
    """ " Legal Name " and "legal-name" -> "legal_name"."""
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def template_csv() -> str:
    """The downloadable template: the header and one example row."""
    example = {
        "legal_name": "Acme AI Ltd",
        "aliases": "Acme; Acme Music",
        "website": "https://acme.ai",
        "country": "GB",
        "segment": "generative_music",
        "tags": "wave-1",
        "contact_role": "legal_notices",
        "contact_name": "Legal Department",
        "contact_email": "legal@acme.ai",
        "address_line1": "1 Example Street",
        "city": "London",
        "postal_code": "EC1A 1AA",
        "contact_country": "GB",
    }
    return (
        ",".join(ALL_COLUMNS) + "\r\n" + ",".join(example.get(c, "") for c in ALL_COLUMNS) + "\r\n"
    )
