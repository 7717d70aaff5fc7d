"""Checking an evidence bundle. Offline (`verify_bundle`): the zip is refused before anything is
decompressed when it breaks a limit (entries, each entry's size, the total, the compression
ratio) or holds a path trick or a name twice; then the manifest's signature is checked over its
exact bytes, and every file is read in chunks and compared with the manifest's SHA-256 and size.
Online (`compare_with_register`): the letters' and raw replies' hashes in the manifest are
compared with the hashes the register stored, naming each that differs."""

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.conf import settings

from warnings_app.integrations.signing import check_detached
from warnings_app.models import Notice, Response
from warnings_app.reports.bundle_zip import CHUNK_BYTES, MANIFEST, SIGNATURE
from warnings_app.reports.exports import CHUNK

EOCD = b"PK\x05\x06"
ZIP64_LOCATOR = b"PK\x06\x07"
ZIP64_EOCD = b"PK\x06\x06"
SIGNATURE_MAX_BYTES = 1024 * 1024
RATIO_FLOOR_BYTES = 1024 * 1024  # smaller entries cannot be a bomb whatever their ratio
UNSAFE_NAME = re.compile(r"(^/|^[A-Za-z]:|\\|(^|/)\.\.?(/|$)|//|[\x00-\x1f])")


@dataclass(frozen=True)
class BundleLimits:
    entries: int
    entry_bytes: int
    total_bytes: int
    ratio: int
    manifest_bytes: int

    @classmethod
    def from_settings(cls) -> "BundleLimits":
        return cls(
            entries=settings.EVIDENCE_BUNDLE_MAX_ENTRIES,
            entry_bytes=settings.EVIDENCE_BUNDLE_MAX_ENTRY_BYTES,
            total_bytes=settings.EVIDENCE_BUNDLE_MAX_TOTAL_BYTES,
            ratio=settings.EVIDENCE_BUNDLE_MAX_RATIO,
            manifest_bytes=settings.EVIDENCE_BUNDLE_MAX_MANIFEST_BYTES,
        )


@dataclass
class BundleCheck:
    problems: list[str] = field(default_factory=list)
    manifest: dict[str, Any] | None = None
    signer: str = ""
    signed_at: datetime | None = None
    timestamped: bool = False
    demo: bool = False


class _Refused(Exception):
    pass


def _declared_entries(handle: IO[bytes]) -> int:
    """The number of entries the zip's end record declares, read before Python's zipfile loads
    the whole central directory (a bomb of millions of entries is refused without that)."""
    end = handle.seek(0, 2)
    start = max(0, end - 22 - 65535)
    handle.seek(start)
    tail = handle.read(end - start)
    at = tail.rfind(EOCD)
    if at < 0 or len(tail) - at < 22:
        raise _Refused("not a zip file")
    count = int.from_bytes(tail[at + 10 : at + 12], "little")
    if count != 0xFFFF:
        return count
    handle.seek(start + at - 20)
    locator = handle.read(20)
    if start + at < 20 or not locator.startswith(ZIP64_LOCATOR):
        raise _Refused("not a zip file (a ZIP64 end record without its locator)")
    handle.seek(int.from_bytes(locator[8:16], "little"))
    record = handle.read(56)
    if not record.startswith(ZIP64_EOCD):
        raise _Refused("not a zip file (the ZIP64 end record is missing)")
    return int.from_bytes(record[32:40], "little")


def _check_entries(archive: zipfile.ZipFile, limits: BundleLimits) -> None:
    """Refuse what no bundle we build contains, from the central directory alone."""
    seen: set[str] = set()
    total = 0
    for info in archive.infolist():
        name = info.filename
        if UNSAFE_NAME.search(name) or name.endswith("/"):
            raise _Refused(f"{name!r}: not a plain relative file name")
        if name in seen:
            raise _Refused(f"{name}: in the zip twice")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise _Refused(f"{name}: encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Refused(f"{name}: compressed with an unknown method ({info.compress_type})")
        if info.file_size > limits.entry_bytes:
            raise _Refused(
                f"{name}: {info.file_size:,} bytes uncompressed, over the limit of "
                f"{limits.entry_bytes:,} (EVIDENCE_BUNDLE_MAX_ENTRY_BYTES)"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR_BYTES and ratio > limits.ratio:
            raise _Refused(
                f"{name}: compressed {ratio:,.0f} to 1, over the limit of {limits.ratio} to 1 "
                "(EVIDENCE_BUNDLE_MAX_RATIO): a zip bomb"
            )
        total += info.file_size
        if total > limits.total_bytes:
            raise _Refused(
                f"more than {limits.total_bytes:,} bytes uncompressed in all "
                "(EVIDENCE_BUNDLE_MAX_TOTAL_BYTES)"
            )


def _read_small(archive: zipfile.ZipFile, name: str, most: int) -> bytes:
    if archive.getinfo(name).file_size > most:
        raise _Refused(f"{name}: larger than {most:,} bytes")
    with archive.open(name) as handle:
        return handle.read(most + 1)[:most]


def _digest(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, int]:
    """The entry's SHA-256 and size, read in chunks; never more than it declares."""
    digest, size = hashlib.sha256(), 0
    with archive.open(info) as handle:
        while chunk := handle.read(CHUNK_BYTES):
            size += len(chunk)
            if size > info.file_size:
                raise _Refused(f"{info.filename}: longer than it declares")
            digest.update(chunk)
    return digest.hexdigest(), size


def verify_bundle(handle: IO[bytes], limits: BundleLimits | None = None) -> BundleCheck:
    """Every problem of a bundle (an open, seekable file), naming the file; none when it is
    intact and its manifest carries a valid signature."""
    limits = limits or BundleLimits.from_settings()
    check = BundleCheck()
    try:
        declared = _declared_entries(handle)
        if declared > limits.entries:
            raise _Refused(
                f"{declared:,} entries, over the limit of {limits.entries:,} "
                "(EVIDENCE_BUNDLE_MAX_ENTRIES)"
            )
        handle.seek(0)
        with zipfile.ZipFile(handle) as archive:
            _check_entries(archive, limits)
            _check_contents(archive, limits, check)
    except _Refused as exc:
        check.problems.insert(0, f"refused: {exc}")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        check.problems.append(f"not a readable zip file ({exc})")
    return check


def _check_contents(archive: zipfile.ZipFile, limits: BundleLimits, check: BundleCheck) -> None:
    names = set(archive.namelist())
    if MANIFEST not in names:
        check.problems.append(f"{MANIFEST} is missing")
        return
    manifest_bytes = _read_small(archive, MANIFEST, limits.manifest_bytes)
    if SIGNATURE in names:
        signed = check_detached(
            manifest_bytes, _read_small(archive, SIGNATURE, SIGNATURE_MAX_BYTES)
        )
        check.signer, check.signed_at = signed.signer, signed.signed_at
        check.timestamped, check.demo = signed.timestamped, signed.demo
        if not (signed.valid and signed.intact):
            check.problems.append(
                f"{MANIFEST}: its signature ({SIGNATURE}) does not verify: {signed.problem}"
            )
    else:
        check.problems.append(f"{SIGNATURE} is missing: the manifest is not signed")
    try:
        manifest = json.loads(manifest_bytes)
        listed = {entry["path"]: entry for entry in manifest["files"]}
    except (ValueError, KeyError, TypeError):
        check.problems.append(f"{MANIFEST} is unreadable")
        return
    check.manifest = manifest
    if len(listed) != len(manifest["files"]):
        check.problems.append(f"{MANIFEST} lists a file twice")
    for name in sorted(names - set(listed) - {MANIFEST, SIGNATURE}):
        check.problems.append(f"{name}: in the bundle but not in the manifest")
    for path, entry in listed.items():
        if path not in names:
            check.problems.append(f"{path}: listed in the manifest but missing")
            continue
        try:
            digest, size = _digest(archive, archive.getinfo(path))
        except zipfile.BadZipFile as exc:  # a damaged entry fails its CRC check
            check.problems.append(f"{path}: damaged ({exc})")
            continue
        if digest != entry.get("sha256") or size != entry.get("size"):
            check.problems.append(f"{path}: SHA-256 differs from the manifest")


def compare_with_register(manifest: dict[str, Any]) -> list[str]:
    """Each letter and raw reply in the manifest whose SHA-256 differs from the one the register
    stored, or that the register no longer holds, named."""
    files = manifest.get("files", [])
    letters = {e["notice"]: e for e in files if e.get("notice")}
    replies = {int(e["reply"]): e for e in files if e.get("reply")}
    stored_letters: dict[Any, str] = {}
    stored_replies: dict[Any, str] = {}
    references, ids = list(letters), list(replies)
    for at in range(0, max(len(references), len(ids)), CHUNK):
        some = Notice.objects.filter(reference__in=references[at : at + CHUNK])
        stored_letters.update(some.values_list("reference", "pdf_sha256"))
        answers = Response.objects.filter(pk__in=ids[at : at + CHUNK])
        stored_replies.update(answers.values_list("pk", "raw_sha256"))
    problems = []
    for what, bundled, stored in (
        ("letter", letters, stored_letters),
        ("reply", replies, stored_replies),
    ):
        for key, entry in bundled.items():
            if key not in stored:
                problems.append(f"{entry['path']}: {what} {key} is not in the register")
            elif stored[key] != entry["sha256"]:
                problems.append(
                    f"{entry['path']}: the register's SHA-256 of {what} {key} is "
                    f"{stored[key] or '(none)'}, the bundle's is {entry['sha256']}"
                )
    return problems
