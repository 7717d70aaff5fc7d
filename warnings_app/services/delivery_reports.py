"""What a delivery report does once it is known to be about one of our deliveries (it came to
that attempt's own bounce address, services/replies.py decides): a permanent failure marks the
attempt and its notice bounced, a temporary one marks the attempt delayed. The attempt's earlier
answer is kept and the report added after it; each change is audited."""

from warnings_app.integrations.bounce_reports import Bounce
from warnings_app.models import DeliveryAttempt, Response
from warnings_app.models.lifecycle import TRANSITIONS
from warnings_app.services.audit import audit_record
from warnings_app.services.notices import apply_transition

Outcome = DeliveryAttempt.Outcome


def _report_text(report: Bounce, word: str) -> str:
    return f"{word}: {report.status} {report.diagnostic}".strip()[:1000]


def delivery_bounced(attempt: DeliveryAttempt, report: Bounce, response: Response) -> None:
    """The delivery the bounce address names failed. Its earlier answer is kept; the report is
    added after it and audited, and the notice is marked bounced."""
    bounce = _report_text(report, "bounced")
    moved = DeliveryAttempt.objects.filter(
        pk=attempt.pk, outcome__in=[Outcome.ACCEPTED, Outcome.DELAYED]
    ).update(outcome=Outcome.BOUNCED, server_reply=f"{attempt.server_reply}\nthen {bounce}"[:5000])
    if not moved:  # already bounced, or never accepted: the report is kept, nothing moves
        response.problems = f"{response.problems}\nthe delivery was {attempt.outcome}".strip()
        Response.objects.filter(pk=response.pk).update(problems=response.problems)
        return
    audit_record(
        actor=None,
        verb="delivery.bounced",
        target=attempt.notice,
        data={
            "attempt_id": attempt.pk,
            "response_id": response.pk,
            "before": {"outcome": attempt.outcome, "server_reply": attempt.server_reply[:500]},
            "report": bounce[:500],
            "recipient": report.recipient or attempt.recipient,
            "format": report.format,
        },
    )
    notice = attempt.notice
    if TRANSITIONS["mark_bounced"].allows(notice.status):
        apply_transition(
            notice=notice,
            transition="mark_bounced",
            by=None,
            data={
                "attempt_id": attempt.pk,
                "recipient": report.recipient or attempt.recipient,
                "reply": bounce[:500],
            },
        )


def delivery_delayed(attempt: DeliveryAttempt, report: Bounce, response: Response) -> None:
    """A temporary failure report: the recipient's server is still trying. The delivery is
    marked delayed, never bounced; the notice stays sent."""
    delay = _report_text(report, "delayed")
    moved = DeliveryAttempt.objects.filter(pk=attempt.pk, outcome=Outcome.ACCEPTED).update(
        outcome=Outcome.DELAYED, server_reply=f"{attempt.server_reply}\nthen {delay}"[:5000]
    )
    if moved:
        audit_record(
            actor=None,
            verb="delivery.delayed",
            target=attempt.notice,
            data={"attempt_id": attempt.pk, "response_id": response.pk, "report": delay[:500]},
        )
