"""Postal and courier delivery through a mail house: a print batch (merged PDF with separator
pages and a CSV manifest), handing it to the carrier, and tracking numbers afterwards."""

import csv
import hashlib
import io
import secrets
from datetime import date
from typing import TYPE_CHECKING

from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from warnings_app.domain.letters.compose import PAGE_SIZES
from warnings_app.integrations.pdf import merge_pdfs, render_letter_pdf
from warnings_app.models import Campaign, DeliveryAttempt, Notice, PrintBatch
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.reports.exports import safe_cell
from warnings_app.selectors.printing import READY, notices_awaiting_print
from warnings_app.services.audit import audit_record
from warnings_app.services.campaign_sending import campaign_sending_check_on_commit
from warnings_app.services.errors import ServiceError
from warnings_app.services.followups import followups_schedule
from warnings_app.services.notices import apply_transition, apply_transition_many
from warnings_app.services.stored_files import (
    StoredFileAltered,
    stored_file_read_verified,
    stored_file_save,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MANIFEST_COLUMNS = [
    "item",
    "reference",
    "channel",
    "company",
    "addressee",
    "address",
    "country",
    "first_page",
    "pages",
    "letter_sha256",
]


def print_batch_create(*, channel: str, by: "User", campaign: Campaign | None = None) -> PrintBatch:
    """Merge every waiting letter for `channel` (of `campaign`, if given) into one batch. The
    letters are the stored bytes, checked against their hashes; nothing is rendered again."""
    notices = notices_awaiting_print(channel=channel, campaign=campaign)
    if not notices:
        raise ServiceError(f"no letter is waiting to go by {channel}")
    letters, rows, page = [], [], 1
    code = f"PB-{timezone.localdate():%Y%m%d}-{secrets.token_hex(3).upper()}"
    for item, notice in enumerate(notices, start=1):
        try:
            content = stored_file_read_verified(name=notice.pdf.name, sha256=notice.pdf_sha256)
        except StoredFileAltered as exc:
            raise ServiceError(
                f"{notice.reference}: the stored letter is missing or does not match its hash"
            ) from exc
        recipient = notice.merge_data["recipient"]
        address = [
            recipient["addressee"],
            recipient.get("organisation") or recipient["legal_name"],
            *recipient["address_lines"],
        ]
        separator = render_letter_pdf(
            render_to_string(
                "warnings_app/print/separator.html",
                {
                    "batch": code,
                    "item": item,
                    "total": len(notices),
                    "reference": notice.reference,
                    "channel": channel,
                    "pages": notice.pdf_pages,
                    "sha256": notice.pdf_sha256,
                    "address": [line for line in address if line],
                    "page_size": PAGE_SIZES.get(notice.template_version.template.paper_size, "A4"),
                },
            )
        )
        letters += [separator.content, content]
        # The mail house opens the manifest in a spreadsheet: every cell gets the exports' formula
        # guard, so a company named "=HYPERLINK(...)" is text there, not a live formula.
        rows.append(
            [
                safe_cell(cell)
                for cell in (
                    item,
                    notice.reference,
                    channel,
                    notice.company.legal_name,
                    recipient["addressee"],
                    " / ".join(recipient["address_lines"]),
                    recipient["country"],
                    page + separator.pages,
                    notice.pdf_pages,
                    notice.pdf_sha256,
                )
            ]
        )
        page += separator.pages + (notice.pdf_pages or 0)
    merged = merge_pdfs(letters)
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(MANIFEST_COLUMNS)
    writer.writerows(rows)
    manifest_bytes = manifest.getvalue().encode("utf-8")
    pdf_name = stored_file_save(folder="print", content=merged.content, extension=".pdf")
    manifest_name = stored_file_save(folder="print", content=manifest_bytes, extension=".csv")
    with transaction.atomic():
        # Two clerks preparing batches at once: the second must not take the same letters.
        locked = list(Notice.objects.select_for_update().filter(pk__in=[n.pk for n in notices]))
        still_waiting = {n.pk for n in notices_awaiting_print(channel=channel, campaign=campaign)}
        if len(locked) != len(notices) or any(n.pk not in still_waiting for n in notices):
            default_storage.delete(pdf_name)
            default_storage.delete(manifest_name)
            raise ServiceError(
                "some of these letters were just put in another batch; prepare the batch again"
            )
        batch = PrintBatch.objects.create(
            code=code,
            channel=channel,
            campaign=campaign,
            pdf=pdf_name,
            pdf_sha256=merged.sha256,
            manifest=manifest_name,
            manifest_sha256=hashlib.sha256(manifest_bytes).hexdigest(),
            letters=len(notices),
            pages=merged.pages,
            created_by=by,
        )
        now = timezone.now()
        DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(
                notice=n,
                channel=channel,
                outcome=DeliveryAttempt.Outcome.PENDING,
                idempotency_key=f"{n.reference}/{channel}",
                print_batch=batch,
                recipient=" / ".join(n.merge_data["recipient"]["address_lines"]),
                pdf_sha256=n.pdf_sha256,
                started_at=now,
            )
            for n in notices
        )
        audit_record(
            actor=by,
            verb="print_batch.created",
            target=batch,
            data={"references": [n.reference for n in notices], "pdf_sha256": merged.sha256},
        )
    return batch


@transaction.atomic
def print_batch_hand_over(*, batch: PrintBatch, by: "User") -> PrintBatch:
    """prepared -> handed over: each letter in it is now on its way by post or courier.
    Letters that go by no other channel are marked sent."""
    now = timezone.now()
    moved = PrintBatch.objects.filter(pk=batch.pk, status=PrintBatch.Status.PREPARED).update(
        status=PrintBatch.Status.HANDED_OVER, handed_over_at=now, handed_over_by=by
    )
    if moved != 1:
        raise ServiceError(f"{batch} was already handed to the carrier")
    attempts = list(batch.attempts.select_related("notice"))
    # A letter withdrawn (or stopped) after the batch was printed must be pulled out by hand.
    pulled = [a for a in attempts if a.notice.status not in READY]
    DeliveryAttempt.objects.filter(pk__in=[a.pk for a in pulled]).update(
        outcome=DeliveryAttempt.Outcome.FAILED,
        finished_at=now,
        server_reply="not handed over: the letter was withdrawn or stopped after printing",
    )
    attempts = [a for a in attempts if a not in pulled]
    DeliveryAttempt.objects.filter(pk__in=[a.pk for a in attempts]).update(
        outcome=DeliveryAttempt.Outcome.ACCEPTED,
        server_reply="handed to the carrier",
        finished_at=now,
    )
    postal_only = [
        a.notice
        for a in attempts
        if a.notice.status == NoticeStatus.QUEUED and "email" not in a.notice.channels
    ]
    if postal_only:
        apply_transition_many(
            notices=postal_only, transition="claim", by=by, lease_owner=f"print-batch-{batch.pk}"
        )
        apply_transition_many(
            notices=postal_only,
            transition="mark_sent",
            by=by,
            sent_at=now,
            lease_owner="",
            lease_expires_at=None,
        )
        for notice in Notice.objects.filter(pk__in=[n.pk for n in postal_only]):
            followups_schedule(notice=notice)
            campaign_sending_check_on_commit(notice)
    audit_record(
        actor=by,
        verb="print_batch.handed_over",
        target=batch,
        from_state=PrintBatch.Status.PREPARED,
        to_state=PrintBatch.Status.HANDED_OVER,
        data={"letters": len(attempts), "pulled_out": [a.notice.reference for a in pulled]},
    )
    batch.refresh_from_db()
    return batch


def tracking_import(*, batch: PrintBatch, rows: list[dict[str, str]], by: "User") -> int:
    """Record tracking numbers and delivery dates (columns: reference, tracking_number,
    carrier, delivered_on as YYYY-MM-DD). All rows are checked first; any problem and nothing
    is stored (ServiceError lists each problem with its row)."""
    attempts = {a.notice.reference: a for a in batch.attempts.select_related("notice")}
    problems, updates = [], []
    for number, row in enumerate(rows, start=2):
        reference = (row.get("reference") or "").strip()
        attempt = attempts.get(reference)
        if attempt is None:
            problems.append(f"row {number}: {reference or 'no reference'} is not in this batch")
            continue
        delivered = (row.get("delivered_on") or "").strip()
        try:
            delivered_on = date.fromisoformat(delivered) if delivered else None
        except ValueError:
            problems.append(f"row {number}: delivered_on “{delivered}” is not a YYYY-MM-DD date")
            continue
        tracking = (row.get("tracking_number") or "").strip()
        if len(tracking) > 100 or len((row.get("carrier") or "").strip()) > 100:
            problems.append(f"row {number}: tracking number or carrier longer than 100 characters")
            continue
        updates.append((attempt, tracking, (row.get("carrier") or "").strip(), delivered_on))
    if problems:
        raise ServiceError("nothing was recorded: " + "; ".join(problems[:50]))
    with transaction.atomic():
        for attempt, tracking, carrier, delivered_on in updates:
            DeliveryAttempt.objects.filter(pk=attempt.pk).update(
                tracking_number=tracking, carrier=carrier, delivered_on=delivered_on
            )
            audit_record(
                actor=by,
                verb="delivery.tracking_recorded",
                target=attempt.notice,
                data={
                    "tracking_number": tracking,
                    "carrier": carrier,
                    "delivered_on": delivered_on,
                },
            )
            notice = Notice.objects.get(pk=attempt.notice_id)
            if delivered_on and notice.status == NoticeStatus.SENT:
                apply_transition(
                    notice=notice,
                    transition="mark_delivered",
                    by=by,
                    data={"channel": attempt.channel, "on": delivered_on},
                )
    return len(updates)
