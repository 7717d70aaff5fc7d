"""Reads shared by pages, the API and dashboards. Each keeps its query count independent of the
number of rows."""

import contextlib
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from warnings_app.domain.licences import licensed_company, licensed_uses, uses_phrase
from warnings_app.domain.normalise import company_name_key, normalise_domain
from warnings_app.models import Company, Contact, LicenceMatter, Notice, Response
from warnings_app.selectors.licence_matters import talks_of_company
from warnings_app.selectors.licence_pages import CompanyLicences, company_licences
from warnings_app.selectors.work_queue import section_items

COMPANY_FLAGS = {
    "licensed": ("Licensed today", Q(licensed_today=True)),
    "on_hold": ("On hold", Q(hold_automation=True)),
    "counsel": ("Has counsel of record", Q(has_counsel=True)),
    "no_contact": ("No legal-notices contact", Q(has_notices_contact=False)),
}
# Where a letter goes first: the legal notices address, then counsel, then anyone else.
CONTACT_ROLE_ORDER = [
    Contact.Role.LEGAL_NOTICES,
    Contact.Role.COUNSEL_OF_RECORD,
    Contact.Role.GENERAL,
]
COMPANY_ORDERINGS = {
    "name": ("legal_name", "pk"),
    "country": ("country", "legal_name", "pk"),
    "recent": ("-updated_at", "-pk"),
}


def _with_contact_facts(qs: QuerySet[Company]) -> QuerySet[Company]:
    active = Contact.objects.filter(company=OuterRef("pk"), is_active=True)
    return qs.annotate(
        has_counsel=Exists(active.filter(role=Contact.Role.COUNSEL_OF_RECORD)),
        has_notices_contact=Exists(active.filter(role=Contact.Role.LEGAL_NOTICES)),
    )


def companies_matching(
    *,
    q: str = "",
    segment: str = "",
    country: str = "",
    flag: str = "",
    tag: str = "",
    ordering: str = "name",
) -> QuerySet[Company]:
    """The register filtered as on the company list. Search looks at name, aliases and domain."""
    qs = _with_contact_facts(Company.objects.select_related("parent"))
    if q:
        qs = qs.filter(
            Q(legal_name__icontains=q) | Q(aliases__icontains=q) | Q(domain__icontains=q)
        )
    if segment:
        qs = qs.filter(segment=segment)
    if country:
        qs = qs.filter(country=country)
    qs = qs.annotate(licensed_today=licensed_company(timezone.localdate()))
    if flag in COMPANY_FLAGS:
        qs = qs.filter(COMPANY_FLAGS[flag][1])
    if tag:
        qs = qs.filter(tags__name=tag)
    qs = qs.annotate(contact_count=Count("contacts", filter=Q(contacts__is_active=True)))
    return qs.prefetch_related("tags").order_by(*COMPANY_ORDERINGS.get(ordering, ("legal_name",)))


def companies_named(text: str, limit: int = 2) -> list[Company]:
    """Companies whose domain or exact legal name is `text` (at most `limit`)."""
    match = Q(legal_name__iexact=text.strip())
    with contextlib.suppress(ValueError):  # a plain name is not a domain
        match |= Q(domain=normalise_domain(text))
    return list(Company.objects.filter(match).order_by("legal_name", "pk")[:limit])


def companies_likely_duplicates(
    *, legal_name: str, domain: str, exclude_pk: int | None = None
) -> list[Company]:
    """Companies that are probably the one being entered: the same normalised name, the same
    domain, or an alias equal to the name."""
    key = company_name_key(legal_name)
    if not key and not domain:
        return []
    match = Q(pk=None)
    if key:
        match |= Q(name_key=key) | Q(aliases__icontains=legal_name.strip())
    if domain:
        match |= Q(domain=domain)
    qs = Company.objects.filter(match)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    candidates = list(qs.order_by("legal_name")[:10])
    # The alias test above is a substring match; keep only whole-line alias hits.
    wanted = legal_name.strip().casefold()
    return [
        c
        for c in candidates
        if c.name_key == key
        or (domain and c.domain == domain)
        or wanted in (a.casefold() for a in c.alias_list)
    ]


@dataclass
class CompanyPage:
    company: Company
    contacts: list[Contact]
    affiliates: list[Company]
    notices: list[Notice]
    responses: list[Response]
    counsel: list[Contact]
    # The uses the company is licensed for today (domain/licences.py); [] when not licensed.
    licensed_uses: list[str]
    # Every licence talks with the company, newest first.
    licence_talks: list[LicenceMatter] = field(default_factory=list)
    # Every licence naming the company, with its state today.
    licences: CompanyLicences | None = None

    @property
    def licence_phrase(self) -> str:
        return uses_phrase(self.licensed_uses)


def company_page(*, company_id: int) -> CompanyPage:
    """Everything the company page shows, in a fixed number of queries."""
    company = (
        Company.objects.select_related("parent", "created_by")
        .prefetch_related("tags")
        .get(pk=company_id)
    )
    role_order = Case(
        *(When(role=role, then=Value(i)) for i, role in enumerate(CONTACT_ROLE_ORDER)),
        default=Value(len(CONTACT_ROLE_ORDER)),
    )
    contacts = list(company.contacts.order_by("-is_active", role_order, "name", "pk"))
    related = Q(parent_id=company.pk)
    if company.parent_id:
        related |= Q(parent_id=company.parent_id)
    affiliates = list(
        Company.objects.filter(related).exclude(pk=company.pk).order_by("legal_name")[:100]
    )
    notices = list(
        company.notices.select_related("campaign", "template_version__template").order_by(
            "-created_at"
        )[:50]
    )
    responses = list(company.responses.select_related("notice").order_by("-received_at")[:50])
    counsel = [c for c in contacts if c.is_active and c.role == Contact.Role.COUNSEL_OF_RECORD]
    uses = licensed_uses(company.pk, timezone.localdate())
    talks = talks_of_company(company.pk)
    licences = company_licences(company.pk, timezone.localdate())
    return CompanyPage(
        company, contacts, affiliates, notices, responses, counsel, uses, talks, licences
    )


def home_figures() -> dict[str, Any]:
    """Headline counts for the landing page."""
    by_status = dict(
        Notice.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {
        "companies": Company.objects.count(),
        "notices": sum(by_status.values()),
        "notices_by_status": by_status,
        # The work queue's own section (awake replies to classify), so both say the same.
        "unclassified_replies": section_items("unclassified").count(),
    }
