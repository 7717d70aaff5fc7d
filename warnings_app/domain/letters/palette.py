"""The merge-field palette beside the template editor, read from the catalogue (fields.py) that
the validator checks against: a field appears here exactly when a letter may use it. Each entry
carries the text to insert: {{ name }} for a field, a whole {% for %} loop for a list, and for a
field of a list's items the {{ name }} to write inside that loop."""

from dataclasses import dataclass

from warnings_app.domain.letters.fields import CATALOGUE, Field, Group, ListOf


@dataclass(frozen=True)
class PaletteEntry:
    name: str  # as written in the template, e.g. recipient.legal_name or work.title
    snippet: str  # what "Insert" puts at the cursor
    help: str
    inside: str = ""  # the loop it must be written in, e.g. {% for work in works %}


@dataclass(frozen=True)
class PaletteSection:
    title: str  # the top-level name, e.g. recipient
    help: str
    entries: tuple[PaletteEntry, ...]


def loop_name(list_name: str) -> str:
    """The name a list's item goes by in its loop: works -> work, address_lines -> address_line."""
    last = list_name.rsplit(".", 1)[-1]
    return last[:-1] if last.endswith("s") and len(last) > 1 else f"{last}_item"


def _variable(path: str) -> str:
    return "{{ " + path + " }}"


def _loop(path: str, item: Field | Group) -> str:
    name = loop_name(path)
    if isinstance(item, Group):
        first = next(iter(item.fields))
        body = _variable(f"{name}.{first}")
    else:
        body = _variable(name)
    return f"{{% for {name} in {path} %}}\n{body}\n{{% endfor %}}"


def _entries(spec: Field | Group | ListOf, path: str, inside: str) -> list[PaletteEntry]:
    if isinstance(spec, Group):
        found: list[PaletteEntry] = []
        for name, part in spec.fields.items():
            found.extend(_entries(part, f"{path}.{name}", inside))
        return found
    if isinstance(spec, ListOf):
        entry = PaletteEntry(path, _loop(path, spec.item), f"{spec.help} (a list)", inside)
        loop = f"{{% for {loop_name(path)} in {path} %}}"
        return [entry, *_entries(spec.item, loop_name(path), loop)]
    return [PaletteEntry(path, _variable(path), spec.help, inside)]


def palette_sections() -> list[PaletteSection]:
    """One section per top-level name of the catalogue, in the catalogue's order."""
    sections = []
    for name, spec in CATALOGUE.fields.items():
        sections.append(PaletteSection(name, spec.help, tuple(_entries(spec, name, ""))))
    return sections
