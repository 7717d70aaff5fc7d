"""What an anchor of the audit chain promises, and how the chain can contradict it.

An anchor is the chain's head at one moment — event id and hash — stamped by a timestamp
authority over the bytes `audit-chain-head:<id>:<hash>` and copied outside the database. From
then on the chain must still pass through that head: the event with that id exists, has that
hash, and every link up to it verifies. Three tamperings each break one of those:

- deleting the newest events (a tail) removes the anchored head: "event N is missing";
- editing an event before the head without rehashing breaks a link: "the chain breaks at";
- rehashing the whole chain after an edit makes it verify again, but the head's hash is no
  longer the anchored one: "rewritten chain".

Events written after the newest anchor are covered by the next one only: the anchor interval
(AUDIT_ANCHOR_EVERY_MINUTES) bounds what can disappear unnoticed. Anchoring is itself an audit
event, so an anchor of head N is followed by its own event N+1, anchored next time."""

import base64
import binascii
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

PREFIX = "audit-chain-head"
ANCHOR_VERBS = ("audit.anchored",)  # events that alone do not call for a new anchor


def stamped_bytes(event_id: int, event_hash: str) -> bytes:
    """The exact bytes an anchor of this head timestamps."""
    return f"{PREFIX}:{event_id}:{event_hash}".encode("ascii")


@dataclass(frozen=True)
class Anchor:
    """One anchor as verification sees it, wherever it was read from (database or file)."""

    number: int
    event_id: int
    event_hash: str
    stamped: bytes
    stamped_at: datetime
    token_problem: str = ""  # "" when the token verifies over `stamped`
    token_time: datetime | None = None
    source: str = ""  # "" for the database, else where a copy was found

    def label(self) -> str:
        when = self.stamped_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        where = f", {self.source}" if self.source else ""
        return (
            f"anchor #{self.number} ({when}, head event {self.event_id} "
            f"{self.event_hash[:12]}…{where})"
        )


@dataclass
class ChainWalk:
    """What one pass over the chain (id order) learns for the anchors: the hashes of the
    anchored ids found, the first broken link, and the last id. Feed it rows with `see` and
    breaks with `broke`."""

    anchored: set[int]
    found: dict[int, str] = field(default_factory=dict)
    first_break: int | None = None
    last_id: int = 0

    def see(self, rows: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
        for row in rows:
            self.last_id = row["id"]
            if row["id"] in self.anchored:
                self.found[row["id"]] = row["hash"]
            yield row

    def broke(self, event_id: int) -> None:
        if self.first_break is None or event_id < self.first_break:
            self.first_break = event_id


def contradictions(anchor: Anchor, walk: ChainWalk) -> list[str]:
    """Every way the anchor and the chain as stored disagree, each naming the anchor."""
    problems = []
    if anchor.stamped != stamped_bytes(anchor.event_id, anchor.event_hash):
        problems.append("the bytes it stamped do not name its head (altered anchor)")
    if anchor.token_problem:
        problems.append(f"its timestamp token does not verify: {anchor.token_problem}")
    elif anchor.token_time is not None and anchor.token_time != anchor.stamped_at:
        problems.append(
            f"its stored time differs from the token's ({anchor.token_time:%Y-%m-%d %H:%M:%S})"
        )
    head, found = anchor.event_id, walk.found.get(anchor.event_id)
    if found is None:
        if head > walk.last_id:
            end = f"the chain ends at {walk.last_id}" if walk.last_id else "the chain is empty"
            problems.append(f"event {head} is missing — {end} (deleted tail)")
        else:
            problems.append(f"event {head} is missing (deleted from the chain)")
    elif found != anchor.event_hash:
        problems.append(
            f"event {head}'s hash {found[:12]}… differs from the anchored head (rewritten chain)"
        )
    if walk.first_break is not None and walk.first_break <= head:
        if walk.first_break == head:
            problems.append(f"the chain breaks at the anchored head, event {head}")
        else:
            problems.append(
                f"the chain breaks at event {walk.first_break} before anchored head {head}"
            )
    return [f"{anchor.label()}: {problem}" for problem in problems]


# --- the copy outside the database: one write-once file per anchor --------------------------

FILE_PATTERN = "audit-anchor-*.json"


def file_name(event_id: int) -> str:
    """One file per anchored head (an anchor is made once per head)."""
    return f"audit-anchor-event-{event_id:09d}.json"


def file_text(
    *,
    number: int,
    event_id: int,
    event_hash: str,
    stamped: bytes,
    stamped_at: datetime,
    authority: str,
    demo: bool,
    token: bytes,
) -> str:
    """The anchor file's content: everything needed to check it without the database (the
    token is base64 DER; `openssl ts -verify -token_in` reads it decoded)."""
    return (
        json.dumps(
            {
                "anchor": number,
                "event_id": event_id,
                "event_hash": event_hash,
                "stamped": stamped.decode("ascii"),
                "stamped_at": stamped_at.astimezone(UTC).isoformat(),
                "authority": authority,
                "demo": demo,
                "token": base64.b64encode(token).decode("ascii"),
            },
            indent=2,
        )
        + "\n"
    )


@dataclass(frozen=True)
class AnchorFile:
    number: int
    event_id: int
    event_hash: str
    stamped: bytes
    stamped_at: datetime
    token: bytes


def parse_file(text: str) -> AnchorFile:
    """An anchor file's fields; ValueError (with the reason) when it is not one."""
    try:
        data = json.loads(text)
        return AnchorFile(
            number=int(data["anchor"]),
            event_id=int(data["event_id"]),
            event_hash=str(data["event_hash"]),
            stamped=str(data["stamped"]).encode("ascii"),
            stamped_at=datetime.fromisoformat(data["stamped_at"]),
            token=base64.b64decode(data["token"], validate=True),
        )
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise ValueError(f"not an anchor file ({exc.__class__.__name__}: {exc})") from exc
