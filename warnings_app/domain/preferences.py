"""What an artist tells us, before it is recorded: the instruction as received (a letter, an
e-mail, a signed form, or the confirmation of a private link) and the choice made on the link's
page. Services record them (services/preferences.py, services/artist_links.py); forms build them."""

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from warnings_app.domain import uploads

if TYPE_CHECKING:
    from warnings_app.models import Artist

SAME = "same"  # a work that follows the artist's overall preference

INSTRUCTION_KINDS = frozenset(
    {uploads.PDF, uploads.PNG, uploads.JPEG, uploads.TEXT, uploads.EML, uploads.DOCX}
)


@dataclass(frozen=True)
class Instruction:
    """The artist's instruction as received: a letter, an e-mail, a signed form. `generated`
    marks a plain-text document this system wrote itself (an artist's confirmation through a
    link): it is stored as text without the upload gate, which would refuse a work title or a
    browser string that merely looks like markup."""

    content: bytes
    filename: str
    generated: bool = False

    def checked(self) -> uploads.Checked:
        if not self.generated:
            return uploads.check(self.content, name=self.filename, allowed=INSTRUCTION_KINDS)
        return uploads.Checked(
            kind=uploads.TEXT,
            content_type=uploads.CONTENT_TYPES[uploads.TEXT],
            extension=uploads.EXTENSIONS[uploads.TEXT],
            size=len(self.content),
            sha256=hashlib.sha256(self.content).hexdigest(),
        )


@dataclass(frozen=True)
class Choice:
    """What the artist confirmed on the page, checked by the form."""

    preference: str
    licensing_contact: str
    works: dict[int, str]  # work id -> preference, only works that differ from `preference`
    name: str
    email: str

    @property
    def confirmed_by(self) -> str:
        return f"{self.name} <{self.email}>"


# Whoever holds an artist's private link records that artist's preference, so it goes to an
# address the register already holds for them. Granted to the Legal group by migration 0021: a
# lawyer may send it elsewhere (a new inbox the artist named), and the audit says so.
LINK_ANY_ADDRESS_PERMISSION = "warnings_app.send_link_to_any_address"


def addresses_on_record(artist: "Artist") -> dict[str, str]:
    """The artist's and their manager's stored addresses, those that are set."""
    pairs = (("artist", artist.email), ("manager", artist.manager_email))
    return {whose: address.strip() for whose, address in pairs if address.strip()}


def recipient_on_record(artist: "Artist", address: str) -> bool:
    """Whether `address` is one the register holds for the artist (letter case aside)."""
    wanted = address.strip().casefold()
    return any(wanted == stored.casefold() for stored in addresses_on_record(artist).values())


def recipient_refusal(artist: "Artist") -> str:
    """Why a link to another address is refused, naming the addresses that may be used."""
    stored = addresses_on_record(artist)
    named = [
        f"the artist's address ({stored['artist']})" if "artist" in stored else "",
        f"their manager's ({stored['manager']})" if "manager" in stored else "",
    ]
    if not stored:
        where = "the register holds no address for this artist or their manager yet"
    else:
        where = "it can go only to " + " or ".join(filter(None, named))
    return (
        f"A private link goes to an address on record: {where}. Correct the artist's entry, "
        "or ask a lawyer to send it to another address."
    )
