"""What bench/campaign.py checks in the messages the SMTP server received, after the clock has
stopped: duplicates and losses per campaign, the DKIM signature of a sample checked by dkimpy
against the key the bench generated (proof that signing was really on), and each message's
envelope sender being the VERP bounce address of the very attempt that sent it."""

import email.message
import email.parser
import email.utils
from dataclasses import dataclass
from typing import Any


@dataclass
class Delivered:
    """The messages one campaign's letters gave at the SMTP server."""

    expected: int  # letters the campaign should have delivered
    received: int  # messages with one of its Message-IDs (duplicates included)
    duplicates: int  # messages received more than once
    lost: int  # letters with no message received
    dkim_checked: int
    dkim_valid: int
    verp_checked: int
    verp_valid: int
    problems: list[str]

    def summary(self) -> str:
        return (
            f"{self.received} messages for {self.expected} letters, {self.duplicates} duplicates, "
            f"{self.lost} lost; DKIM valid {self.dkim_valid}/{self.dkim_checked} (sample); "
            f"VERP envelope sender {self.verp_valid}/{self.verp_checked}"
        )


def dns_record(output: str) -> bytes:
    """The TXT value printed by `manage.py dkim_dns_record` ("Value: v=DKIM1; ...")."""
    for line in output.splitlines():
        if line.startswith("Value:"):
            return line.removeprefix("Value:").strip().encode()
    raise SystemExit(f"no DKIM record in the command's output:\n{output}")


def delivered(
    campaign_id: int, received: list[Any], *, txt: bytes, domain: str, selector: str, sample: int
) -> Delivered:
    """Checks the `received` messages (tests.smtp_server.Received) of one campaign."""
    from warnings_app.integrations.emails import notice_message_id
    from warnings_app.models import DeliveryAttempt, Notice

    notices = list(Notice.objects.filter(campaign_id=campaign_id).only("pk", "reference"))
    expected = {notice_message_id(n) for n in notices}
    # A letter keeps its Message-ID on every attempt; each attempt has its own bounce address.
    attempts = {
        a.return_path: a
        for a in DeliveryAttempt.objects.filter(notice__campaign_id=campaign_id).exclude(
            return_path=""
        )
    }
    parser = email.parser.BytesHeaderParser()
    mine = [(parser.parsebytes(r.raw), r) for r in received]
    mine = [(headers, r) for headers, r in mine if headers["Message-ID"] in expected]
    ids = [headers["Message-ID"] for headers, _ in mine]
    problems: list[str] = []
    verp_valid = sum(
        _verp_ok(attempts.get(r.sender), r.sender, headers, problems) for headers, r in mine
    )
    step = max(1, len(mine) // max(1, sample))
    chosen = [r for _, r in mine[::step]][:sample]
    dkim_valid = sum(_dkim_ok(r.raw, txt, domain, selector, problems) for r in chosen)
    return Delivered(
        expected=len(expected),
        received=len(ids),
        duplicates=len(ids) - len(set(ids)),
        lost=len(expected - set(ids)),
        dkim_checked=len(chosen),
        dkim_valid=dkim_valid,
        verp_checked=len(mine),
        verp_valid=verp_valid,
        problems=problems[:10],
    )


def _verp_ok(
    attempt: Any, sender: str, headers: email.message.Message, problems: list[str]
) -> bool:
    """The envelope sender is the bounce address of one of this letter's attempts (`attempt`,
    None when no attempt has it), its token names that attempt under our key, and it is not the
    visible From."""
    from warnings_app.domain.mail_tokens import read_detail

    message_id = headers["Message-ID"]
    if attempt is None or attempt.message_id != message_id:
        problems.append(f"VERP: {message_id} went with {sender!r}, no attempt of it has that")
        return False
    local = sender.partition("@")[0]
    token = read_detail(local.partition("+")[2]) if "+" in local else None
    header_from = email.utils.parseaddr(headers["From"])[1]
    ok = (
        sender == attempt.return_path
        and token is not None
        and token.valid
        and token.attempt_id == attempt.pk
        and sender != header_from
    )
    if not ok:
        problems.append(f"VERP: attempt {attempt.pk} went with envelope sender {sender!r}")
    return ok


def _dkim_ok(raw: bytes, txt: bytes, domain: str, selector: str, problems: list[str]) -> bool:
    """dkimpy's own verification of the first signature, with our record as the only DNS."""
    import dkim  # type: ignore[import-untyped]

    record_name = f"{selector}._domainkey.{domain}.".encode()

    def dns(name: bytes, timeout: float = 5) -> bytes | None:
        return txt if name == record_name else None

    signature = email.parser.BytesHeaderParser().parsebytes(raw)["DKIM-Signature"] or ""
    flat = "".join(signature.split())  # folding and spaces mean nothing in these tags
    tags = dict(part.split("=", 1) for part in flat.split(";") if "=" in part)
    ours = tags.get("d") == domain and tags.get("s") == selector
    ok = ours and bool(dkim.verify(raw, dnsfunc=dns))
    if not ok:
        problems.append(f"DKIM: signature {signature[:80]!r} did not verify")
    return ok
