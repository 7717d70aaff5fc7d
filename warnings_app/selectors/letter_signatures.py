"""Which stored letters were rendered before letters were signed (issue 17). Their render event
records the hash without a "signed" entry: such a letter is unsigned by history, not by
tampering. Any other letter must carry a valid signature."""

from warnings_app.models import AuditEvent

RENDER_VERBS = ("notice.render", "notice.rerender")


def letter_hashes_rendered_unsigned() -> set[str]:
    """SHA-256 values of the letters whose render event predates signing."""
    rows = (
        AuditEvent.objects.filter(verb__in=RENDER_VERBS)
        .exclude(data__has_key="signed")
        .values_list("data__sha256", flat=True)
    )
    return {str(value) for value in rows if value}
