"""Audit events in words a lawyer reads: one sentence per verb, the state change as labels, and
the one detail worth a line. Every timeline (notice, reply), the audit log and its export use
this map; the raw record stays available folded away beside the sentence.

A verb the code writes without a sentence here fails tests/test_event_words.py, which scans the
source for verbs; an unknown verb in old data still reads ("notice.something" → "Notice:
something") rather than breaking a page.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from warnings_app.models.campaigns import Campaign
from warnings_app.models.letters import TemplateVersion
from warnings_app.models.lifecycle import NoticeStatus

if TYPE_CHECKING:
    from warnings_app.models import AuditEvent

SENTENCES: dict[str, str] = {
    # A letter's life (models/lifecycle.py names each transition "notice.<name>").
    "notice.created": "Letter drafted",
    "notice.render": "Letter rendered to PDF",
    "notice.rerender": "Letter rendered again",
    "notice.render_failed": "The letter could not be rendered",
    "notice.reject": "Letter sent back for changes",
    "notice.approve": "Letter approved",
    "notice.queue": "Letter queued for sending",
    "notice.claim": "Sending started",
    "notice.release": "Sending paused and the letter put back in the queue",
    "notice.mark_sent": "Letter sent",
    "notice.mark_failed": "Sending failed",
    "notice.park_for_reconciliation": "Sending outcome unknown: waiting for a lawyer to check",
    "delivery.reconciled_delivered": "Checked by a lawyer: the letter was delivered",
    "delivery.reconciled_send_again": "Checked by a lawyer: the letter goes again",
    "notice.reconcile_failed": "Checked by a lawyer: the letter was not delivered",
    "notice.retry": "Letter approved to be sent again",
    "notice.mark_delivered": "Letter delivered",
    "notice.mark_bounced": "Letter bounced",
    "notice.record_response": "Reply recorded",
    "notice.resolve": "Matter resolved",
    "notice.escalate": "Matter escalated",
    "notice.close": "Matter closed",
    "notice.withdraw": "Letter withdrawn",
    "notice.chased": "Chased now",
    "notice.held": "Put on hold",
    "notice.hold_released": "Hold lifted",
    "notice.pdf_downloaded": "Letter PDF downloaded",
    # Licence talks and licences.
    "licence_matter.moved": "Licence talks moved to another stage",
    "usage_report.imported": "Usage report imported and checked against the licence",
    "usage_finding.report_overdue": "Usage report overdue",
    "usage_finding.notice_made": "Letter about a usage finding prepared",
    "licence.recorded": "Licence recorded with its terms and scope",
    "licence.terminated": "Licence terminated early",
    "licence.flag_raised": "Licence flagged: an artist reserved works it includes",
    "licence.flag_resolved": "Licence flag resolved by a lawyer",
    "licence.reminder_raised": "Licence reminder raised",
    "licence.reminder_done": "Licence reminder marked done",
    "licence.agreement_downloaded": "Signed licence agreement downloaded",
    "licence_matter.opened": "Licence talks opened",
    "licence_matter.next_step_set": "Owner or next step of licence talks changed",
    "licence_matter.note_added": "Privileged note added to licence talks",
    "licence_matter.document_added": "Document added to licence talks",
    "licence_matter.document_downloaded": "Document of licence talks downloaded",
    "licence_matter.ladder_restarted": "Talks declined and the reminders restarted",
    # Delivery reports and follow-ups.
    "delivery.bounced": "The mail server reported a bounce",
    "delivery.delayed": "The mail server reported a delay",
    "delivery.tracking_recorded": "Postal tracking number recorded",
    "followup.failed": "A reminder could not be prepared",
    "followup.schedule_failed": "Reminders could not be scheduled",
    "followup.stopped": "Reminders stopped",
    "followup.rescheduled": "Reminder scheduled again after licence talks",
    # Replies.
    "reply.logged": "Reply logged by hand",
    "reply.ingested": "Reply received by e-mail",
    "reply.bounce_received": "Bounce report received",
    "reply.matched": "Reply matched to a letter",
    "reply.matched_elsewhere": "Reply matched to another letter",
    "reply.classified": "Reply classified",
    "reply.confirmed": "Reply confirmed as the answer",
    "reply.assigned": "Reply assigned",
    "reply.snoozed": "Reply snoozed",
    # Campaigns.
    "campaign.created": "Campaign created",
    "campaign.generating": "Letters being generated",
    "campaign.generated": "Letters generated",
    "campaign.approved": "Campaign approved",
    "campaign.letters_approved": "Campaign letters approved",
    "campaign.sending": "Sending started",
    "campaign.paused": "Campaign paused",
    "campaign.resumed": "Campaign resumed",
    "campaign.sent": "Every letter of the campaign went out",
    "campaign.partly_sent": "Campaign partly sent: some letters did not go",
    # The register.
    "company.created": "Company added to the register",
    "company.updated": "Company details changed",
    "contact.created": "Contact added",
    "contact.updated": "Contact changed",
    "import.committed": "Spreadsheet imported into the register",
    # Templates.
    "template.created": "Letter template created",
    "template_version.drafted": "Template draft started",
    "template_version.edited": "Template draft edited",
    "template_version.submitted": "Template submitted for approval",
    "template_version.approved": "Template approved",
    "template_version.rejected": "Template sent back for changes",
    "template_version.retired": "Template retired",
    "template_version.deleted": "Template draft deleted",
    # Printing.
    "print_batch.created": "Print batch made",
    "print_batch.handed_over": "Print batch handed to the post",
    "print_batch.pdf_downloaded": "Print batch PDF downloaded",
    "print_batch.manifest_downloaded": "Print batch list downloaded",
    # Artists' preferences and their links.
    "preference.recorded": "Artist's choice recorded",
    "preference.instruction_downloaded": "Artist's signed instruction downloaded",
    "preference.receipt_sent": "Receipt e-mailed to the artist",
    "preference.receipt_failed": "The receipt could not be e-mailed to the artist",
    "preference_link.created": "Link for the artist created",
    "preference_link.sent": "Link e-mailed to the artist",
    "preference_link.used": "The artist used the link",
    "preference_link.revoked": "Link revoked",
    "reservations.published": "Reservation list published",
    "reservations.downloaded": "Reservation list downloaded",
    # Evidence, exports and the audit trail.
    "evidence.requested": "Evidence bundle requested",
    "evidence.built": "Evidence bundle built",
    "evidence.failed": "Evidence bundle could not be built",
    "evidence.downloaded": "Evidence bundle downloaded",
    "export.downloaded": "Export downloaded",
    "audit.exported": "Audit log exported",
    "audit.anchored": "Audit trail timestamped",
    "dkim.key_generated": "E-mail signing key generated",
    # Accounts and signing in.
    "account.created": "Account created",
    "account.changed": "Account details changed",
    "account.password_changed": "Password changed",
    "account.deactivated": "Account deactivated",
    "account.refused": "Account change refused",
    "account.roles_changed": "Roles changed",
    "account.permissions_changed": "Permissions changed",
    "account.role_requested": "Role requested",
    "account.role_confirmed": "Role confirmed by a second administrator",
    "account.role_cancelled": "Role request cancelled",
    "account.role_given": "Role given",
    "account.role_removed": "Role removed",
    "account.2fa_reset": "Two-step sign-in reset",
    "account.2fa_device_created": "Authenticator app added",
    "account.2fa_device_confirmed": "Authenticator app confirmed",
    "account.2fa_device_unconfirmed": "Authenticator app unconfirmed",
    "account.2fa_device_deleted": "Authenticator app removed",
    "account.enrolment_code_issued": "Enrolment code issued",
    "account.enrolment_code_used": "Enrolment code used",
    "account.enrolment_code_refused": "Enrolment code refused",
    "api_token.created": "API token created",
    "api_token.revoked": "API token revoked",
    "signin.login": "Signed in",
    "signin.logout": "Signed out",
    "signin.session_expired": "Session expired",
    "signin.failed": "Sign-in failed",
    "signin.locked_out": "Locked out after repeated failed sign-ins",
    "signin.2fa_enrolled": "Two-step sign-in set up",
    "signin.2fa_verified": "Two-step sign-in code accepted",
    "signin.2fa_failed": "Two-step sign-in code refused",
    # The administration site.
    "admin.added": "Record added in the administration site",
    "admin.changed": "Record changed in the administration site",
    "admin.deleted": "Record deleted in the administration site",
    # The development tools (warnings_demo), whose events land in the same log.
    "demo.seeded": "Demonstration data created",
}

# The kinds of record an event can be about, as people call them.
TARGET_KINDS: dict[str, str] = {
    "warnings_app.notice": "Letter",
    "warnings_app.campaign": "Campaign",
    "warnings_app.company": "Company",
    "warnings_app.contact": "Contact",
    "warnings_app.response": "Reply",
    "warnings_app.lettertemplate": "Template",
    "warnings_app.templateversion": "Template version",
    "warnings_app.printbatch": "Print batch",
    "warnings_app.artist": "Artist",
    "warnings_app.preferencestatement": "Artist's choice",
    "warnings_app.preferencelink": "Artist's link",
    "warnings_app.evidencebundle": "Evidence bundle",
    "warnings_app.licence": "Licence",
    "warnings_app.apitoken": "API token",
    "warnings_app.rolegrant": "Role",
    "auth.user": "Account",
}

# Data keys whose value is the one line of explanation a reader wants next to the sentence.
_DETAIL_KEYS = ("reason", "note", "comment", "error", "reply", "outcome", "to")

_STATE_LABELS: dict[str, str] = {
    **{str(v): str(label) for v, label in Campaign.Status.choices},
    **{str(v): str(label) for v, label in TemplateVersion.Status.choices},
    **{str(v): str(label) for v, label in NoticeStatus.choices},
}


def sentence(verb: str) -> str:
    """The sentence for `verb`; an unknown verb is spelled out rather than refused."""
    if verb in SENTENCES:
        return SENTENCES[verb]
    kind, _, action = verb.partition(".")
    return f"{kind.replace('_', ' ').capitalize()}: {action.replace('_', ' ')}".strip(": ")


def state_label(state: str) -> str:
    return _STATE_LABELS.get(state) or state.replace("_", " ").capitalize()


def change(from_state: str, to_state: str) -> str:
    """'Queued → Sending'; 'now Draft' for a record that began in a state; '' when the event
    moved nothing."""
    if not (from_state or to_state):
        return ""
    if not from_state:
        return f"now {state_label(to_state)}"
    after = state_label(to_state) if to_state else "—"
    return f"{state_label(from_state)} → {after}"


def target_kind(target_type: str) -> str:
    return TARGET_KINDS.get(target_type) or target_type.rpartition(".")[2].capitalize()


def detail(data: dict[str, Any]) -> str:
    for key in _DETAIL_KEYS:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def person(event: "AuditEvent") -> str:
    """The actor's full name, else their user name; 'the system' when nobody acted."""
    if event.actor is None:
        return "the system"
    return event.actor.get_full_name() or event.actor.get_username()


@dataclass(frozen=True)
class EventWords:
    sentence: str
    change: str  # 'Queued → Sending' or ''
    who: str
    detail: str  # one line from the data, or ''
    target: str  # 'Letter W-2026-0001' or ''

    @property
    def line(self) -> str:
        """One line for a timeline: 'Sending started (Queued → Sending) by the system: …'."""
        text = self.sentence + (f" ({self.change})" if self.change else "") + f" by {self.who}"
        return text + (f": {self.detail}" if self.detail else "")


def event_words(event: "AuditEvent") -> EventWords:
    target = ""
    if event.target_type:
        kind = target_kind(event.target_type)
        named = event.target_repr.startswith(kind)  # "Reply 11 (E-mail, …)" names its kind
        target = event.target_repr if named else f"{kind} {event.target_repr}".strip()
    return EventWords(
        sentence=sentence(event.verb),
        change=change(event.from_state, event.to_state),
        who=person(event),
        detail=detail(event.data or {}),
        target=target,
    )
