"""Choosing the text encoding of an uploaded CSV file without ever guessing wrong silently.

Order: a byte-order mark decides; then strict UTF-8 (non-ASCII text that is not UTF-8 almost
never decodes as UTF-8 by accident); then the single-byte encodings spreadsheets are saved in
here (Windows-1252/Latin-1, Windows-1250, Windows-1251). A single-byte candidate counts only if
its text is plausible: no control characters, no word mixing Latin and Cyrillic letters, and
mostly-ASCII Latin words (Cyrillic text read as Windows-1252 becomes words made only of accented
letters). If the plausible candidates disagree and Windows-1252 gives letters rare in Western
European names, we do not pick one: the caller asks the user, listing the candidates.

charset-normalizer was tried first; on files of a few short company names it named cp775 for
plain Latin-1 German, so it is not used for the decision.
"""

import codecs
import unicodedata
from dataclasses import dataclass, field

SINGLE_BYTE = ("cp1252", "cp1250", "cp1251")
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (with BOM)",
    "utf-16": "UTF-16",
    "utf-32": "UTF-32",
    "cp1252": "Windows-1252 / Latin-1 (Western European)",
    "cp1250": "Windows-1250 (Central European)",
    "cp1251": "Windows-1251 (Cyrillic)",
}
# Non-ASCII punctuation ordinary in names, addresses and notes.
_COMMON_MARKS = set("€‚„…–—‘’“”•«»°§£¥©®™·\xa0¿¡´")
# Letters Windows-1252 yields that Western European company names rarely use; bytes from a
# Central European file read as Windows-1252 turn into these (ř -> ø, ů -> ù, ě -> ì).
_RARE_WESTERN = set("øØåÅæÆðÐþÞìÌòÒýÝãÃõÕ")


class EncodingUnknown(Exception):
    """The bytes could be read several ways (or none): the user must say which."""

    def __init__(self, message: str, candidates: list[str]):
        super().__init__(message)
        self.candidates = candidates


@dataclass
class Decoded:
    text: str
    encoding: str
    notes: list[str] = field(default_factory=list)


def decode(data: bytes, encoding: str = "") -> Decoded:
    """The file's text. With `encoding` given, exactly that (a wrong choice is an error, never
    replacement characters); without, detected as described above or EncodingUnknown."""
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError as exc:
            raise EncodingUnknown(f"“{encoding}” is not an encoding we know.", []) from exc
        if codec in ("utf-8", "utf_8") and data.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"
        try:
            return Decoded(data.decode(codec), codec)
        except UnicodeDecodeError as exc:
            raise EncodingUnknown(
                f"The file is not valid {LABELS.get(codec, codec)}: byte {exc.start + 1} "
                f"(0x{data[exc.start]:02x}) cannot be read that way.",
                _decodable(data),
            ) from exc
    for bom, codec in BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(codec), codec)
            except UnicodeDecodeError as exc:
                raise EncodingUnknown(
                    f"The file starts with a {LABELS[codec]} byte-order mark but is not valid "
                    f"{LABELS[codec]} after it.",
                    [],
                ) from exc
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    return _single_byte(data)


def _decodable(data: bytes) -> list[str]:
    found = []
    for codec in SINGLE_BYTE:
        try:
            data.decode(codec)
        except UnicodeDecodeError:
            continue
        found.append(codec)
    return found


def _single_byte(data: bytes) -> Decoded:
    if data.count(0) > len(data) // 4:
        raise EncodingUnknown(
            "The file has many NUL bytes: it may be UTF-16 saved without a byte-order mark, or "
            "not a text file at all. Save it as UTF-8 CSV or choose the encoding.",
            ["utf-16-le", "utf-16-be"],
        )
    texts = {}
    for codec in SINGLE_BYTE:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _plausible(text):
            texts[codec] = text
    if not texts:
        raise EncodingUnknown(
            "The file is not UTF-8 and does not read as plausible text in Windows-1252, "
            "Windows-1250 or Windows-1251. Save it as UTF-8 CSV or choose the encoding.",
            _decodable(data),
        )
    distinct = set(texts.values())
    if len(distinct) == 1:
        codec = next(iter(texts))
        return Decoded(texts[codec], codec)
    western = texts.get("cp1252")
    if western is not None and not any(ch in _RARE_WESTERN for ch in western):
        return Decoded(western, "cp1252")
    names = ", ".join(LABELS[c] for c in texts)
    raise EncodingUnknown(
        f"The file is not UTF-8, and it reads differently as {names}. Choose the encoding it was "
        "saved in; nothing was imported.",
        list(texts),
    )


def _script(ch: str) -> str:
    try:
        return unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return ""


def _plausible(text: str) -> bool:
    """Text a person typed into a spreadsheet in this encoding, not bytes read the wrong way."""
    latin_letters = accented = 0
    for word in _words(text):
        scripts = {"LATIN" if ch.isascii() else _script(ch) for ch in word}
        if len(scripts) > 1:
            return False  # "Mьller": a Cyrillic letter inside a Latin word
        if "LATIN" in scripts and not word.isascii():
            latin_letters += len(word)
            accented += sum(1 for ch in word if not ch.isascii())
    if latin_letters and accented / latin_letters > 0.5:
        return False  # "ÎÎÎ Çâóêîçàïèñü": Cyrillic bytes read as Windows-1252
    for ch in text:
        if ch.isascii() or ch.isalpha() or ch in _COMMON_MARKS:
            if ch.isascii() and not ch.isprintable() and ch not in "\t\r\n\x00":
                return False
            continue
        if unicodedata.category(ch).startswith("C"):
            return False  # C1 controls: Latin-1 reading of Windows-1252 bytes, or binary
    return True


def _words(text: str) -> list[str]:
    words, current = [], []
    for ch in text:
        if ch.isalpha():
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words
