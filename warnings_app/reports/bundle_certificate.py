"""The evidence bundle's certificate of contents: the manifest in words, for a reader without
tools. Every file with its SHA-256 and size and what it is; each letter's delivery records with
their times and the servers' replies. It is itself a file of the bundle, listed in the signed
manifest, so the signature covers it too."""

from collections.abc import Iterable, Iterator
from typing import Any

CERTIFICATE = "CERTIFICATE-OF-CONTENTS.txt"


def certificate_lines(manifest: dict[str, Any], files: Iterable[dict[str, Any]]) -> Iterator[str]:
    subject = manifest.get("subject", {})
    yield "CERTIFICATE OF CONTENTS\n"
    yield "=======================\n\n"
    yield f"Subject: {', '.join(f'{k}: {v}' for k, v in subject.items())}\n"
    yield f"Built at: {manifest.get('created_at')} for {manifest.get('built_by')}\n"
    if manifest.get("signed_with_demo_certificate"):
        yield "SIGNED WITH THE DEMO CERTIFICATE: this bundle is not evidence.\n"
    yield (
        "\nmanifest.json lists the files below with the same SHA-256; manifest.json.p7s is a\n"
        "timestamped CMS signature over manifest.json's exact bytes, and manifest.json lists\n"
        "this certificate with its own SHA-256. Check all of it with:\n"
        f"    {manifest.get('verify_with')}\n"
    )
    problems = manifest.get("problems") or []
    yield f"\nProblems found while building: {len(problems) or 'none'}\n"
    for problem in problems:
        yield f"  - {problem}\n"
    yield "\nFiles\n-----\n"
    count = 0
    for entry in files:
        count += 1
        yield f"\n{entry['path']}\n  {entry['what']}\n"
        yield f"  SHA-256 {entry['sha256']}, {entry['size']:,} bytes\n"
        if "matches_record" in entry:
            same = "the same" if entry["matches_record"] else "DIFFERENT"
            yield f"  the register's recorded SHA-256 is {same}: {entry['recorded_sha256']}\n"
        for when in ("rendered_at", "sent_at"):
            if entry.get(when):
                yield f"  {when.replace('_at', '')}: {entry[when]}\n"
        for delivery in entry.get("deliveries", []):
            yield (
                f"  delivery by {delivery['channel']}, {delivery['outcome']}: started "
                f"{delivery['started_at']}, finished {delivery['finished_at'] or '-'}, "
                f"Message-ID {delivery['message_id'] or '-'}, to {delivery['recipient'] or '-'}\n"
            )
            if delivery["server_reply"]:
                yield f"    server's reply: {delivery['server_reply']}\n"
    yield f"\n{count} files besides this certificate, manifest.json and manifest.json.p7s.\n"
