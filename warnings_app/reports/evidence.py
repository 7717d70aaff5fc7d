"""The evidence bundle for litigation counsel: one zip per company (or campaign) with every
letter PDF, every raw reply and attachment, the delivery records with the servers' replies and
Message-IDs, the audit extract, and manifest.json naming each file with its SHA-256 and what it
is. `verify_bundle` checks a bundle against its manifest."""

import hashlib
import io
import json
import zipfile
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from warnings_app.models import AuditEvent, Company, DeliveryAttempt, Notice, Response
from warnings_app.reports.exports import CHUNK, audit_csv, export_rows, write_csv

MANIFEST = "manifest.json"


def _read(field: FieldFile) -> bytes | None:
    try:
        with field.open("rb") as handle:
            content: bytes = handle.read()
            return content
    except (FileNotFoundError, ValueError):
        return None


class _Bundle:
    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buffer, "w", compression=zipfile.ZIP_DEFLATED)
        self.files: list[dict[str, Any]] = []
        self.problems: list[str] = []

    def add(self, path: str, content: bytes, what: str, **facts: Any) -> None:
        self.zip.writestr(path, content)
        digest = hashlib.sha256(content).hexdigest()
        self.files.append(
            {"path": path, "sha256": digest, "size": len(content), "what": what, **facts}
        )

    def close(self, subject: dict[str, Any]) -> bytes:
        manifest = {
            "created_at": timezone.now().isoformat(),
            "subject": subject,
            "files": self.files,
            "problems": self.problems,
            "verify_with": "python manage.py verify_bundle FILE",
        }
        self.zip.writestr(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
        self.zip.close()
        return self.buffer.getvalue()


def evidence_bundle(
    *, notices: QuerySet[Notice], subject: dict[str, Any], include_privileged: bool = False
) -> bytes:
    """The bundle. Legal's internal notes (attorney work product) go in only when
    `include_privileged` (the caller checks the permission); the manifest says which."""
    bundle = _Bundle()
    subject = {**subject, "includes_privileged_notes": include_privileged}
    notices = notices.select_related("company").order_by("pk")
    for notice in notices:
        if not notice.pdf:
            continue
        content = _read(notice.pdf)
        if content is None:
            bundle.problems.append(f"{notice.reference}: the stored letter is missing")
            continue
        matches = hashlib.sha256(content).hexdigest() == notice.pdf_sha256
        if not matches:
            bundle.problems.append(f"{notice.reference}: the stored letter differs from its hash")
        bundle.add(
            f"letters/{notice.reference}.pdf",
            content,
            f"letter {notice.reference} as rendered and sent",
            recorded_sha256=notice.pdf_sha256,
            matches_record=matches,
        )
    replies = (
        Response.objects.filter(
            Q(notice__in=notices) | Q(company__in={n.company_id for n in notices})
        )
        .select_related("notice", "suggested_notice", "confirmed_by")
        .prefetch_related("attachments")
    )
    for reply in replies.order_by("pk"):
        folder = f"replies/{reply.pk}"
        raw = _read(reply.raw_message) if reply.raw_message else None
        if raw is not None:
            bundle.add(f"{folder}/message.eml", raw, f"raw e-mail {reply.message_id}")
        bundle.add(
            f"{folder}/record.json",
            json.dumps(
                {
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
                    "suggested_notice": reply.suggested_notice.reference
                    if reply.suggested_notice
                    else None,
                    "confirmed_by": reply.confirmed_by.get_username()
                    if reply.confirmed_by
                    else None,
                    "confirmed_at": reply.confirmed_at.isoformat() if reply.confirmed_at else None,
                }
                | (_privileged_reply(reply) if include_privileged else {}),
                indent=2,
                ensure_ascii=False,
            ).encode(),
            "the reply as logged",
        )
        for n, attachment in enumerate(reply.attachments.all(), start=1):
            content = _read(attachment.file) if attachment.file else None
            if content is not None:
                name = attachment.original_filename.replace("/", "_")[:100]
                bundle.add(f"{folder}/attachments/{n}-{name}", content, "attachment of the reply")
    if include_privileged:
        companies = Company.objects.filter(pk__in={n.company_id for n in notices}).order_by("pk")
        bundle.add(
            "privileged/company_notes.json",
            json.dumps(
                [{"company": c.legal_name, "id": c.pk, "notes": c.notes} for c in companies],
                indent=2,
                ensure_ascii=False,
            ).encode(),
            "PRIVILEGED: Legal's internal notes on the companies (attorney work product)",
        )
    deliveries = DeliveryAttempt.objects.filter(notice__in=notices).order_by("pk")
    headers, rows = export_rows("deliveries", deliveries)
    bundle.add(
        "deliveries.csv",
        write_csv(headers, rows),
        "every delivery attempt with the server's reply and the Message-ID",
    )
    targets = Q(target_type="warnings_app.notice", target_id__in=[str(n.pk) for n in notices])
    targets |= Q(target_type="warnings_app.response", target_id__in=[str(r.pk) for r in replies])
    events = AuditEvent.objects.filter(targets).select_related("actor").order_by("pk")
    bundle.add(
        "audit.csv",
        audit_csv(events.iterator(chunk_size=CHUNK)),
        "the audit log of these letters and replies (the columns of the audit log's download)",
    )
    return bundle.close(subject)


def _privileged_reply(reply: Response) -> dict[str, Any]:
    return {
        "privileged_classification_note": reply.classification_note,
        "privileged_demand_notes": {d.demand: d.note for d in reply.demands.all() if d.note},
    }


def verify_bundle(data: bytes) -> list[str]:
    """Every difference between a bundle and its manifest, naming the file; empty when intact."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return ["not a zip file"]
    with archive:
        try:
            manifest = json.loads(archive.read(MANIFEST))
        except (KeyError, ValueError):
            return [f"{MANIFEST} is missing or unreadable"]
        listed = {entry["path"]: entry for entry in manifest.get("files", [])}
        problems = []
        for name in sorted(set(archive.namelist()) - set(listed) - {MANIFEST}):
            problems.append(f"{name}: in the bundle but not in the manifest")
        for path, entry in listed.items():
            try:
                content = archive.read(path)
            except KeyError:
                problems.append(f"{path}: listed in the manifest but missing")
                continue
            except zipfile.BadZipFile as exc:  # a damaged entry fails its CRC check
                problems.append(f"{path}: damaged ({exc})")
                continue
            if hashlib.sha256(content).hexdigest() != entry["sha256"]:
                problems.append(f"{path}: SHA-256 differs from the manifest")
        return problems
