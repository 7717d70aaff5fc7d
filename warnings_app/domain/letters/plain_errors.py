"""Django's template syntax errors in words a lawyer can act on. Django explains a mistake in its
own terms ("Unexpected end of expression in if tag", "Did you forget to register or load this
tag?"); `plain_syntax_error` turns each message the letter language can produce into a sentence
that names the line and says what to write instead. A message not listed here is shown as Django
wrote it, after the line number, so nothing is ever hidden."""

import re
from collections.abc import Callable

_CLOSERS = {"if": "{% endif %}", "for": "{% endfor %}", "with": "{% endwith %}"}
_CLOSER_OF = {
    "endif": "if",
    "elif": "if",
    "else": "if",
    "endfor": "for",
    "empty": "for",
    "endwith": "with",
    "endcomment": "comment",
}


def _tag(name: str) -> str:
    return "{% " + name + " %}"


def _unclosed(m: re.Match[str]) -> str:
    name = m["tag"]
    closer = _CLOSERS.get(name, _tag("end" + name))
    return f"{_tag(name + ' …')} is opened here but never closed: add {closer} where it should end."


def _stray(m: re.Match[str]) -> str:
    name, expected = m["tag"], m["expected"]
    opener = _CLOSER_OF.get(name)
    if expected:
        # Inside another block: the block that is open must be closed first.
        wanted = [w.strip("'") for w in re.split(r", | or ", expected)]
        end = next((w for w in wanted if w.startswith("end")), "")
        block = _tag(end[3:] + " …") if end else "block"
        return (
            f"{_tag(name)} cannot come here: the {block} before it is still open. Close it "
            f"first{f' with {_tag(end)}' if end else ''}, or move {_tag(name)} after it."
        )
    if opener:
        return (
            f"{_tag(name)} has no {_tag(opener + ' …')} before it to close: remove it, "
            f"or add the {_tag(opener + ' …')} it belongs to."
        )
    return f"{_tag(name)} is not a tag letters can use."


def _arguments(m: re.Match[str]) -> str:
    name, wanted = m["filter"], int(m["wanted"])
    if wanted == 2:
        return (
            f"the filter |{name} needs a value after a colon, e.g. "
            f'|{name}:"…" (check that the quotes are closed).'
        )
    return f"the filter |{name} takes no value: remove the colon and what follows it."


_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _rule(pattern: str, make: Callable[[re.Match[str]], str] | str) -> _Rule:
    if callable(make):
        return re.compile(pattern), make
    text = make

    def fixed(_found: re.Match[str]) -> str:
        return text

    return re.compile(pattern), fixed


_IF_EXAMPLE = "e.g. {% if recipient.via_counsel %} or {% if works_count > 1 %}"
_FOR_EXAMPLE = "{% for work in works %}"

RULES: tuple[_Rule, ...] = (
    _rule(
        r"^Unexpected end of expression in if tag\.$",
        "the condition of this {% if %} or {% elif %} is incomplete: it needs a merge field "
        f"after it, and after any “and”, “or”, “not”, “==” or “in” ({_IF_EXAMPLE}).",
    ),
    _rule(
        r"^Unused '(?P<word>.*)' at end of if expression\.$",
        lambda m: (
            f"the condition of this {{% if %}} has “{m['word']}” left over at its end: join two "
            f"conditions with “and” or “or”, or remove it ({_IF_EXAMPLE})."
        ),
    ),
    _rule(
        r"^Not expecting '(?P<word>.*)' in this position in if tag\.$",
        lambda m: (
            f"“{m['word']}” cannot stand there in this {{% if %}}: put a merge field on each "
            f"side of “and”, “or” and comparisons ({_IF_EXAMPLE})."
        ),
    ),
    _rule(
        r"^Not expecting '(?P<word>.*)' as infix operator in if tag\.$",
        lambda m: (
            f"“{m['word']}” cannot join two things in this {{% if %}}: write “not” before "
            f"a merge field, e.g. {{% if not recipient.via_counsel %}}."
        ),
    ),
    _rule(r"^Unclosed tag on line \d+: '(?P<tag>\w+)'\. Looking for one of: .*\.$", _unclosed),
    _rule(
        r"^Invalid block tag on line \d+: '(?P<tag>\w+)'(?:, expected (?P<expected>.*?))?\. "
        r"Did you forget to register or load this tag\?$",
        _stray,
    ),
    _rule(
        r"^Malformed template tag at line \d+: \"(?P<tag>\w+) .*\"$",
        lambda m: f"{_tag(m['tag'])} takes nothing after its name: write just {_tag(m['tag'])}.",
    ),
    _rule(
        r"^'for' statements should have at least four words: .*$",
        f"this loop is incomplete: write it as {_FOR_EXAMPLE} (a name, “in”, then a list).",
    ),
    _rule(
        r"^'for' statements should use the format 'for x in y': .*$",
        f"this loop must read {_FOR_EXAMPLE}: a name, “in”, then a list.",
    ),
    _rule(
        r"^'for' tag received an invalid argument: .*$",
        f"this loop has a name that cannot be used: write it as {_FOR_EXAMPLE}.",
    ),
    _rule(
        r"^'with' expected at least one variable assignment$",
        "{% with %} needs a name and a value joined by “=”, e.g. "
        "{% with name=recipient.legal_name %}.",
    ),
    _rule(
        r"^'with' received an invalid token: '(?P<word>.*)'$",
        lambda m: (
            f"“{m['word']}” in this {{% with %}} is not of the form name=value, e.g. "
            "{% with name=recipient.legal_name %}."
        ),
    ),
    _rule(
        r"^'firstof' statement requires at least one argument$",
        "{% firstof %} needs at least one merge field after it, e.g. "
        "{% firstof recipient.addressee recipient.legal_name %}.",
    ),
    _rule(
        r"^Empty variable tag on line \d+$",
        "{{ }} is empty: write a merge field inside it, e.g. {{ recipient.legal_name }}, "
        "or remove it.",
    ),
    _rule(
        r"^Variables and attributes may not begin with underscores: '(?P<name>.*)'$",
        lambda m: f"“{m['name']}” is not a merge field: no field name starts with “_”.",
    ),
    _rule(
        r"^Invalid filter: '(?P<filter>.*)'$",
        lambda m: f"|{m['filter']} is not a filter letters can use.",
    ),
    _rule(r"^(?P<filter>\w+) requires (?P<wanted>\d+) arguments, \d+ provided$", _arguments),
    _rule(
        r"^Could not parse the remainder: '(?P<rest>.*)' from '(?P<whole>.*)'$",
        lambda m: (
            f"“{m['rest'].strip()}” after “{m['whole'][: -len(m['rest'])].strip()}” cannot be "
            "read: check the spelling, that quotes are closed, and that filters start with “|”."
        ),
    ),
    _rule(
        r"^Could not find variable at start of (?P<expr>.*)\.$",
        lambda m: f"“{m['expr']}” starts with a filter: put a merge field before the “|”.",
    ),
)


def plain_syntax_error(message: str, line: int | None, *, filters: tuple[str, ...] = ()) -> str:
    """Django's `message` as a plain sentence, starting "Line N: " when the line is known.
    `filters`, the filters letters may use, are listed when an unknown one was written."""
    prefix = f"Line {line}: " if line else ""
    for pattern, make in RULES:
        found = pattern.match(message)
        if found:
            text = prefix + make(found)
            if filters and message.startswith("Invalid filter"):
                text = f"{text[:-1]}; you can use {', '.join('|' + f for f in filters)}."
            return text
    return prefix + message
