"""Builds every outgoing message. A notice's e-mail carries its stored PDF, a Message-ID that is
the same on every attempt, and a Reply-To that brings replies back to the notice."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from warnings_app.models import Notice


def notice_message_id(notice: Notice) -> str:
    return f"<{notice.reference}.{notice.pk}@{settings.MESSAGE_ID_DOMAIN}>"


def notice_reply_to(notice: Notice) -> str:
    local, _, domain = settings.NOTICE_REPLY_MAILBOX.partition("@")
    return f"{local}+{notice.reference}@{domain}"


def notice_email(notice: Notice, *, pdf: bytes, recipient: str) -> EmailMultiAlternatives:
    data = notice.merge_data
    context = {
        "subject": " ".join(notice.template_version.subject.split())[:150],
        "reference": notice.reference,
        "addressee": data["recipient"]["addressee"] or "Dear Sirs and Madams",
        "date": data["notice"]["date"],
        "deadline": data["notice"]["response_deadline"],
        "principal_names": data["principal_names"],
        "signatory": data["signatory"]["name"],
        "signatory_title": data["signatory"]["title"],
        "organisation": data["signatory"]["organisation"],
    }
    subject = render_to_string("warnings_app/emails/notice_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("warnings_app/emails/notice_body.txt", context),
        to=[recipient],
        reply_to=[notice_reply_to(notice)],
        headers={"Message-ID": notice_message_id(notice), "X-Notice-Reference": notice.reference},
    )
    message.attach_alternative(
        render_to_string("warnings_app/emails/notice_body.html", context), "text/html"
    )
    message.attach(f"{notice.reference}.pdf", pdf, "application/pdf")
    return message
