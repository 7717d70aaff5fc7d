"""Checks that the preference register and the published reservations are as recorded: each
statement's record hash recomputed from its rows, its instruction file against its SHA-256, and
each published version's files against theirs. Used by `manage.py verify_integrity`."""

import hashlib
from collections.abc import Iterator

from django.core.files.storage import default_storage

from warnings_app.models import PreferenceStatement, ReservationPublication
from warnings_app.reports.reservations import policies_sha256
from warnings_app.selectors.preference_register import record_sha256


def _file_sha256(name: str | None) -> str | None:
    if not name or not default_storage.exists(name):
        return None
    digest = hashlib.sha256()
    with default_storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def statement_problems() -> Iterator[str]:
    statements = PreferenceStatement.objects.select_related("artist").order_by("pk")
    for statement in statements.prefetch_related("work_choices").iterator(chunk_size=200):
        label = f"preference statement {statement.pk} ({statement.artist.name})"
        if record_sha256(statement) != statement.record_sha256:
            yield f"{label}: its rows no longer match its record hash"
        found = _file_sha256(statement.instruction_file.name)
        if found is None:
            yield f"{label}: the instruction file is missing"
        elif found != statement.instruction_sha256:
            yield f"{label}: the instruction file does not match its SHA-256"


def publication_problems() -> Iterator[str]:
    for publication in ReservationPublication.objects.order_by("version").iterator(chunk_size=200):
        for what, text, expected in (
            ("tdmrep.json", publication.tdmrep_json, publication.tdmrep_sha256),
            ("robots.txt", publication.robots_txt, publication.robots_sha256),
        ):
            if hashlib.sha256(text.encode("utf-8")).hexdigest() != expected:
                yield (
                    f"published reservations v{publication.version}: {what} does not match "
                    "its SHA-256"
                )
        recorded = publication.summary.get("policies_sha256")
        if recorded and policies_sha256(publication.summary.get("policies", {})) != recorded:
            yield (
                f"published reservations v{publication.version}: the licence policies do not "
                "match their SHA-256"
            )
