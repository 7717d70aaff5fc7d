"""How much work filling in one letter template may take. A template is text a user wrote, run in
the web process (the live and PDF previews) and in workers: loops inside loops over the works, or
{% with %} chains of |join: on their own result, would otherwise grow without limit (30 works
nested four deep is 810,000 iterations; three joins of ten characters make 10^8).

Every render of a body or subject (`language.render_letter_text`) carries a `RenderBudget`: each
loop iteration, each piece of text written and the clock are checked against it as the template
runs, and every filter's result against the output limit; a filter that would build more
(|join) is refused before it builds it. Exceeding any of them raises `LetterTooCostly`, whose
message says what to change. The limits are far above any real letter: the demo's letters with a
30-work schedule use well under 1% of them."""

import functools
import time
from collections.abc import Callable
from typing import Any

from django.template import Context
from django.template.base import Node, TextNode, VariableNode
from django.template.defaultfilters import join
from django.template.defaulttags import FirstOfNode
from django.utils.safestring import SafeString

MAX_LOOP_ITERATIONS = 50_000  # in all the loops of one render together
MAX_OUTPUT_CHARS = 500_000  # written by one render, and the longest value a filter may make
MAX_SECONDS = 5.0  # to fill in one body or subject (the PDF is made afterwards)


class LetterTooCostly(Exception):
    """Filling in the template would take more than the budget allows; the message says why."""


def _too_many_iterations() -> LetterTooCostly:
    return LetterTooCostly(
        f"This template repeats its loops more than {MAX_LOOP_ITERATIONS:,} times in all, so no "
        "letter can be made from it. Look for {% for %} loops inside one another."
    )


def _too_long() -> LetterTooCostly:
    return LetterTooCostly(
        f"This template produces more than {MAX_OUTPUT_CHARS:,} characters, so no letter can be "
        "made from it. Look for loops inside one another, or |join used on its own result."
    )


def _too_slow() -> LetterTooCostly:
    return LetterTooCostly(
        f"This template takes more than {MAX_SECONDS:g} seconds to fill in, so no letter can be "
        "made from it. Look for loops inside one another."
    )


class RenderBudget:
    """What one render may still spend. Not shared between renders or threads."""

    def __init__(self) -> None:
        self.iterations = MAX_LOOP_ITERATIONS
        self.chars = MAX_OUTPUT_CHARS
        self.deadline = time.monotonic() + MAX_SECONDS

    def loop(self) -> None:
        self.iterations -= 1
        if self.iterations < 0:
            raise _too_many_iterations()
        self._clock()

    def wrote(self, text: str) -> str:
        self.chars -= len(text)
        if self.chars < 0:
            raise _too_long()
        self._clock()
        return text

    def _clock(self) -> None:
        if time.monotonic() > self.deadline:
            raise _too_slow()


class BudgetedContext(Context):
    """The render context of a letter: the merge data and the budget it is filled in with."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data, autoescape=True)
        self.budget = RenderBudget()


def _budget(context: Context) -> RenderBudget | None:
    return context.budget if isinstance(context, BudgetedContext) else None


def _charged(context: Context, text: str) -> str:
    budget = _budget(context)
    return budget.wrote(text) if budget is not None else text


# The nodes that write text, as the letter parser builds them (language._LetterParser): the same
# as Django's, except that what they write is charged to the budget.
class CountedText(TextNode):
    def render(self, context: Context) -> SafeString:
        return _charged(context, self.s)  # type: ignore[return-value]

    render_annotated = render  # TextNode's own skips render(); this one must not


class CountedVariable(VariableNode):
    def render(self, context: Context) -> SafeString:
        return _charged(context, super().render(context))  # type: ignore[return-value]


class CountedFirstOf(FirstOfNode):
    def render(self, context: Context) -> str:
        return _charged(context, super().render(context))


class LoopTick(Node):
    """Put first in every {% for %} body: one iteration charged each time round, and the clock."""

    def render(self, context: Context) -> str:
        budget = _budget(context)
        if budget is not None:
            budget.loop()
        return ""


def _join_size(value: Any, separator: Any) -> int:
    """How long |join's result would be (before escaping, which at most multiplies it by 6)."""
    if isinstance(value, str):
        return len(value) + max(len(value) - 1, 0) * len(str(separator))
    if not isinstance(value, list | tuple):
        return 0
    items = sum(len(str(item)) for item in value)
    return items + max(len(value) - 1, 0) * len(str(separator))


def bounded_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` (one of the allowed filters) refusing to make a value longer than the output
    limit: |join is checked before it joins, every filter's result after it is made (no other
    allowed filter makes more than a few times its input)."""

    @functools.wraps(func)
    def bounded(value: Any, *args: Any, **kwargs: Any) -> Any:
        if func is join and args and _join_size(value, args[0]) > MAX_OUTPUT_CHARS:
            raise _too_long()
        result = func(value, *args, **kwargs)
        if isinstance(result, str) and len(result) > MAX_OUTPUT_CHARS:
            raise _too_long()
        return result

    return bounded
