"""Normal forms used to recognise the same company under different spellings."""

import re
import unicodedata
from urllib.parse import urlsplit

import idna

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")

# Legal-form words that do not distinguish one company from another.
_LEGAL_SUFFIXES = {
    "ab",
    "ag",
    "as",
    "bv",
    "co",
    "company",
    "corp",
    "corporation",
    "gmbh",
    "inc",
    "incorporated",
    "kk",
    "limited",
    "llc",
    "llp",
    "ltd",
    "nv",
    "oy",
    "plc",
    "pte",
    "pty",
    "sa",
    "sarl",
    "sas",
    "se",
    "spa",
    "srl",
}


def normalise_domain(value: str) -> str:
    """ "https://www.Example.AI/about" -> "example.ai". Raises ValueError saying what is wrong."""
    text = value.strip()
    if not text:
        return ""
    if "://" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError as exc:
        raise ValueError(f"“{value}” is not a web address or domain") from exc
    host = host.rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    try:
        # IDNA 2008 with UTS 46 mapping, non-transitional: "straße.de" stays distinct from
        # "strasse.de" (Python's built-in codec would fold them together).
        host = idna.encode(host, uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise ValueError(f"“{value}” is not a valid domain name") from exc
    host = host.lower()
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"“{value}” is not a valid domain name, e.g. example.com")
    if labels[-1].isdigit():
        raise ValueError(f"“{value}” is an IP address, not a domain name")
    if len(host) > 253:
        raise ValueError("a domain name has at most 253 characters")
    return host


def company_name_key(name: str) -> str:
    """ "ACME A.I. Limited" and "Acme AI Ltd" both give "acme ai"."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"(?<=\b[a-zA-Z])\.(?=[a-zA-Z]\b)", "", text)  # A.I. -> AI
    words = re.findall(r"[a-z0-9]+", text.casefold())
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)
