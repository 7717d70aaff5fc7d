"""The demo's licences, so the dashboard's licence figures have something to show: talks opened
from the story's replies in different stages (one ending in a signed licence, one declined),
and two deals with companies outside the wave, with other fee models, currencies and reporting
duties, one of them late with its usage reports.

Rows are made with the models, as the talks and deals pages would make them; every change of
stage goes through `matter_move`, on the story's clock (`demo_stage`), after its last scene.
Told once, with the story: a second run finds the talks in place and writes nothing."""

import hashlib
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from warnings_app.domain.licences import licensed_company
from warnings_app.models import Campaign, Company, Response, Work
from warnings_app.models.licences import Licence, LicenceMatter, LicenceWork
from warnings_app.models.usage import UsageFinding, UsageReport
from warnings_app.selectors.preference_register import LABELS, works_as_of
from warnings_app.services.licence_moves import matter_move
from warnings_demo import demo_data
from warnings_demo.demo_stage import DemoClock

if TYPE_CHECKING:
    from django.contrib.auth.models import User

USES = ("training", "evaluation")


def _agreement(reference: str) -> dict[str, Any]:
    """A stand-in signed agreement, stored as an uploaded one is: a generated name, its hash."""
    content = f"Licence agreement {reference} (demo): the signed text would be here.\n".encode()
    name = default_storage.save(f"licences/agreements/demo-{reference}.txt", ContentFile(content))
    return {
        "agreement_file": name,
        "agreement_filename": f"{reference}.txt",
        "agreement_content_type": "text/plain",
        "agreement_size": len(content),
        "agreement_sha256": hashlib.sha256(content).hexdigest(),
    }


def _licence(matter: LicenceMatter, reference: str, by: "User", **terms: Any) -> Licence:
    signed_on = timezone.localdate()
    licence = Licence.objects.create(
        reference=reference,
        matter=matter,
        company=matter.company,
        scope=Licence.Scope.ALL,
        territories=["*"],
        signed_on=signed_on,
        created_by=by,
        **{f"use_{use}": True for use in USES},
        **_agreement(reference),
        **terms,
    )
    # The works considered when it was signed: included where the artist's wishes allowed it.
    works = Work.objects.order_by("isrc")[:12]
    LicenceWork.objects.bulk_create(
        LicenceWork(
            licence=licence,
            work=state.work,
            artist_id=state.work.artist_profile_id,
            included=state.preference == "licensable",
            preference=state.preference,
            reason=f"The artist's preference on {signed_on:%d %B %Y}: "
            f"{LABELS[state.preference].lower()}",
        )
        for state in works_as_of(works, signed_on)
    )
    return licence


def _open(company: Company, by: "User", reply: Response | None = None) -> LicenceMatter:
    return LicenceMatter.objects.create(
        company=company,
        reply=reply,
        notice=reply.notice if reply else None,
        opened_by=by,
        owner=by,
        opened_at=timezone.now(),
        stage_changed_at=timezone.now(),
    )


def _open_from(reply: Response, by: "User") -> LicenceMatter:
    """Talks opened from a reply, with the company of the letter it answers."""
    if reply.notice is None:
        raise ValueError("the story's classified replies each answer a letter")
    return _open(reply.notice.company, by, reply)


def _moves(clock: DemoClock, matter: LicenceMatter, by: "User", *stages: str) -> LicenceMatter:
    """Each move an hour after the last, on the story's clock."""
    for stage in stages:
        clock.wait(60 * 60)
        system = stage in ("signed", "active")
        matter = matter_move(matter=matter, to_stage=stage, by=by, system=system)
    return matter


def _deal(clock: DemoClock, company: Company, by: "User", reference: str, **terms: Any) -> Licence:
    """Talks with a company outside the wave, signed, and active once the licence starts."""
    matter = _moves(clock, _open(company, by), by, "negotiation", "signed")
    licence = _licence(matter, reference, by, **terms)
    if licence.starts_on <= timezone.localdate():
        _moves(clock, matter, by, "active")
    return licence


def _usage(licence: Licence, by: "User") -> int:
    """A monthly reporter: its first period reported, the next two overdue."""
    content = b"isrc,use,period_start,period_end,count\n"
    first_end = licence.starts_on + timedelta(days=29)
    name = default_storage.save(
        f"licences/usage/demo-{licence.reference}.csv", ContentFile(content)
    )
    UsageReport.objects.create(
        licence=licence,
        period_start=licence.starts_on,
        period_end=first_end,
        file=name,
        original_filename="usage-month-1.csv",
        content_type="text/csv",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        imported_by=by,
    )
    ends = [first_end + timedelta(days=30 * n) for n in (1, 2)]
    for end in ends:
        UsageFinding.objects.create(
            licence=licence,
            kind=UsageFinding.Kind.REPORT_OVERDUE,
            detail=f"No usage report for the period ending {end:%d %B %Y}",
            period_start=end - timedelta(days=29),
            period_end=end,
        )
    return len(ends)


def demo_licences(*, clock: DemoClock) -> dict[str, int]:
    """Tell the licence part of the story, at its end (the story's clock does not go back);
    nothing if the story's replies are not there or talks were already opened."""
    campaign = Campaign.objects.filter(name=demo_data.STORY_CAMPAIGN).first()
    if campaign is None or LicenceMatter.objects.exists():
        return {}
    users = get_user_model().objects
    legal, paralegal = users.get(username="legal"), users.get(username="paralegal")
    replies = {
        r.outcome: r
        for r in Response.objects.filter(notice__campaign=campaign)
        .select_related("notice")
        .exclude(outcome="unclassified")
        .order_by("received_at", "pk")
    }
    if "requests_talks" not in replies:
        return {}
    today = timezone.localdate()
    outside = list(
        Company.objects.exclude(notices__isnull=False)
        .exclude(licensed_company(today))
        .order_by("domain")[:2]
    )
    # The reply asking for talks: opened by the paralegal, signed by a lawyer, in force now.
    asked = _open_from(replies["requests_talks"], paralegal)
    asked = _moves(clock, asked, legal, "nda", "term_sheet", "negotiation", "signed")
    _licence(asked, "LIC-DEMO-0001", legal, starts_on=today - timedelta(days=2),
             ends_on=today + timedelta(days=730), fee_model=Licence.FeeModel.FLAT,
             fee_amount=Decimal(24000), fee_currency="EUR", fee_period=Licence.FeePeriod.YEAR,
             reporting_months=Licence.Reporting.QUARTERLY)  # fmt: skip
    _moves(clock, asked, legal, "active")
    matters = 1
    # The caller who claimed a licence and the company that disputes: talks under way; the
    # company that acknowledged the letter declined after a term sheet.
    for outcome, stages in (
        ("claims_licence", ("nda",)),
        ("disputes", ()),
        ("acknowledged", ("term_sheet", "declined")),
    ):
        if outcome in replies:
            opened = _open_from(replies[outcome], paralegal)
            _moves(clock, opened, legal, *stages)
            matters += 1
    # Two deals outside the wave. One settles past use: a fee per work, monthly reports from
    # three months back, two of them late. The other, a revenue share, starts in a fortnight.
    overdue = 0
    if outside:
        licence = _deal(clock, outside[0], legal, "LIC-DEMO-0002", starts_on=today - timedelta(95),
                        ends_on=today + timedelta(270), fee_model=Licence.FeeModel.PER_WORK,
                        fee_amount=Decimal(40), fee_currency="GBP",
                        fee_period=Licence.FeePeriod.MONTH,
                        reporting_months=Licence.Reporting.MONTHLY)  # fmt: skip
        overdue = _usage(licence, paralegal)
    if len(outside) > 1:
        _deal(clock, outside[1], legal, "LIC-DEMO-0003", starts_on=today + timedelta(14),
              ends_on=today + timedelta(1095), fee_model=Licence.FeeModel.REVENUE_SHARE,
              fee_amount=Decimal(5000), fee_currency="USD", revenue_share_percent=Decimal("7.50"),
              reporting_months=Licence.Reporting.HALF_YEARLY)  # fmt: skip
    matters += len(outside)
    return {"licence_matters": matters, "licences": 1 + len(outside), "usage_findings": overdue}
