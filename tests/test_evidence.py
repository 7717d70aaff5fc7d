import csv
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tests.bundle_helpers import built_bundle
from tests.campaign_helpers import sent_notices
from tests.factories import UserFactory
from warnings_app.models import AuditEvent
from warnings_app.reports.bundle_check import verify_bundle
from warnings_app.reports.bundle_zip import MANIFEST, SIGNATURE
from warnings_app.services.replies import reply_log

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("test_tsa")]


@pytest.fixture
def bundle(client, smtp_server):
    """The bundle of a company with two letters (a letter and its reminder) and a reply."""
    from datetime import timedelta

    from django.utils import timezone

    from warnings_app.models import FollowUp, Notice
    from warnings_app.services.delivery.send import notice_deliver
    from warnings_app.services.followups import followups_process
    from warnings_app.tasks import render_notice_task

    [notice] = sent_notices(companies=1)
    followups_process(now=FollowUp.objects.get().due_at + timedelta(minutes=1))
    reminder = Notice.objects.get(follows=notice)
    render_notice_task(reminder.pk)
    notice_deliver(notice_id=reminder.pk, worker="w")
    reply_log(
        by=UserFactory(role="Paralegal"),
        channel="letter",
        received_at=timezone.now(),
        notice=notice,
        subject="Reply by post",
        files=[("scan.pdf", "application/pdf", b"%PDF-1.4 scan")],
    )
    client.force_login(UserFactory(role="Legal"))
    content, _ = built_bundle(client, "company_evidence", notice.company_id)
    return content, notice, reminder


def _problems(data: bytes) -> list[str]:
    return verify_bundle(io.BytesIO(data)).problems


def _tamper(data: bytes, path: str) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == path:
                content = bytes([content[0] ^ 1]) + content[1:]
            target.writestr(item, content)
    return out.getvalue()


def test_a_company_bundle_holds_its_letters_reply_deliveries_and_audit_and_verifies(
    bundle, tmp_path
):
    data, notice, reminder = bundle
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read(MANIFEST))
    paths = {f["path"] for f in manifest["files"]}

    assert {f"letters/{notice.reference}.pdf", f"letters/{reminder.reference}.pdf"} <= paths
    assert any(p.endswith("/attachments/1-scan.pdf") for p in paths)
    [record_path] = [p for p in paths if p.endswith("/record.json")]
    record = json.loads(archive.read(record_path))
    # Logged by hand: the person who logged it vouches for it; no suggestion waited for a confirm.
    assert (record["trust"], record["suggested_notice"], record["confirmed_by"]) == (
        "confirmed",
        None,
        None,
    )
    assert record["sender_check"] == {}
    deliveries = archive.read("deliveries.csv").decode()
    attempt = notice.deliveries.get()
    assert attempt.message_id in deliveries
    # Which reply and bounce addresses the letter carried: what ties a reply or a bounce to it.
    assert attempt.reply_to in deliveries
    assert attempt.return_path in deliveries
    assert "250 2.0.0" in deliveries
    assert "notice.mark_sent" in archive.read("audit.csv").decode()
    assert manifest["problems"] == []
    assert _problems(data) == []
    path = tmp_path / "bundle.zip"
    path.write_bytes(data)
    call_command("verify_bundle", str(path), "--online")
    assert AuditEvent.objects.filter(verb="evidence.downloaded").count() == 1


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_the_bundles_csvs_are_the_deliveries_export_and_the_audit_logs_download(bundle, client):
    """One column set per file: deliveries.csv is the deliveries export, audit.csv has the
    audit log download's columns and, for the same events, the same rows."""
    data, notice, _ = bundle
    archive = zipfile.ZipFile(io.BytesIO(data))
    deliveries = _csv_rows(archive.read("deliveries.csv"))
    audit = _csv_rows(archive.read("audit.csv"))
    target = {"target_type": "warnings_app.notice", "target_id": str(notice.pk)}

    exported = _csv_rows(client.get(reverse("export", args=["deliveries", "csv"])).content)
    downloaded = _csv_rows(client.get(reverse("audit_export"), target).content)

    assert len(deliveries) > 2  # the letter's and the reminder's
    assert deliveries == exported  # the company's letters are every letter here
    assert audit[0] == downloaded[0]
    assert audit[0][4:6] == ["target_type", "target_id"]
    assert [row for row in audit if row[4:6] == list(target.values())] == downloaded[1:]
    assert len(downloaded) > 2


def test_changing_one_byte_of_any_file_fails_verification_naming_it(bundle, tmp_path):
    data, _, _ = bundle
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    files = [n for n in names if n not in (MANIFEST, SIGNATURE)]

    for name in files:
        problems = _problems(_tamper(data, name))
        assert problems == [f"{name}: SHA-256 differs from the manifest"], name
    for name in (MANIFEST, SIGNATURE):
        [problem, *_] = _problems(_tamper(data, name))
        assert problem.startswith(f"{MANIFEST}: its signature ({SIGNATURE}) does not verify")

    path = tmp_path / "tampered.zip"
    path.write_bytes(_tamper(data, names[0]))
    with pytest.raises(CommandError, match="not intact"):
        call_command("verify_bundle", str(path))


def test_managers_and_paralegals_get_no_bundle(client, smtp_server):
    [notice] = sent_notices(companies=1)
    client.force_login(UserFactory(role="Legal"))
    _, built = built_bundle(client, "company_evidence", notice.company_id)
    for role in ("Manager", "Paralegal"):
        client.force_login(UserFactory(role=role))
        assert client.post(reverse("company_evidence", args=[notice.company_id])).status_code == 403
        for name in ("evidence_bundle", "evidence_bundle_download"):
            assert client.get(reverse(name, args=[built.pk])).status_code == 403, (role, name)
    assert AuditEvent.objects.filter(verb="evidence.downloaded").count() == 1
