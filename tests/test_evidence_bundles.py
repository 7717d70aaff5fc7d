"""Evidence bundles built by a worker and checked by anyone: the request only asks, the
manifest is signed, and verify_bundle refuses a crafted zip before it can cost memory or time."""

import contextlib
import hashlib
import io
import json
import struct
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from tests.bundle_helpers import built_bundle
from tests.factories import CompanyFactory, UserFactory, make_notice
from warnings_app.domain.roles import LEGAL
from warnings_app.models import AuditEvent, EvidenceBundle, Notice, Response
from warnings_app.reports.bundle_certificate import CERTIFICATE
from warnings_app.reports.bundle_check import (
    BundleLimits,
    compare_with_register,
    verify_bundle,
)
from warnings_app.reports.bundle_zip import MANIFEST, SIGNATURE
from warnings_app.tasks import build_evidence_bundle_task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("test_tsa")]
RAW = b"From: counsel@example.com\r\nSubject: Re: your letter\r\n\r\nWe disagree.\r\n"


def _stored(path: str, content: bytes) -> tuple[str, str]:
    return default_storage.save(path, ContentFile(content)), hashlib.sha256(content).hexdigest()


@pytest.fixture
def company():
    """A company with two stored letters and an e-mailed reply with its raw message."""
    company = CompanyFactory()
    for n in range(2):
        notice = make_notice(company=company)
        name, digest = _stored("notices/letter.pdf", b"%%PDF-1.7 letter %d" % n)
        Notice.objects.filter(pk=notice.pk).update(pdf=name, pdf_sha256=digest)
    name, digest = _stored("replies/reply.eml", RAW)
    Response.objects.create(
        notice=notice,
        company=company,
        channel="email",
        message_id="<reply-1@example.com>",
        received_at=timezone.now(),
        raw_message=name,
        raw_sha256=digest,
    )
    return company


@pytest.fixture
def legal(client):
    client.force_login(UserFactory(role=LEGAL))
    return client


@pytest.fixture
def built(legal, company) -> bytes:
    return built_bundle(legal, "company_evidence", company.pk)[0]


def _check(data: bytes, **limits) -> list[str]:
    chosen = BundleLimits.from_settings()
    chosen = BundleLimits(**{**chosen.__dict__, **limits})
    return verify_bundle(io.BytesIO(data), chosen).problems


def _rewrite(data: bytes, change) -> bytes:
    """A copy of the zip with `change(name, content)` applied to each entry's content."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, change(item.filename, source.read(item.filename)))
    return out.getvalue()


def test_the_request_only_asks_and_a_worker_builds_the_bundle(
    legal, company, django_capture_on_commit_callbacks
):
    def stored() -> set[str]:
        return (
            set(default_storage.listdir("bundles")[1])
            if default_storage.exists("bundles")
            else set()
        )

    before = stored()
    with django_capture_on_commit_callbacks() as asked:
        response = legal.post(reverse("company_evidence", args=[company.pk]))

    bundle = EvidenceBundle.objects.get()
    assert (bundle.status, bundle.file.name, bundle.done) == ("queued", "", 0)
    assert stored() == before  # nothing written into storage by the request
    assert len(asked) == 1  # the build task, published after the request's commit
    waiting = legal.get(response.url).content.decode()
    assert 'http-equiv="refresh"' in waiting
    assert "Waiting for a worker" in waiting
    assert "evidence.requested" in AuditEvent.objects.values_list("verb", flat=True)

    assert build_evidence_bundle_task(bundle.pk) == "ready"
    assert build_evidence_bundle_task(bundle.pk) == "not queued"  # a redelivery does nothing

    bundle.refresh_from_db()
    ready = legal.get(response.url).content.decode()
    assert (bundle.status, bundle.done, bundle.total) == ("ready", 3, 3)  # two letters, a reply
    assert 'http-equiv="refresh"' not in ready
    assert reverse("evidence_bundle_download", args=[bundle.pk]) in ready
    download = legal.get(reverse("evidence_bundle_download", args=[bundle.pk]))
    content = b"".join(download.streaming_content)
    assert hashlib.sha256(content).hexdigest() == bundle.sha256 == download["X-Content-SHA256"]
    assert len(content) == bundle.size
    verbs = list(AuditEvent.objects.filter(verb__startswith="evidence.").values_list("verb"))
    assert verbs == [("evidence.requested",), ("evidence.built",), ("evidence.downloaded",)]


def test_asking_again_while_it_builds_shows_the_same_bundle(legal, company):
    first = legal.post(reverse("company_evidence", args=[company.pk]))
    second = legal.post(reverse("company_evidence", args=[company.pk]))

    assert first.url == second.url
    assert EvidenceBundle.objects.count() == 1
    assert AuditEvent.objects.filter(verb="evidence.requested").count() == 1


def test_a_failed_build_is_shown_and_audited(legal, company):
    bundle = EvidenceBundle.objects.create(
        subject_kind="campaign", subject_id=999999, subject_name="gone", requested_by=UserFactory()
    )

    assert build_evidence_bundle_task(bundle.pk) == "failed"

    bundle.refresh_from_db()
    assert bundle.status == "failed"
    assert (
        "DoesNotExist" in legal.get(reverse("evidence_bundle", args=[bundle.pk])).content.decode()
    )
    assert legal.get(reverse("evidence_bundle_download", args=[bundle.pk])).status_code == 404
    failed = AuditEvent.objects.get(verb="evidence.failed")
    assert (failed.target_type, failed.data["bundle"]) == ("warnings_app.evidencebundle", bundle.pk)


def test_a_good_bundle_verifies_offline_and_online(built, tmp_path):
    path = tmp_path / "bundle.zip"
    path.write_bytes(built)
    out = io.StringIO()

    call_command("verify_bundle", str(path), "--online", stdout=out)

    assert _check(built) == []
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(built)).read(MANIFEST))
    assert manifest["signed_with_demo_certificate"] is False  # the test CA, configured
    assert {f["path"] for f in manifest["files"] if f.get("deliveries") == []} == {
        f["path"] for f in manifest["files"] if f.get("notice")
    }  # each letter's delivery records (none were sent here)
    certificate = zipfile.ZipFile(io.BytesIO(built)).read(CERTIFICATE).decode()
    for entry in manifest["files"][:-1]:  # the certificate lists every file but itself
        assert f"{entry['path']}\n  {entry['what']}\n  SHA-256 {entry['sha256']}" in certificate
    assert manifest["files"][-1]["path"] == CERTIFICATE
    assert "the manifest's signature verifies; all 7 files match" in out.getvalue()
    assert "with the register's stored hashes" in out.getvalue()


def test_a_file_changed_with_its_manifest_hash_updated_fails_on_the_signature(built):
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(built)).read(MANIFEST))
    letter = manifest["files"][0]
    forged_pdf = b"%PDF-1.7 a different letter"
    letter.update(sha256=hashlib.sha256(forged_pdf).hexdigest(), size=len(forged_pdf))
    forged_manifest = json.dumps(manifest, indent=2).encode()

    forged = _rewrite(
        built,
        lambda name, content: {letter["path"]: forged_pdf, MANIFEST: forged_manifest}.get(
            name, content
        ),
    )

    [problem] = _check(forged)  # every file matches the forged manifest; its signature does not
    assert problem.startswith(f"{MANIFEST}: its signature ({SIGNATURE}) does not verify")


def test_a_bundle_without_its_signature_is_not_intact(built):
    unsigned = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(built)) as source, zipfile.ZipFile(unsigned, "w") as target:
        for name in source.namelist():
            if name != SIGNATURE:
                target.writestr(name, source.read(name))

    assert _check(unsigned.getvalue()) == [f"{SIGNATURE} is missing: the manifest is not signed"]


def test_a_letter_changed_in_the_register_after_bundling_is_named_online(built, tmp_path):
    notice = Notice.objects.order_by("pk").first()
    Notice.objects.filter(pk=notice.pk).update(pdf_sha256="0" * 64)
    Response.objects.update(raw_sha256="1" * 64)
    path = tmp_path / "bundle.zip"
    path.write_bytes(built)
    manifest = verify_bundle(io.BytesIO(built)).manifest

    problems = compare_with_register(manifest)

    call_command("verify_bundle", str(path), stdout=io.StringIO())  # offline: still intact
    assert [p.split(":")[0] for p in problems] == [
        f"letters/{notice.reference}.pdf",
        f"replies/{Response.objects.get().pk}/message.eml",
    ]
    assert f"the register's SHA-256 of letter {notice.reference} is {'0' * 64}" in problems[0]
    with pytest.raises(CommandError, match="not intact"):
        call_command("verify_bundle", str(path), "--online", stderr=io.StringIO())


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with `name`'s uncompressed size in the central directory changed to `size`."""
    at = data.find(b"PK\x01\x02")
    while data[at + 46 : at + 46 + len(name)] != name.encode():
        at = data.find(b"PK\x01\x02", at + 4)
    return data[: at + 24] + struct.pack("<I", size) + data[at + 28 :]


def test_an_entry_declaring_gigabytes_is_refused_before_anything_is_decompressed(built):
    bomb = _declare_size(built, "deliveries.csv", 0xF000_0000)  # 3.75 GiB declared

    [problem] = _check(bomb)

    assert problem.startswith("refused: deliveries.csv: 4,026,531,840 bytes uncompressed")
    assert "EVIDENCE_BUNDLE_MAX_ENTRY_BYTES" in problem


def test_a_highly_compressed_entry_is_refused_as_a_zip_bomb(built):
    bomb = io.BytesIO(built)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("letters/zeros.pdf", bytes(64 * 2**20))

    [problem] = _check(bomb.getvalue())

    assert problem.startswith("refused: letters/zeros.pdf: compressed")
    assert "a zip bomb" in problem


def test_more_entries_than_the_limit_are_refused_before_the_directory_is_read(built):
    many = io.BytesIO(built)
    with zipfile.ZipFile(many, "a") as archive:
        for n in range(100):
            archive.writestr(f"x/{n}", b"")

    assert _check(many.getvalue(), entries=100) == [
        "refused: 109 entries, over the limit of 100 (EVIDENCE_BUNDLE_MAX_ENTRIES)"
    ]
    assert _check(many.getvalue(), total_bytes=10)[0].startswith("refused: more than 10 bytes")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../outside.pdf", "refused: '../outside.pdf': not a plain relative file name"),
        ("/etc/passwd", "refused: '/etc/passwd': not a plain relative file name"),
        ("letters\\..\\x.pdf", "refused: 'letters\\\\..\\\\x.pdf': not a plain relative file name"),
        ("C:/x.pdf", "refused: 'C:/x.pdf': not a plain relative file name"),
        ("audit.csv", "refused: audit.csv: in the zip twice"),
        ("letters/extra.pdf", "letters/extra.pdf: in the bundle but not in the manifest"),
    ],
)
def test_path_tricks_duplicates_and_unlisted_files_are_refused(built, name, problem):
    crafted = io.BytesIO(built)
    twice = name == "audit.csv"
    warned = pytest.warns(UserWarning, match="Duplicate") if twice else contextlib.nullcontext()
    with warned, zipfile.ZipFile(crafted, "a") as archive:
        archive.writestr(zipfile.ZipInfo(name), b"%PDF-1.7 planted")

    assert _check(crafted.getvalue()) == [problem]


def test_a_file_missing_from_the_bundle_is_named(built):
    missing = _rewrite(built, lambda name, content: content)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(missing)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            if name != "audit.csv":
                target.writestr(name, source.read(name))

    assert _check(out.getvalue()) == ["audit.csv: listed in the manifest but missing"]
