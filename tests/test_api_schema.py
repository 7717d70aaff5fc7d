"""Schemathesis against the running API: the app on loopback (live_server) with a seeded
database and a Legal user's token; every operation of the live /api/schema/ is called with
generated valid and invalid input, and every check is on (no server errors, responses and
status codes as documented, content types, auth enforced, ...). Bounded: a few examples per
operation and a time budget."""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from tests.api_helpers import api_key
from tests.campaign_helpers import make_campaign
from tests.factories import UserFactory, make_notice
from tests.licence_figures_helpers import build as build_licences
from warnings_app.domain.roles import LEGAL
from warnings_app.models import DeliveryAttempt, Notice, Response

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def _seed() -> str:
    make_campaign(companies=2)
    notice = make_notice()
    content = b"%PDF-1.7 a stand-in letter"
    Notice.objects.filter(pk=notice.pk).update(
        pdf=default_storage.save("notices/schema.pdf", ContentFile(content)),
        pdf_sha256=hashlib.sha256(content).hexdigest(),
    )
    DeliveryAttempt.objects.create(
        notice=notice, channel="email", idempotency_key="x", started_at=timezone.now()
    )
    Response.objects.create(
        notice=notice, company=notice.company, channel="letter", received_at=timezone.now()
    )
    build_licences()  # licence talks, licences, usage reports and findings to read
    return api_key(UserFactory(role=LEGAL))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_api_honours_its_schema(live_server, tmp_path):
    token = _seed()

    run = subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(Path(__file__).with_name("schemathesis.toml")),
            "run",
            f"{live_server.url}/api/schema/?format=json",
            "--url",
            live_server.url,
            "--header",
            f"Authorization: Token {token}",
            "--checks",
            "all",
            "--max-examples",
            "5",
            "--seed",
            "20261128",
            "--max-time",
            "80",
            "--workers",
            "1",
            "--request-timeout",
            "20",
            "--generation-deterministic",
            "--no-shrink",
            "--warnings",
            "off",
        ],
        capture_output=True,
        text=True,
        timeout=170,
        cwd=tmp_path,
    )

    (tmp_path / "schemathesis.txt").write_text(run.stdout + run.stderr)  # kept for a look
    assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-3000:]
