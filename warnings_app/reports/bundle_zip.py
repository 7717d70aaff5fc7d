"""Writing an evidence bundle's zip onto a file, one entry at a time and each in chunks, so
building a bundle of any size holds one chunk of one file in memory. The manifest names every
file with its SHA-256 and size; it is signed (manifest.json.p7s: a detached CMS signature over
manifest.json's exact bytes, timestamped), so a file changed together with its manifest line
no longer verifies."""

import csv
import hashlib
import io
import itertools
import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.db.models.fields.files import FieldFile

from warnings_app.integrations.signing import sign_detached
from warnings_app.reports.bundle_certificate import CERTIFICATE, certificate_lines

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.p7s"
CHUNK_BYTES = 64 * 1024


class _Entry:
    """A zip entry being written that also counts and hashes what passes through it."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.handle.write(chunk)
        self.digest.update(chunk)
        self.size += len(chunk)


def stored_chunks(field: FieldFile) -> Iterator[bytes] | None:
    """The stored file's bytes in chunks, or None when it is missing."""
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        return None

    def chunks() -> Iterator[bytes]:
        with handle:
            while chunk := handle.read(CHUNK_BYTES):
                yield chunk

    return chunks()


class BundleWriter:
    def __init__(self, target: IO[bytes]) -> None:
        self.zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)
        # The manifest's lines, one file each, wait on disk: a campaign's thousands of entries
        # are not held as Python objects while its letters are written.
        # Closed (and so deleted) by close(), or by the garbage collector when a build fails.
        self.lines = tempfile.TemporaryFile()  # noqa: SIM115

    def _record(
        self, path: str, entry: _Entry, what: str, facts: dict[str, Any], expected: str | None
    ) -> str:
        digest = entry.digest.hexdigest()
        line = {"path": path, "sha256": digest, "size": entry.size, "what": what, **facts}
        if expected is not None:  # the hash the register recorded for it
            line |= {"recorded_sha256": expected, "matches_record": digest == expected}
        # One JSON object a line (json.dumps escapes any newline inside a string).
        self.lines.write(json.dumps(line, ensure_ascii=False).encode() + b"\n")
        return digest

    def _files(self) -> Iterator[dict[str, Any]]:
        self.lines.seek(0)
        for line in self.lines:
            yield json.loads(line)

    def add_chunks(
        self,
        path: str,
        chunks: Iterable[bytes],
        what: str,
        *,
        expected_sha256: str | None = None,
        **facts: Any,
    ) -> str:
        """Write one file from its chunks; its SHA-256. With `expected_sha256` (the register's
        hash of it), the manifest says whether the file matches it."""
        with self.zip.open(path, "w") as handle:
            entry = _Entry(handle)
            for chunk in chunks:
                entry.write(chunk)
        return self._record(path, entry, what, facts, expected_sha256)

    def add_bytes(self, path: str, content: bytes, what: str, **facts: Any) -> str:
        return self.add_chunks(path, [content], what, **facts)

    def add_csv(self, path: str, headers: list[str], rows: Iterable[list[Any]], what: str) -> str:
        """A CSV written row by row, byte for byte what reports/exports.write_csv makes."""
        with self.zip.open(path, "w") as handle:
            entry = _Entry(handle)
            line = io.StringIO()
            writer = csv.writer(line)
            line.write("\ufeff")  # the BOM makes Excel read UTF-8
            for row in itertools.chain([headers], rows):
                writer.writerow(row)
                entry.write(line.getvalue().encode("utf-8"))
                line.seek(0)
                line.truncate()
        return self._record(path, entry, what, {}, None)

    def close(self, manifest: dict[str, Any]) -> bytes:
        """Write the manifest (its facts, then one line per file) and its signature over the
        manifest's exact bytes; the manifest's bytes."""
        if not manifest:
            raise ValueError("a manifest states what the bundle is besides its files")
        with self.zip.open(CERTIFICATE, "w") as handle:
            entry = _Entry(handle)
            for text in certificate_lines(manifest, self._files()):
                entry.write(text.encode("utf-8"))
        self.lines.seek(0, io.SEEK_END)
        self._record(CERTIFICATE, entry, "this list of the files in words", {}, None)
        head = json.dumps(manifest, indent=2, ensure_ascii=False)
        content = io.BytesIO()
        content.write(head[:-2].encode() + b',\n  "files": [')
        self.lines.seek(0)
        for n, line in enumerate(self.lines):
            content.write((b",\n    " if n else b"\n    ") + line.rstrip(b"\n"))
        self.lines.close()
        content.write(b"\n  ]\n}\n")
        data = content.getvalue()
        self.zip.writestr(MANIFEST, data)
        self.zip.writestr(SIGNATURE, sign_detached(data))
        self.zip.close()
        return data
