from django.core.management.base import BaseCommand, CommandError

from warnings_app.models import Notice
from warnings_app.services import stored_pdf_matches


class Command(BaseCommand):
    help = "Recompute the SHA-256 of every stored letter PDF and report any missing or altered."

    def handle(self, *args, **options):
        checked, broken = 0, []
        notices = Notice.objects.exclude(pdf="").only("pk", "reference", "pdf", "pdf_sha256")
        for notice in notices.order_by("pk").iterator(chunk_size=500):
            ok, problem = stored_pdf_matches(notice)
            checked += 1
            if not ok:
                broken.append(notice.reference)
                self.stderr.write(f"{notice.reference}: {problem}")
        self.stdout.write(f"Checked {checked} letter PDF(s); {len(broken)} problem(s).")
        if broken:
            raise CommandError(
                f"integrity check failed for {len(broken)} notice(s): "
                + ", ".join(broken[:20])
                + (" …" if len(broken) > 20 else "")
            )
