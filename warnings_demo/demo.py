"""Demo data for a first look: the register (users, companies, rights, templates, artists'
preferences) and, for a register of the demo's size, the story of a first campaign
(`demo_story`). Idempotent: a second run finds everything in place, writes nothing and records
nothing."""

import logging
from contextlib import nullcontext
from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from warnings_app.domain.normalise import company_name_key
from warnings_app.domain.preferences import Instruction
from warnings_app.models import (
    Artist,
    Company,
    Contact,
    LetterTemplate,
    Licence,
    LicenceUse,
    PreferenceStatement,
    Principal,
    TemplateVersion,
    Work,
)
from warnings_app.services.audit import audit_record
from warnings_app.services.preferences import preference_record
from warnings_demo import demo_data, demo_story
from warnings_demo.demo_licences import demo_licences
from warnings_demo.demo_stage import DemoClock, demo_stage, tasks_in_process

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

PRINCIPALS = [
    {
        "name": "Northlight Records",
        "kind": Principal.Kind.LABEL,
        "legal_name": "Northlight Records Ltd",
        "address": "1 Quay Street\nAshford\nUnited Kingdom",
        "email": "legal@northlight-records.example",
        "signatory_name": "Harriet Vale",
        "signatory_title": "General Counsel",
    },
    {
        "name": "Northlight Music Publishing",
        "kind": Principal.Kind.PUBLISHER,
        "legal_name": "Northlight Music Publishing Ltd",
        "address": "1 Quay Street\nAshford\nUnited Kingdom",
        "email": "publishing@northlight-records.example",
        "signatory_name": "Harriet Vale",
        "signatory_title": "General Counsel",
    },
]


def _users() -> int:
    created = 0
    user_model = get_user_model()
    for username, first, last, role, staff in demo_data.USERS:
        user, made = user_model.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "is_staff": staff,
                "email": f"{username}@northlight-records.example",
            },
        )
        if made:
            user.set_password(demo_data.demo_password(username))
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=role))
            created += 1
    return created


def _companies(count: int, by: "User") -> tuple[int, int]:
    rows = demo_data.company_rows(count)
    existing = set(
        Company.objects.filter(domain__in=[r["domain"] for r in rows]).values_list(
            "domain", flat=True
        )
    )
    new_rows = [r for r in rows if r["domain"] not in existing]
    companies = Company.objects.bulk_create(
        [
            Company(
                legal_name=r["legal_name"],
                aliases=r["trading_name"],
                name_key=company_name_key(r["legal_name"]),
                domain=r["domain"],
                website=f"https://{r['domain']}/",
                country=r["country"],
                segment=r["segment"],
                hold_automation=0.03 <= r["roll"] < 0.05,
                hold_reason="Settlement talks under way" if 0.03 <= r["roll"] < 0.05 else "",
                created_by=by,
            )
            for r in new_rows
        ]
    )
    if not companies:
        return 0, 0
    companies = list(Company.objects.filter(domain__in=[r["domain"] for r in new_rows]))
    by_domain = {c.domain: c for c in companies}
    # About 3 % held a licence before licences were recorded in full (as migration 0027 does).
    Licence.objects.bulk_create(
        Licence(
            reference=f"LIC-R-{by_domain[r['domain']].pk:06d}",
            company=by_domain[r["domain"]],
            origin=Licence.Origin.RECORDED_BEFORE,
            scope=Licence.Scope.ALL,
            territories=["*"],
            signed_on=timezone.localdate(),
            starts_on=timezone.localdate(),
            fee_model=Licence.FeeModel.NONE,
            **{f"use_{use}": True for use in LicenceUse.values},
            created_by=by,
        )
        for r in new_rows
        if r["roll"] < 0.03
    )
    contacts, parents = [], []
    for i, r in enumerate(new_rows):
        company = by_domain[r["domain"]]
        address = {
            "address_line1": r["street"],
            "city": r["city"],
            "postal_code": r["postal_code"],
            "country": r["country"],
        }
        contacts.append(
            Contact(
                company=company,
                role=Contact.Role.LEGAL_NOTICES,
                name="Legal Department",
                email=f"legal@{r['domain']}",
                **address,
            )
        )
        contacts.append(
            Contact(
                company=company,
                role=Contact.Role.GENERAL,
                name=r["person"],
                title="Chief Executive Officer",
                email=f"hello@{r['domain']}",
            )
        )
        if 0.05 <= r["roll"] < 0.10:
            firm = demo_data.LAW_FIRMS[i % len(demo_data.LAW_FIRMS)]
            contacts.append(
                Contact(
                    company=company,
                    role=Contact.Role.COUNSEL_OF_RECORD,
                    organisation=firm,
                    name="Litigation team",
                    email=f"notices@{demo_data.slug(firm)}.example",
                )
            )
        if r["roll"] >= 0.90 and i > 20:
            company.parent = by_domain.get(new_rows[i % 20]["domain"])
            if company.parent:
                parents.append(company)
    Contact.objects.bulk_create(contacts)
    Company.objects.bulk_update(parents, ["parent"])
    return len(companies), len(contacts)


def _rights() -> tuple[int, int]:
    principals = 0
    for values in PRINCIPALS:
        _, made = Principal.objects.get_or_create(name=values["name"], defaults=values)
        principals += made
    label = Principal.objects.get(name=PRINCIPALS[0]["name"])
    works = 0
    for row in demo_data.work_rows(50):
        _, made = Work.objects.get_or_create(isrc=row["isrc"], defaults={**row, "principal": label})
        works += made
    return principals, works


def _preferences(by: "User") -> int:
    """The demo artists' statements of preference, with their instructions, once."""
    if PreferenceStatement.objects.exists():
        return 0
    today = timezone.localdate()
    created = 0
    for name, history in demo_data.PREFERENCE_HISTORY.items():
        artist = Artist.objects.filter(name=name).first()
        if artist is None:
            continue
        Artist.objects.filter(pk=artist.pk, email="").update(
            email=f"{demo_data.slug(name)}@artists.example"
        )
        for days_ago, preference, contact in history:
            effective = today - timedelta(days=days_ago)
            text = (
                f"{name} instructs Northlight Records: AI training preference "
                f"“{preference}” from {effective:%d %B %Y}.\n"
            )
            preference_record(
                artist=artist,
                preference=preference,
                effective_from=effective,
                licensing_contact=contact,
                instruction=Instruction(content=text.encode(), filename="instruction.txt"),
                by=by,
            )
            created += 1
    return created


def _templates(by: "User", approver: "User") -> int:
    created = 0
    for name, kind, subject, body in demo_data.TEMPLATES:
        template, _ = LetterTemplate.objects.get_or_create(
            name=name, defaults={"kind": kind, "created_by": by}
        )
        _, made = TemplateVersion.objects.get_or_create(
            template=template,
            number=1,
            defaults={
                "subject": subject,
                "body": body,
                "status": TemplateVersion.Status.APPROVED,
                "created_by": by,
                "approved_by": approver,
                "approved_at": timezone.now(),
            },
        )
        created += made
    return created


def _register(companies: int) -> dict[str, int]:
    counts = {"users": _users()}
    user_model = get_user_model()
    author = user_model.objects.get(username="legal")
    approver = user_model.objects.get(username="legal2")
    counts["companies"], counts["contacts"] = _companies(companies, author)
    counts["principals"], counts["works"] = _rights()
    counts["template_versions"] = _templates(author, approver)
    counts["preference_statements"] = _preferences(author)
    return counts


def _story(clock: DemoClock, timeline: demo_story.Timeline, companies: int) -> dict[str, int]:
    """The story, or nothing if it cannot be told here: a first look at the register must not
    depend on the PDF renderer's system libraries."""
    try:
        with transaction.atomic():
            return demo_story.demo_story(clock=clock, timeline=timeline, companies=companies)
    except demo_story.StoryUntold as exc:
        logger.warning("seed_demo: no demo campaign (%s); the rest of the demo is in place", exc)
        return {}


def demo_seed(*, companies: int = 720) -> dict[str, int]:
    """Create what is missing of the demo and return how many rows of each kind were created,
    all in one transaction. Everything is fictional.

    When this run tells the story (see `demo_story.story_wanted`), what it creates is dated on
    the story's clock: the register a week before the letters went out, then each scene on its
    day. The dashboard's figures are then built once, now, by the rollup the beat runs. A run
    that creates nothing builds nothing."""
    from warnings_app.reports.dashboard.rollup import figures_refresh

    story = demo_story.story_wanted(companies)
    timeline = demo_story.Timeline.ending(timezone.localdate())
    with tasks_in_process(), transaction.atomic():
        with demo_stage(timeline.register_at) if story else nullcontext() as clock:
            counts = _register(companies)
            if clock is not None:  # the story is told
                counts |= _story(clock, timeline, companies)
                if counts.get("letters"):
                    counts |= demo_licences(clock=clock)
        if counts.get("letters"):
            counts["figure_cells"] = figures_refresh()["cells"]
        if any(counts.values()):
            audit_record(actor=None, verb="demo.seeded", data=counts)
    return counts
