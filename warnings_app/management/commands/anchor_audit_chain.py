"""Timestamp the audit chain's head now and store it as an anchor, copied to AUDIT_ANCHOR_EMAIL
and/or AUDIT_ANCHOR_PATH (beat does it every AUDIT_ANCHOR_EVERY_MINUTES). With nothing new
since the last anchor, nothing is stored."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from warnings_app.services.audit_anchors import AnchorRefused, anchor_chain_head


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = anchor_chain_head()
        except AnchorRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(done.message)
        anchor = done.anchor
        if anchor is not None:
            copies = [anchor.emailed_to, anchor.file_path]
            where = ", ".join(c for c in copies if c) or "the database only"
            demo = " (demo authority)" if anchor.demo else ""
            self.stdout.write(
                f"Stamped {anchor.stamped_at:%Y-%m-%d %H:%M:%S %Z} by {anchor.authority}{demo}; "
                f"copied to {where}."
            )
