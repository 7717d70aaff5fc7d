"""E-mail messages as a company's mail server would hand them to us."""

from email.message import EmailMessage


def mail(*, sender, to, subject, body, **headers) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Mon, 23 Nov 2026 10:00:00 +0000"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


# Our own receiving server's authserv-id in the tests: only its Authentication-Results count.
OUR_SERVER = "mx.legal.example"


def as_our_server_passes_it(message: EmailMessage, *, spf="", dmarc="", domain="") -> bytes:
    """The message as our receiving server hands it on, with its own Authentication-Results
    on top (the tests set REPLY_AUTHSERV_ID to OUR_SERVER)."""
    domain = domain or message["From"].rpartition("@")[2].strip(">")
    results = []
    if spf:
        results.append(f"spf={spf} smtp.mailfrom={domain}")
    if dmarc:
        results.append(f"dmarc={dmarc} header.from={domain}")
    header = f"Authentication-Results: {OUR_SERVER}; {'; '.join(results) or 'none'}\r\n"
    return header.encode() + message.as_bytes()
