from collections.abc import Iterator, Mapping
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from warnings_app.domain import audit_anchors, audit_chain
from warnings_app.models import AuditEvent, Notice
from warnings_app.reports.audit_anchors import anchors_to_verify
from warnings_app.reports.preference_integrity import publication_problems, statement_problems
from warnings_app.selectors.letter_signatures import letter_hashes_rendered_unsigned
from warnings_app.services import stored_pdf_matches, stored_pdf_signature

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Recompute the SHA-256 and check the signature of every stored letter PDF, every link "
        "of the audit chain, every preference statement and its instruction, and every "
        "published reservation; verify every anchor of the chain (its timestamp token, and that "
        "the chain still passes through its head) and the anchor files in AUDIT_ANCHOR_PATH; "
        "report any missing or altered."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = self._pdfs() + self._audit_chain() + self._preferences()
        if problems:
            raise CommandError(
                f"integrity check failed ({len(problems)} problem(s)); first: "
                + "; ".join(problems[:SHOWN])
                + (" …" if len(problems) > SHOWN else "")
            )

    def _pdfs(self) -> list[str]:
        """Each stored letter's bytes against its recorded hash, and its signature: intact,
        by a trusted certificate, timestamped. A letter rendered before letters were signed
        (its render event says so) is counted, not failed."""
        checked, broken, before_signing = 0, [], 0
        legacy = letter_hashes_rendered_unsigned()
        notices = Notice.objects.exclude(pdf="").only("pk", "reference", "pdf", "pdf_sha256")
        for notice in notices.order_by("pk").iterator(chunk_size=500):
            ok, problem = stored_pdf_matches(notice)
            checked += 1
            signature = stored_pdf_signature(notice) if ok else None
            if signature is not None and not signature.valid:
                if signature.problem == "the document is not signed" and (
                    notice.pdf_sha256 in legacy
                ):
                    before_signing += 1
                else:
                    ok, problem = False, f"signature invalid: {signature.problem}"
            if not ok:
                broken.append(f"{notice.reference}: {problem}")
                self.stderr.write(broken[-1])
        self.stdout.write(
            f"Checked {checked} letter PDF(s) and their signatures; {len(broken)} problem(s)."
            + (f" {before_signing} rendered before letters were signed." if before_signing else "")
        )
        return broken

    def _audit_chain(self) -> list[str]:
        """The whole chain, streamed in id order (a server-side cursor on PostgreSQL), held to
        every anchor (stored, or found only on disk)."""
        found = anchors_to_verify()
        walk = audit_anchors.ChainWalk(anchored={a.event_id for a in found.anchors})
        rows = AuditEvent.objects.order_by("pk").values(*audit_chain.FIELDS, "prev_hash", "hash")
        counted = _Counted(walk.see(rows.iterator(chunk_size=5000)))
        broken = []
        for found_break in audit_chain.verify(counted):
            walk.broke(found_break.id)
            broken.append(str(found_break))
            if len(broken) <= SHOWN:
                self.stderr.write(broken[-1])
        self.stdout.write(f"Checked {counted.n} audit event(s); {len(broken)} break(s).")
        contradicted = list(found.problems)
        for anchor in found.anchors:
            contradicted += audit_anchors.contradictions(anchor, walk)
        for problem in contradicted[:SHOWN]:
            self.stderr.write(problem)
        files = f" and {found.files} anchor file(s)" if found.files else ""
        self.stdout.write(
            f"Checked {found.stored} anchor(s){files}; {len(contradicted)} contradiction(s)."
        )
        return contradicted + broken

    def _preferences(self) -> list[str]:
        broken = [*statement_problems(), *publication_problems()]
        for problem in broken[:SHOWN]:
            self.stderr.write(problem)
        self.stdout.write(
            f"Checked the preference register and published reservations; {len(broken)} problem(s)."
        )
        return broken


class _Counted:
    """The rows, counting how many were read."""

    def __init__(self, rows: Iterator[Mapping[str, Any]]) -> None:
        self.rows, self.n = rows, 0

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        for row in self.rows:
            self.n += 1
            yield row
