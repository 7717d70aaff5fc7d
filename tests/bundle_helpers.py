"""Asking for an evidence bundle the way a lawyer does: press the button (the request only
enqueues), let the worker's task build it, then download it from the bundle's page."""

import io
import json
import zipfile

from django.urls import reverse

from warnings_app.models import EvidenceBundle
from warnings_app.reports.bundle_zip import MANIFEST
from warnings_app.tasks import build_evidence_bundle_task


def built_bundle(client, url_name, pk, *, privileged=False) -> tuple[bytes, EvidenceBundle]:
    """POST the button, run the build task as a worker would, download: (zip bytes, bundle)."""
    data = {"include_privileged": "1"} if privileged else {}
    asked = client.post(reverse(url_name, args=[pk]), data)
    assert asked.status_code == 302, asked.content
    bundle = EvidenceBundle.objects.get(pk=int(asked.url.rstrip("/").rsplit("/", 1)[-1]))

    assert build_evidence_bundle_task(bundle.pk) == "ready"

    response = client.get(reverse("evidence_bundle_download", args=[bundle.pk]))
    assert response.status_code == 200
    bundle.refresh_from_db()
    return b"".join(response.streaming_content), bundle


def bundle_text(content: bytes) -> tuple[str, dict]:
    """Every file's text (the signature left out) and the manifest."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = [n for n in archive.namelist() if not n.endswith(".p7s")]
        text = " ".join(archive.read(name).decode() for name in names)
        return text, json.loads(archive.read(MANIFEST))
