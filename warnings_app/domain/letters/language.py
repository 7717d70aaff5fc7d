"""The restricted template language of letters: Django's template language through an engine of
our own, with a short list of tags and filters, no loading, no includes, autoescape on, and only
the merge fields of the catalogue. `template_problems` is run whenever a version is saved.

Quoted text inside a tag ({{ "…" }}, {% firstof "…" %}, |default:"…") must be plain text
(`plain_text_problem`), and is escaped when rendered anyway: Django marks such literals safe,
so a version stored before the check could otherwise put markup into the letter."""

import html
from html.parser import HTMLParser
from typing import Any

from django.template import (
    Engine,
    Library,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.template.base import (
    DebugLexer,
    FilterExpression,
    Lexer,
    Node,
    NodeList,
    Parser,
    Template,
    TextNode,
    Token,
    TokenType,
    Variable,
    VariableNode,
)
from django.template.defaulttags import CommentNode, FirstOfNode, ForNode, IfNode, WithNode
from django.utils.html import escape

from warnings_app.domain.letters.bounds import (
    BudgetedContext,
    CountedFirstOf,
    CountedText,
    CountedVariable,
    LoopTick,
    bounded_filter,
)
from warnings_app.domain.letters.fields import CATALOGUE, FORLOOP, Field, Group, ListOf
from warnings_app.domain.letters.plain_errors import plain_syntax_error

MAX_BODY_CHARS = 50_000
PLAIN_TEXT_MAX = 200  # quoted text inside a tag: a fallback word or a separator, not a paragraph
_NOT_PLAIN = frozenset("<>&\"'`")
ALLOWED_TAGS = ("if", "for", "with", "firstof", "comment")
_CLOSING = {"elif", "else", "endif", "empty", "endfor", "endwith", "endcomment"}
ALLOWED_FILTERS = (
    "capfirst",
    "default",
    "default_if_none",
    "first",
    "join",
    "last",
    "length",
    "linebreaks",
    "linebreaksbr",
    "lower",
    "pluralize",
    "title",
    "truncatewords",
    "upper",
    "yesno",
)
# Formatting a lawyer may use in a body; no attributes at all, so no links, images or styles.
ALLOWED_HTML = (
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "ol",
    "ul",
    "li",
    "h2",
    "h3",
    "blockquote",
    "hr",
    "small",
)


def _library() -> Library:
    library = Library()
    for name in ALLOWED_TAGS:
        library.tags[name] = defaulttags.register.tags[name]
    for name in ALLOWED_FILTERS:
        library.filters[name] = bounded_filter(defaultfilters.register.filters[name])
    return library


# debug=True only keeps line numbers on nodes and errors; nothing is loaded from disk (no loaders).
_ENGINE = Engine(debug=True, loaders=[], libraries={}, autoescape=True, string_if_invalid="")
_ENGINE.template_builtins = [_library()]


def plain_text_problem(text: str) -> str | None:
    """The rule for quoted text inside a tag: at most PLAIN_TEXT_MAX characters, with no
    character that is markup in HTML (<, >, &), no quotes and no line breaks or other control
    characters. None when `text` is plain text."""
    if (
        len(text) > PLAIN_TEXT_MAX
        or any(c in _NOT_PLAIN for c in text)
        or any(ord(c) < 32 or ord(c) == 127 for c in text)
    ):
        shown = text if len(text) <= 40 else text[:40] + "…"
        return (
            f"the quoted text “{shown}” is not plain text: quoted text in a tag is at most "
            f"{PLAIN_TEXT_MAX} characters, without <, >, &, quotes or line breaks. Write "
            "formatting and longer wording in the letter's text, outside {{ }} and {% %}."
        )
    return None


class _LetterParser(Parser):
    """Django's parser, except that quoted text in a tag is not trusted: Django marks it safe
    (so autoescape would leave it alone); here it is escaped like any merge value."""

    def compile_filter(self, token: str) -> FilterExpression:
        expression = super().compile_filter(token)
        if isinstance(expression.var, str):
            # A plain str again (slicing drops the safe mark): autoescape escapes it on output.
            expression.var = expression.var[:]
        # A filter's literal argument is marked safe again when the filter runs: escape it now.
        expression.filters = [
            (func, [(is_var, _escaped_literal(arg, is_var)) for is_var, arg in args])
            for func, args in expression.filters
        ]
        return expression

    def extend_nodelist(self, nodelist: NodeList, node: Node, token: Token) -> None:
        # The nodes that write text are built as their counted kind, and every loop body starts
        # with a tick: what a render writes and how often it loops are charged to its budget.
        if type(node) is TextNode:
            node = CountedText(node.s)
        elif type(node) is VariableNode:
            node = CountedVariable(node.filter_expression)
        elif type(node) is FirstOfNode:
            node = CountedFirstOf(node.vars, node.asvar)
        super().extend_nodelist(nodelist, node, token)
        if isinstance(node, ForNode):
            tick = LoopTick()
            tick.token, tick.origin = token, node.origin  # as every node has, for errors
            node.nodelist_loop.insert(0, tick)  # type: ignore[arg-type]  # the stubs say str


def _escaped_literal(arg: Any, is_var: bool) -> Any:
    return escape(arg) if not is_var and isinstance(arg, str) else arg


class _LetterTemplate(Template):
    """A template compiled with `_LetterParser` (Django's own compile step, other parser)."""

    def compile_nodelist(self) -> NodeList:
        parser = _LetterParser(
            DebugLexer(self.source).tokenize(),
            self.engine.template_libraries,
            self.engine.template_builtins,
            self.origin,
        )
        try:
            nodelist = parser.parse()
        except Exception as exc:
            # As Template.compile_nodelist does: the error carries its line for the message.
            info = self.get_exception_info(exc, exc.token)  # type: ignore[attr-defined]
            exc.template_debug = info  # type: ignore[attr-defined]
            raise
        self.extra_data = parser.extra_data
        return nodelist


def _compiled(source: str) -> Template:
    return _LetterTemplate(source, engine=_ENGINE)


def render_letter_text(source: str, data: dict[str, Any]) -> str:
    """Render a checked body or subject with merge data. Values, and quoted text in tags, are
    escaped (autoescape)."""
    return _compiled(source).render(BudgetedContext(data))


def template_problems(
    source: str, *, allow_html: bool, max_chars: int = MAX_BODY_CHARS
) -> list[str]:
    """Everything wrong with a template, each as a sentence a lawyer can act on. Empty if fine."""
    if len(source) > max_chars:
        return [f"The text is {len(source):,} characters long; the limit is {max_chars:,}."]
    if "\x00" in source:
        return ["The text contains a NUL character; paste it again from a clean source."]
    tokens = Lexer(source).tokenize()
    problems = _tag_problems(tokens)
    if problems:
        return problems
    try:
        template = _compiled(source)
    except TemplateSyntaxError as exc:
        line = getattr(exc, "template_debug", {}).get("line")
        return [plain_syntax_error(str(exc), line, filters=ALLOWED_FILTERS)]
    _check_nodes(template.nodelist, dict(CATALOGUE.fields), problems)
    problems.extend(_html_problems(tokens, allow_html=allow_html))
    return problems


def _tag_problems(tokens: list[Token]) -> list[str]:
    problems = []
    for token in tokens:
        if token.token_type == TokenType.TEXT:
            problems.extend(_unclosed_braces(token))
        if token.token_type != TokenType.BLOCK:
            continue
        name = token.contents.split()[0] if token.contents.split() else ""
        if not name:
            problems.append(
                f"Line {token.lineno}: {{% %}} is empty: write a tag inside it, e.g. "
                "{% if recipient.via_counsel %}, or remove it."
            )
        elif name not in ALLOWED_TAGS and name not in _CLOSING:
            problems.append(
                f"Line {token.lineno}: {{% {name} %}} is not allowed in letters; the tags you "
                f"can use are {', '.join(ALLOWED_TAGS)}."
            )
    return problems


def _unclosed_braces(token: Token) -> list[str]:
    """Text that opens {{ or {% without closing it on the same line is shown as typed in the
    letter, which is never what was meant."""
    problems = []
    for opener, closer in (("{{", "}}"), ("{%", "%}")):
        at = token.contents.find(opener)
        if at >= 0:
            line = (token.lineno or 1) + token.contents.count("\n", 0, at)
            problems.append(
                f"Line {line}: “{opener}” is opened but not closed with “{closer}” on the same "
                f"line, so it would be printed in the letter as typed. Close it, or remove it."
            )
    return problems


def _html_problems(tokens: list[Token], *, allow_html: bool) -> list[str]:
    # Check the literal text only; merge values are escaped when rendered.
    text = "".join(
        t.contents if t.token_type == TokenType.TEXT else "x" + "\n" * t.contents.count("\n")
        for t in tokens
    )
    checker = _HtmlChecker(allow_html=allow_html)
    checker.feed(text)
    checker.close()
    return checker.problems


class _HtmlChecker(HTMLParser):
    def __init__(self, *, allow_html: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.allow_html = allow_html
        self.problems: list[str] = []

    def _refuse(self, message: str) -> None:
        self.problems.append(f"Line {self.getpos()[0]}: {message}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.allow_html:
            self._refuse(f"<{tag}> — markup is not allowed here.")
        elif tag not in ALLOWED_HTML:
            self._refuse(
                f"<{tag}> is not allowed in letters; you can use "
                f"{', '.join(f'<{t}>' for t in ALLOWED_HTML)} without attributes."
            )
        elif attrs:
            names = ", ".join(name for name, _ in attrs)
            self._refuse(
                f"<{tag}> may not have attributes ({names}): links, images, styles and "
                "scripts cannot be part of a letter."
            )

    handle_startendtag = handle_starttag

    def handle_comment(self, data: str) -> None:
        self._refuse("HTML comments are not allowed; use {% comment %} … {% endcomment %}.")

    def handle_decl(self, decl: str) -> None:
        self._refuse(f"<!{decl}> is not allowed in letters.")

    def handle_pi(self, data: str) -> None:
        self._refuse("processing instructions are not allowed in letters.")

    def unknown_decl(self, data: str) -> None:
        self.handle_decl(data)


Spec = Field | Group | ListOf


def _line(node: Any) -> str:
    token = getattr(node, "token", None)
    return f"Line {token.lineno}: " if token is not None else ""


def _check_nodes(nodelist: Any, scope: dict[str, Spec], problems: list[str]) -> None:
    for node in nodelist:
        if isinstance(node, TextNode | CommentNode | LoopTick):
            continue
        if isinstance(node, VariableNode):
            _check_expression(node.filter_expression, scope, problems, node)
        elif isinstance(node, IfNode):
            for condition, nodes in node.conditions_nodelists:
                if condition is not None:
                    _check_condition(condition, scope, problems, node)
                _check_nodes(nodes, scope, problems)
        elif isinstance(node, ForNode):
            _check_for(node, scope, problems)
        elif isinstance(node, WithNode):
            inner = dict(scope)
            for name, expression in node.extra_context.items():
                inner[name] = _check_expression(expression, scope, problems, node) or Field("")
            _check_nodes(node.nodelist, inner, problems)
        elif isinstance(node, FirstOfNode):
            for expression in node.vars:
                _check_expression(expression, scope, problems, node)
        else:
            problems.append(f"{_line(node)}this construct is not allowed in letters.")


def _check_for(node: ForNode, scope: dict[str, Spec], problems: list[str]) -> None:
    sequence = node.sequence
    # {% for %} always compiles its sequence into a FilterExpression; the stubs also allow a str.
    if isinstance(sequence, FilterExpression):
        spec, text = _check_expression(sequence, scope, problems, node), sequence.token
        looped = isinstance(sequence.var, Variable) and sequence.var.lookups
    else:
        spec, text, looped = None, sequence, False
    inner = {**scope, "forloop": FORLOOP}
    # Only the catalogue's lists can be looped over: not quoted text, a number or a single field.
    if not looped or (spec is not None and not isinstance(spec, ListOf)):
        problems.append(f"{_line(node)}“{text}” is not a list, so it cannot be looped over.")
    item = spec.item if isinstance(spec, ListOf) else Field("")
    for name in node.loopvars:
        inner[name] = item if len(node.loopvars) == 1 else Field("")
    _check_nodes(node.nodelist_loop, inner, problems)
    _check_nodes(node.nodelist_empty, scope, problems)


def _check_condition(
    condition: Any, scope: dict[str, Spec], problems: list[str], node: Any
) -> None:
    if isinstance(getattr(condition, "value", None), FilterExpression):
        _check_expression(condition.value, scope, problems, node)
    for part in ("first", "second"):
        if getattr(condition, part, None) is not None:
            _check_condition(getattr(condition, part), scope, problems, node)


def _check_expression(
    expression: FilterExpression, scope: dict[str, Spec], problems: list[str], node: Any
) -> Spec | None:
    spec = None
    literals = [expression.var] if isinstance(expression.var, str) else []
    if isinstance(expression.var, Variable) and expression.var.lookups:
        spec = _resolve(expression.var.lookups, scope, problems, node)
    for _func, args in expression.filters:
        for is_variable, arg in args:
            if is_variable and isinstance(arg, Variable) and arg.lookups:
                _resolve(arg.lookups, scope, problems, node)
            elif not is_variable and isinstance(arg, str):
                literals.append(html.unescape(arg))  # the parser escaped it; check what was typed
    for literal in literals:
        if problem := plain_text_problem(literal):
            problems.append(f"{_line(node)}{problem}")
    return spec


def _resolve(
    lookups: tuple[str, ...], scope: dict[str, Spec], problems: list[str], node: Any
) -> Spec | None:
    name = lookups[0]
    if name not in scope:
        known = ", ".join(sorted(scope))
        problems.append(f"{_line(node)}“{name}” is not a merge field. Known fields: {known}.")
        return None
    spec, path = scope[name], name
    for part in lookups[1:]:
        if isinstance(spec, Group) and part in spec.fields:
            spec = spec.fields[part]
        elif isinstance(spec, ListOf) and part.isdigit():
            spec = spec.item
        else:
            if isinstance(spec, Group):
                known = ", ".join(sorted(spec.fields))
                problems.append(
                    f"{_line(node)}“{path}.{part}” is not a merge field. Fields of {path}: {known}."
                )
            else:
                problems.append(f"{_line(node)}“{path}” has no part “{part}”.")
            return None
        path = f"{path}.{part}"
    return spec
