"""Builds every outgoing message, from a trio of templates under
templates/warnings_app/emails/: `<kind>_subject.txt`, `<kind>_body.txt` and `<kind>_body.html`.
A notice's e-mail carries its stored PDF, a Message-ID that is the same on every attempt, and a
Reply-To that brings replies back to the notice; an artist's link and receipt use the same
builder (services/artist_link_parts.py)."""

from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from warnings_app.domain.letters.compose import email_subject
from warnings_app.domain.mail_tokens import bounce_detail, reply_detail
from warnings_app.models import Notice


def message_id(local_part: str) -> str:
    """A Message-ID in our own domain; the same local part always gives the same id."""
    return f"<{local_part}@{settings.MESSAGE_ID_DOMAIN}>"


def sender_address() -> str:
    """Every message's From: DEFAULT_FROM_EMAIL's address under the organisation's name
    (ORGANISATION_NAME), so the recipient sees who writes, not a bare mailbox."""
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((settings.ORGANISATION_NAME, address or settings.DEFAULT_FROM_EMAIL))


def templated_email(
    kind: str,
    context: dict[str, Any],
    *,
    to: list[str],
    message_id: str,
    reply_to: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """The message of `kind`: subject (on one line), plain text, and HTML as the alternative,
    from sender_address(). The templates also get `organisation` (the organisation's name)
    unless the context names one itself."""
    context = {"organisation": settings.ORGANISATION_NAME, **context}
    subject = render_to_string(f"warnings_app/emails/{kind}_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"warnings_app/emails/{kind}_body.txt", context),
        from_email=sender_address(),
        to=to,
        reply_to=reply_to,
        headers={"Message-ID": message_id, **(headers or {})},
    )
    message.attach_alternative(
        render_to_string(f"warnings_app/emails/{kind}_body.html", context), "text/html"
    )
    return message


def notice_message_id(notice: Notice) -> str:
    return message_id(f"{notice.reference}.{notice.pk}")


def _reply_mailbox(detail: str) -> str:
    local, _, domain = settings.NOTICE_REPLY_MAILBOX.partition("@")
    return f"{local}+{detail}@{domain}"


def notice_reply_to(notice: Notice) -> str:
    """The notice's Reply-To: the reply mailbox with the reference and its keyed token."""
    return _reply_mailbox(reply_detail(notice.reference))


def bounce_address(attempt_id: int) -> str:
    """One delivery attempt's envelope sender (VERP): a bounce comes back to it, and its token
    says which delivery failed without reading the report's body."""
    return _reply_mailbox(bounce_detail(attempt_id))


def notice_subject(notice: Notice) -> str:
    """The e-mail's Subject: the version's subject rendered with the notice's merge data."""
    return email_subject(
        notice.template_version.subject, notice.merge_data, reference=notice.reference
    )


def notice_email(
    notice: Notice, *, pdf: bytes, recipient: str, envelope_sender: str = ""
) -> EmailMultiAlternatives:
    """The notice's message. `envelope_sender` (the attempt's bounce address) is the SMTP
    MAIL FROM; the visible From stays DEFAULT_FROM_EMAIL."""
    data = notice.merge_data
    context = {
        "subject": notice_subject(notice),
        "reference": notice.reference,
        "addressee": data["recipient"]["addressee"] or "Dear Sirs and Madams",
        "date": data["notice"]["date"],
        "deadline": data["notice"]["response_deadline"],
        "principal_names": data["principal_names"],
        "signatory": data["signatory"]["name"],
        "signatory_title": data["signatory"]["title"],
        "organisation": data["signatory"]["organisation"],
    }
    message = templated_email(
        "notice",
        context,
        to=[recipient],
        message_id=notice_message_id(notice),
        reply_to=[notice_reply_to(notice)],
        headers={"X-Notice-Reference": notice.reference},
    )
    if envelope_sender:
        message.extra_headers["From"] = message.from_email
        message.from_email = envelope_sender
    message.attach(f"{notice.reference}.pdf", pdf, "application/pdf")
    return message
