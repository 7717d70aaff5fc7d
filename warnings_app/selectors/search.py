"""One search box for everything a paralegal looks up: notice references, company names,
aliases and domains, contact e-mail addresses, and reply subjects and text. PostgreSQL
full-text search ranks the words; SQLite falls back to plain substring matching. A fixed
number of queries whatever is found."""

import re
from dataclasses import dataclass, field
from typing import TypeVar

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet

from warnings_app.models import Company, Contact, Notice, Response

LIMIT = 20


@dataclass
class Results:
    query: str
    notices: list[Notice] = field(default_factory=list)
    companies: list[Company] = field(default_factory=list)
    replies: list[Response] = field(default_factory=list)

    @property
    def exact(self) -> str:
        """Where to go straight away: the one notice whose reference was typed, or the one
        company found."""
        from django.urls import reverse

        if len(self.notices) == 1 and self.notices[0].reference.lower() == self.query.lower():
            return reverse("notice_detail", args=[self.notices[0].pk])
        if len(self.companies) == 1 and not self.notices and not self.replies:
            return reverse("company_detail", args=[self.companies[0].pk])
        return ""


_M = TypeVar("_M", Company, Response)  # the models searched by text


def _full_text(qs: QuerySet[_M], fields: list[str], text: str) -> QuerySet[_M]:
    if connection.vendor != "postgresql":
        words = text.split()[:8]
        condition = Q()
        for word in words:
            any_field = Q()
            for name in fields:
                any_field |= Q(**{f"{name}__icontains": word})
            condition &= any_field
        return qs.filter(condition)
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    vector = SearchVector(*fields, config="simple")
    query = SearchQuery(text, search_type="websearch", config="simple")
    return (
        qs.annotate(document=vector, rank=SearchRank(vector, query))
        .filter(document=query)  # the @@ match: a rank alone is never exactly zero
        .order_by("-rank", "-pk")
    )


def search(text: str) -> Results:
    text = " ".join(text.split())[:200]
    results = Results(query=text)
    if len(text) < 2:
        return results
    prefix = re.escape(settings.NOTICE_REFERENCE_PREFIX)
    if re.fullmatch(rf"{prefix}-\d{{4}}-\d{{1,6}}", text, re.IGNORECASE):
        results.notices = list(
            Notice.objects.filter(reference__istartswith=text).select_related("company")[:LIMIT]
        )
        return results
    by_text = _full_text(Company.objects.all(), ["legal_name", "aliases", "domain"], text)
    # Domains are stored normalised (lower case), so an exact match uses the index.
    by_address = Q(domain=text.lower()) | Q(
        pk__in=Contact.objects.filter(email__iexact=text).values("company_id")
    )
    if "@" in text:
        by_address |= Q(domain=text.rpartition("@")[2].lower())
    direct = Company.objects.filter(by_address)
    companies = list(direct[:LIMIT])
    seen = {c.pk for c in companies}
    companies += [c for c in by_text[: LIMIT * 2] if c.pk not in seen]
    results.companies = companies[:LIMIT]
    replies = _full_text(
        # Only what the results list shows: reply bodies can be long.
        Response.objects.select_related("notice").only(
            "subject", "sender", "received_at", "notice__reference"
        ),
        ["subject", "body_text", "sender"],
        text,
    )
    results.replies = list(replies[:LIMIT])
    return results
