"""Artists' private links: the label sends one, the artist opens it without an account, chooses,
and confirms once. Only the token's SHA-256 is stored, so the link e-mail can only be built while
the token is in hand: right after the link's transaction commits, in the same request. If the
mail server refuses it, the link is withdrawn at once and staff are told; a link nobody received
never stays open. The receipt, built from stored rows only, goes through a task with retries."""

import smtplib
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from warnings_app.domain.preferences import (
    LINK_ANY_ADDRESS_PERMISSION,
    Choice,
    Instruction,
    recipient_on_record,
    recipient_refusal,
)
from warnings_app.models import (
    Artist,
    PreferenceLink,
    PreferenceReceipt,
    PreferenceStatement,
    Work,
)
from warnings_app.services.artist_link_parts import (
    CONFIRMATION_FILENAME,
    ReceiptDeferred,
    confirmation_document,
    link_email,
    local_day,
    new_token,
    receipt_email,
    receipt_recipients,
    token_sha256,
)
from warnings_app.services.audit import audit_record
from warnings_app.services.errors import ServiceError
from warnings_app.services.preferences import preference_record
from warnings_app.services.stored_files import StoredFileAltered, stored_file_read_verified

if TYPE_CHECKING:
    from django.contrib.auth.models import User

RECEIPT_SENT, RECEIPT_FAILED = "preference.receipt_sent", "preference.receipt_failed"


class LinkRefused(ServiceError):
    """The link cannot be used; the message is for the person holding it. `status` is the HTTP
    status the public page answers with: 404 for a link that is not this page's, 410 for one
    that was good once (used, withdrawn, expired)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


class LinkNotSent(ServiceError):
    """The mail server did not take the link e-mail; the link was withdrawn."""


NOT_VALID = (
    "This link is not valid for this page. Check that you used the whole address from the "
    "e-mail, or ask the label for a new link."
)


def _refusal(link: PreferenceLink) -> LinkRefused:
    state = link.state()
    if state == "used" and link.used_at is not None:
        message = f"This link has already been used on {local_day(link.used_at)}"
    elif state == "revoked":
        message = "This link has been withdrawn by the label"
    else:
        message = f"This link expired on {local_day(link.expires_at)}"
    return LinkRefused(f"{message}; ask the label for a new one.", status=410)


def preference_link_create(
    *,
    artist: Artist,
    recipient_email: str,
    recipient_name: str = "",
    days: int | None = None,
    by: "User",
) -> tuple[PreferenceLink, str]:
    """A new link for `artist`, open for `days` (1-60), e-mailed to the recipient once the link
    is committed. The recipient is the artist's or their manager's address on record, unless
    `by` may send to any address (Legal). Returns the link and its token (never stored). Raises
    ServiceError for bad input or another address (nothing created) and LinkNotSent when the
    mail server refused the e-mail (the link exists but is withdrawn, both events audited)."""
    days = settings.PREFERENCE_LINK_DAYS if days is None else days
    if not 1 <= days <= PreferenceLink.MAX_DAYS:
        raise ServiceError(
            f"A link stays open for 1 to {PreferenceLink.MAX_DAYS} days, not {days}."
        )
    recipient_email = recipient_email.strip()
    try:
        validate_email(recipient_email)
    except ValidationError as exc:
        raise ServiceError(f"“{recipient_email}” is not an e-mail address.") from exc
    on_record = recipient_on_record(artist, recipient_email)
    if not on_record and not by.has_perm(LINK_ANY_ADDRESS_PERMISSION):
        raise ServiceError(recipient_refusal(artist))
    token = new_token()
    now = timezone.now()
    with transaction.atomic():
        link = PreferenceLink.objects.create(
            artist=artist,
            recipient_name=" ".join(recipient_name.split())[:200],
            recipient_email=recipient_email,
            token_sha256=token_sha256(token),
            created_by=by,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        audit_record(
            actor=by,
            verb="preference_link.created",
            target=link,
            to_state="open",
            data={
                "artist": artist.pk,
                "recipient": recipient_email,
                # False: a lawyer chose an address the register does not hold for the artist.
                "recipient_on_record": on_record,
                "expires_at": link.expires_at.isoformat(),
            },
        )
        transaction.on_commit(partial(_send_link, link=link, token=token, by=by))
    return link, token


def _send_link(*, link: PreferenceLink, token: str, by: "User") -> None:
    message = link_email(link, token)
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        with transaction.atomic():
            PreferenceLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
                revoked_at=timezone.now(), revoked_by=by
            )
            audit_record(
                actor=by,
                verb="preference_link.revoked",
                target=link,
                from_state="open",
                to_state="revoked",
                data={"reason": "the link e-mail could not be sent", "error": str(exc)[:300]},
            )
        raise LinkNotSent(
            f"The e-mail to {link.recipient_email} could not be sent ({exc}); the link was "
            "withdrawn. Please try again later."
        ) from exc
    audit_record(
        actor=by,
        verb="preference_link.sent",
        target=link,
        data={"recipient": link.recipient_email, "message_id": message.extra_headers["Message-ID"]},
    )


@transaction.atomic
def preference_link_revoke(*, link: PreferenceLink, by: "User") -> PreferenceLink:
    """Withdraws an open link; a used, withdrawn or expired one is refused."""
    moved = PreferenceLink.objects.filter(
        pk=link.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).update(revoked_at=timezone.now(), revoked_by=by)
    link.refresh_from_db()
    if moved != 1:
        raise ServiceError(f"Link {link.pk} is {link.state()}, so it cannot be withdrawn.")
    audit_record(
        actor=by, verb="preference_link.revoked", target=link, from_state="open", to_state="revoked"
    )
    return link


def preference_link_open(*, artist_pk: int, token: str) -> PreferenceLink:
    """The open link for this page, or LinkRefused. The token is looked up by its hash, so the
    stored value never meets the one in the address; a link of another artist gets the same
    answer as an unknown one, saying nothing about that artist."""
    link = (
        PreferenceLink.objects.select_related("artist")
        .filter(token_sha256=token_sha256(token))
        .first()
    )
    if link is None or link.artist_id != artist_pk:
        raise LinkRefused(NOT_VALID, status=404)
    if link.state() != "open":
        raise _refusal(link)
    return link


def preference_link_confirm(
    *,
    artist_pk: int,
    token: str,
    choice: Choice,
    user_agent: str = "",
    address: str | None = None,
) -> PreferenceStatement:
    """Claims the link and records the artist's statement in one transaction: a failure leaves
    the link unused and nothing recorded; a second confirm (double submit, back button) finds
    the link used and is refused. The receipt e-mail is queued after commit."""
    statement = None
    try:
        with transaction.atomic():
            statement = _claim_and_record(
                artist_pk=artist_pk,
                token=token,
                choice=choice,
                user_agent=user_agent,
                address=address,
            )
            audit_record(
                actor=None,
                verb="preference_link.used",
                target=statement.link,
                from_state="open",
                to_state="used",
                data={"statement": statement.pk, "record_sha256": statement.record_sha256},
            )
            # Robust: the statement is committed and the page shows the receipt; a broker that is
            # down must not turn that into an error page for the artist.
            transaction.on_commit(partial(_queue_receipt, statement.pk), robust=True)
    except Exception:
        # preference_record removes its file when its own block fails; a failure after it (the
        # audit write, the commit) rolls the statement back too, so its file must go as well.
        if statement is not None and statement.instruction_file.name:
            default_storage.delete(statement.instruction_file.name)
        raise
    return statement


def _claim_and_record(
    *, artist_pk: int, token: str, choice: Choice, user_agent: str, address: str | None
) -> PreferenceStatement:
    """Inside the caller's transaction: the guarded claim of the link, then the statement."""
    link = preference_link_open(artist_pk=artist_pk, token=token)
    now = timezone.now()
    claimed = PreferenceLink.objects.filter(
        pk=link.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if claimed != 1:  # another request got there first, or the link just expired
        link.refresh_from_db()
        raise _refusal(link)
    link.used_at = now
    works = list(Work.objects.filter(artist_profile=link.artist, pk__in=list(choice.works)))
    document = confirmation_document(
        link=link, choice=choice, works=works, at=now, user_agent=user_agent, address=address
    )
    return preference_record(
        artist=link.artist,
        preference=choice.preference,
        effective_from=timezone.localdate(now),
        instruction=Instruction(content=document, filename=CONFIRMATION_FILENAME, generated=True),
        licensing_contact=choice.licensing_contact,
        work_choices=choice.works,
        link=link,
        confirmed_by=choice.confirmed_by,
    )


def _queue_receipt(statement_id: int) -> None:
    from warnings_app.tasks import send_preference_receipt_task

    send_preference_receipt_task.delay(statement_id)


def _transient(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return any(code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    # Other SMTP errors are the server or our settings saying no; a plain OSError is the network
    # (refused, reset, timed out), which may pass.
    return not isinstance(exc, smtplib.SMTPException)


def preference_receipt_send(*, statement_id: int, final: bool = False) -> str:
    """E-mails the receipt of a statement confirmed through a link. Safe to run twice: once a
    receipt row records it as sent, a re-run sends nothing. Transient SMTP failures
    raise ReceiptDeferred for the task to retry, until `final`; a refusal (5xx) is recorded."""
    statement = PreferenceStatement.objects.select_related("artist", "link").get(pk=statement_id)
    if statement.link is None:
        return "no link"
    if statement.receipts.filter(outcome=PreferenceReceipt.Outcome.SENT).exists():
        return "already sent"
    try:
        document = stored_file_read_verified(
            name=statement.instruction_file.name, sha256=statement.instruction_sha256
        )
    except StoredFileAltered:
        # The receipt quotes the document's SHA-256: never attach bytes that do not match it.
        error = "the stored confirmation document does not match its recorded SHA-256"
        _receipt_record(statement, PreferenceReceipt.Outcome.FAILED, error=error, message_id="")
        return "failed"
    message = receipt_email(statement, document)
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        if _transient(exc) and not final:
            raise ReceiptDeferred(str(exc)) from exc
        _receipt_record(
            statement, PreferenceReceipt.Outcome.FAILED, error=str(exc)[:300], message_id=""
        )
        return "failed"
    _receipt_record(
        statement,
        PreferenceReceipt.Outcome.SENT,
        error="",
        message_id=message.extra_headers["Message-ID"],
    )
    return "sent"


@transaction.atomic
def _receipt_record(
    statement: PreferenceStatement, outcome: str, *, error: str, message_id: str
) -> None:
    """The receipt row and its audit event, together."""
    to = receipt_recipients(statement)
    PreferenceReceipt.objects.create(
        statement=statement, outcome=outcome, recipients=to, message_id=message_id, error=error
    )
    if outcome == PreferenceReceipt.Outcome.SENT:
        data = {"to": to, "message_id": message_id, "record_sha256": statement.record_sha256}
        audit_record(actor=None, verb=RECEIPT_SENT, target=statement, data=data)
    else:
        audit_record(
            actor=None, verb=RECEIPT_FAILED, target=statement, data={"to": to, "error": error}
        )


# Longer than the receipt task's own retries (8, backing off to 10 min: about an hour), so a
# receipt still being retried is not queued a second time.
RECEIPT_RESEND_AFTER = timedelta(hours=2)
RECEIPT_RESEND_WITHIN = timedelta(days=7)


def receipts_requeue(*, now: datetime | None = None) -> list[int]:
    """Queues again the receipts of artists' confirmations that were neither sent nor given up
    on (the broker was down when the confirmation committed, or the task was lost), recorded
    between RECEIPT_RESEND_WITHIN and RECEIPT_RESEND_AFTER ago. Safe to run often: the send
    itself skips a receipt already sent."""
    now = now or timezone.now()
    waiting = PreferenceStatement.objects.filter(
        link__isnull=False,
        receipts__isnull=True,  # neither sent nor given up on
        created_at__lte=now - RECEIPT_RESEND_AFTER,
        created_at__gt=now - RECEIPT_RESEND_WITHIN,
    )
    queued = list(waiting.order_by("pk").values_list("pk", flat=True))
    for statement_id in queued:
        _queue_receipt(statement_id)
    return queued
