"""The evidence bundle for litigation counsel: one zip per company (or campaign) with every
letter PDF, every raw reply and attachment, the delivery records with the servers' replies and
Message-IDs, the audit extract, and a signed manifest.json naming each file with its SHA-256,
its size and what it is (reports/bundle_zip.py writes it; reports/bundle_check.py verifies it).
Built by a worker onto a file (services/bundles.py), letter by letter, never whole in memory."""

import json
from collections.abc import Callable
from typing import IO, Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from warnings_app.integrations.signing import signing_is_demo
from warnings_app.models import AuditEvent, Company, DeliveryAttempt, Notice, Response
from warnings_app.reports.bundle_zip import BundleWriter, stored_chunks
from warnings_app.reports.exports import AUDIT_COLUMNS, export_rows, row_cells

# The bundle's own format: bump it when the manifest's meaning changes.
FORMAT = "evidence-bundle/2"
# Letters (with their deliveries) read from the database at a time: what the build holds besides
# one chunk of one file and the manifest's lines.
LETTERS_AT_ONCE = 100


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _deliveries(notice: Notice) -> list[dict[str, Any]]:
    return [
        {
            "channel": d.channel,
            "outcome": d.outcome,
            "message_id": d.message_id,
            "recipient": d.recipient,
            "server_reply": d.server_reply,
            "pdf_sha256": d.pdf_sha256,
            "started_at": _iso(d.started_at),
            "finished_at": _iso(d.finished_at),
        }
        for d in sorted(notice.deliveries.all(), key=lambda d: (d.started_at, d.pk))
    ]


def bundle_replies(notices: QuerySet[Notice]) -> QuerySet[Response]:
    """The replies to these letters, or from their companies."""
    return Response.objects.filter(
        Q(notice__in=notices) | Q(company__in=notices.values("company_id"))
    )


def bundle_size(notices: QuerySet[Notice]) -> int:
    """How many letters and replies a bundle of these letters writes (its progress's total)."""
    return notices.exclude(pdf="").count() + bundle_replies(notices).count()


def evidence_bundle_write(
    *,
    notices: QuerySet[Notice],
    subject: dict[str, Any],
    target: IO[bytes],
    built_by: str,
    include_privileged: bool = False,
    progress: Callable[[int], None] = lambda done: None,
) -> dict[str, Any]:
    """Write the bundle onto `target`; its manifest. Legal's internal notes (attorney work
    product) go in only when `include_privileged` (the caller checks the permission); the
    manifest says which. `progress(done)` is told how many letters and replies are written."""
    bundle = BundleWriter(target)
    problems: list[str] = []
    done = 0
    letters = (
        notices.exclude(pdf="")
        .only("pk", "reference", "pdf", "pdf_sha256", "rendered_at", "sent_at")
        .prefetch_related("deliveries")
        .order_by("pk")
    )
    for notice in letters.iterator(chunk_size=LETTERS_AT_ONCE):
        chunks = stored_chunks(notice.pdf)
        if chunks is None:
            problems.append(f"{notice.reference}: the stored letter is missing")
        else:
            digest = bundle.add_chunks(
                f"letters/{notice.reference}.pdf",
                chunks,
                f"letter {notice.reference} as rendered and sent",
                expected_sha256=notice.pdf_sha256,
                notice=notice.reference,
                rendered_at=_iso(notice.rendered_at),
                sent_at=_iso(notice.sent_at),
                deliveries=_deliveries(notice),
            )
            if digest != notice.pdf_sha256:
                problems.append(f"{notice.reference}: the stored letter differs from its hash")
        done += 1
        progress(done)
    replies = (
        bundle_replies(notices)
        .select_related("notice", "suggested_notice", "confirmed_by")
        .prefetch_related("attachments", "demands")
        .order_by("pk")
    )
    for reply in replies.iterator(chunk_size=LETTERS_AT_ONCE):
        _add_reply(bundle, reply, include_privileged=include_privileged)
        done += 1
        progress(done)
    if include_privileged:
        companies = Company.objects.filter(pk__in=notices.values("company_id")).order_by("pk")
        bundle.add_bytes(
            "privileged/company_notes.json",
            json.dumps(
                [{"company": c.legal_name, "id": c.pk, "notes": c.notes} for c in companies],
                indent=2,
                ensure_ascii=False,
            ).encode(),
            "PRIVILEGED: Legal's internal notes on the companies (attorney work product)",
        )
    deliveries = DeliveryAttempt.objects.filter(notice__in=notices).order_by("pk")
    bundle.add_csv(
        "deliveries.csv",
        *export_rows("deliveries", deliveries, chunk=LETTERS_AT_ONCE),
        "every delivery attempt with the server's reply and the Message-ID",
    )
    ids = Cast("pk", output_field=CharField())
    targets = Q(target_type="warnings_app.notice", target_id__in=notices.values_list(ids))
    targets |= Q(
        target_type="warnings_app.response",
        target_id__in=bundle_replies(notices).values_list(ids),
    )
    events = AuditEvent.objects.filter(targets).select_related("actor").order_by("pk")
    bundle.add_csv(
        "audit.csv",
        [name for name, _ in AUDIT_COLUMNS],
        (row_cells(AUDIT_COLUMNS, e) for e in events.iterator(chunk_size=LETTERS_AT_ONCE)),
        "the audit log of these letters and replies (the columns of the audit log's download)",
    )
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "built_by": built_by,
        "subject": {**subject, "includes_privileged_notes": include_privileged},
        "problems": problems,
        "signature": "manifest.json.p7s: detached CMS over the exact bytes of manifest.json",
        # The demo certificate and TSA (no SIGNING_CERT / TSA_URL configured) prove nothing.
        "signed_with_demo_certificate": signing_is_demo(),
        "verify_with": "python manage.py verify_bundle FILE [--online]",
    }
    bundle.close(manifest)
    return manifest


def _add_reply(bundle: BundleWriter, reply: Response, *, include_privileged: bool) -> None:
    folder = f"replies/{reply.pk}"
    chunks = stored_chunks(reply.raw_message) if reply.raw_message else None
    if chunks is not None:
        bundle.add_chunks(
            f"{folder}/message.eml",
            chunks,
            f"raw e-mail {reply.message_id}",
            expected_sha256=reply.raw_sha256,
            reply=reply.pk,
        )
    record = {
        "notice": reply.notice.reference if reply.notice else None,
        "channel": reply.channel,
        "kind": reply.kind,
        "received_at": reply.received_at.isoformat(),
        "sender": reply.sender,
        "subject": reply.subject,
        "outcome": reply.outcome,
        "text": reply.body_text,
        "raw_sha256": reply.raw_sha256,
        "authentication_results": reply.authentication_results,
        # What was verified of the sender on arrival, and why it acted or waited.
        "sender_check": reply.sender_check,
        "trust": reply.trust,
        "trust_reason": reply.trust_reason,
        "suggested_notice": reply.suggested_notice.reference if reply.suggested_notice else None,
        "confirmed_by": reply.confirmed_by.get_username() if reply.confirmed_by else None,
        "confirmed_at": _iso(reply.confirmed_at),
    }
    if include_privileged:
        record |= {
            "privileged_classification_note": reply.classification_note,
            "privileged_demand_notes": {d.demand: d.note for d in reply.demands.all() if d.note},
        }
    bundle.add_bytes(
        f"{folder}/record.json",
        json.dumps(record, indent=2, ensure_ascii=False).encode(),
        "the reply as logged",
    )
    for n, attachment in enumerate(reply.attachments.all(), start=1):
        chunks = stored_chunks(attachment.file) if attachment.file else None
        if chunks is not None:
            name = attachment.original_filename.replace("/", "_").replace("\\", "_")[:100]
            bundle.add_chunks(f"{folder}/attachments/{n}-{name}", chunks, "attachment of the reply")
