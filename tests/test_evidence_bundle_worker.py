"""A bundle built the way production builds it: the page's button publishes the task after
commit, a real Celery worker process (Redis on loopback) builds the zip into storage, signing
with the test CA and timestamp authority on loopback, and the page then offers the download."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from tests.campaign_helpers import sent_notices
from tests.factories import UserFactory
from tests.worker import wait_for
from warnings_app.domain.roles import LEGAL
from warnings_app.models import EvidenceBundle
from warnings_app.reports.bundle_check import verify_bundle
from warnings_app.reports.bundle_zip import MANIFEST


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_process_builds_the_bundle_the_page_asked_for(worker_for, test_tsa, client):
    [notice] = sent_notices(companies=1)
    signing = {
        "SIGNING_CERT": test_tsa.signer_cert_pem,
        "SIGNING_KEY": test_tsa.signer_key_pem,
        "SIGNING_TRUST_ROOTS": test_tsa.root_pem,
        "TSA_URL": test_tsa.url,
        "TSA_TRUST_ROOTS": test_tsa.root_pem,
    }
    worker_for(concurrency=1, extra_env=signing)
    client.force_login(UserFactory(role=LEGAL))

    asked = client.post(reverse("company_evidence", args=[notice.company_id]))
    bundle = EvidenceBundle.objects.get()
    assert asked.url == reverse("evidence_bundle", args=[bundle.pk])
    assert wait_for(lambda: EvidenceBundle.objects.get().status == "ready", 90)

    page = client.get(asked.url).content.decode()
    download = client.get(reverse("evidence_bundle_download", args=[bundle.pk]))
    content = b"".join(download.streaming_content)
    check = verify_bundle(io.BytesIO(content))
    assert reverse("evidence_bundle_download", args=[bundle.pk]) in page
    assert check.problems == []
    assert check.timestamped
    assert not check.demo
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(content)).read(MANIFEST))
    assert f"letters/{notice.reference}.pdf" in {f["path"] for f in manifest["files"]}
