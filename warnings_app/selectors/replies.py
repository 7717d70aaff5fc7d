"""Reads of the replies' pages: one reply with what a person needs to handle it, the replies a
bulk action was asked for, and the counsel of record a logged reply may come from. A fixed
number of queries each."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from warnings_app.models import (
    AuditEvent,
    Company,
    Contact,
    DemandAnswer,
    Response,
    ResponseAttachment,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet


@dataclass
class ReplyPage:
    reply: Response
    answers: dict[str, DemandAnswer]  # demand -> the answer recorded for it
    attachments: list[ResponseAttachment]
    events: "QuerySet[AuditEvent]"  # the reply's own audit events, oldest first


def reply_page(*, reply_id: int) -> ReplyPage:
    """One reply (Response.DoesNotExist when there is none) with its notice, company, assignee
    and classifier, its demand answers, attachments and audit events: five queries."""
    reply = Response.objects.select_related(
        "notice",
        "company",
        "assigned_to",
        "classified_by",
        "suggested_notice__company",
        "confirmed_by",
    ).get(pk=reply_id)
    return ReplyPage(
        reply=reply,
        answers={d.demand: d for d in reply.demands.all()},
        attachments=list(reply.attachments.all()),
        events=AuditEvent.objects.filter(
            target_type="warnings_app.response", target_id=str(reply.pk)
        )
        .select_related("actor")
        .order_by("pk"),
    )


def replies_chosen(ids: list[int]) -> list[Response]:
    """The replies among `ids` (bounce reports and automatic answers are left out): one query."""
    return list(Response.objects.filter(pk__in=ids, kind=Response.Kind.REPLY))


def counsel_of_record(company: Company) -> Contact | None:
    """The company's active counsel of record, if it has one: one query."""
    return company.contacts.filter(role=Contact.Role.COUNSEL_OF_RECORD, is_active=True).first()
