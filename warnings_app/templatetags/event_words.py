"""`{% load event_words %}{% with w=event|words %}{{ w.sentence }}{% endwith %}`: an audit event
in people's words (domain/event_words.py), for any template that lists events."""

from django import template

from warnings_app.domain.event_words import EventWords, event_words
from warnings_app.models import AuditEvent

register = template.Library()


@register.filter
def words(event: AuditEvent) -> EventWords:
    return event_words(event)
