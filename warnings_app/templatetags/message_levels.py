"""Flash messages split by level for base.html: errors go in a role="alert" list that screen
readers announce at once, the rest (success, information, warnings) in a role="status" list."""

from collections.abc import Iterable

from django import template
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message

register = template.Library()


@register.filter
def errors_only(messages: Iterable[Message]) -> list[Message]:
    return [m for m in messages if m.level >= constants.ERROR]


@register.filter
def without_errors(messages: Iterable[Message]) -> list[Message]:
    return [m for m in messages if m.level < constants.ERROR]
