"""What an artist tells us, before it is recorded: the instruction as received (a letter, an
e-mail, a signed form, or the confirmation of a private link) and the choice made on the link's
page. Services record them (services/preferences.py, services/artist_links.py); forms build them."""

import hashlib
from dataclasses import dataclass

from warnings_app.domain import uploads

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
