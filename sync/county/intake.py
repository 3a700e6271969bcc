"""Batch intake at the county (批次接收): verify every file, then ingest it all-or-nothing.

Checks, in this order, each with its reason code (docs/batch-format.md, "Verification"):
framing and manifest (``malformed``), registered station (``unknown_station``), signature
(``bad_signature``), addressed to this county and key (``wrong_county``), already received or
an old sequence (``replayed``), decryption (``decrypt_failed``), every hash, the record
digests, photos and the audit segment (``hash_mismatch``), the sequence (``sequence_gap``:
the file waits) and the previous batch's hash (``hash_mismatch``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, func, select

from station import jsonio, signing
from station.audit import GENESIS as AUDIT_GENESIS
from station.audit import event_hash
from sync import batch_format as bf
from sync.county import db
from sync.errors import (
    BAD_SIGNATURE,
    HASH_MISMATCH,
    MALFORMED,
    OTHER_STATION,
    REPLAYED,
    TRAINING_MISMATCH,
    UNKNOWN_STATION,
    WRONG_COUNTY,
    BatchRefused,
)
from sync.keys import CountyKeys, key_id


@dataclass(slots=True)
class ChainState:
    """Where a station's sequence stands: from the database, advanced by files in this run."""

    next_sequence: int = 1
    last_hash: str = bf.GENESIS
    audit_head: str | None = None
    audit_last_seq: int = 0  # the last audit event held (the next segment starts after it)
    seen: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Checked:
    """A batch that passed every check (``gap``: all but the sequence, it waits)."""

    path: Path
    parsed: bf.Parsed
    lines: list[dict[str, Any]]
    passwords: dict[str, dict[str, Any]]
    audit: list[dict[str, Any]]
    photos: dict[str, bytes]
    gap: bool = False
    #: The station's new signing key, handed over in this batch: the county holds it from
    #: the commit that stores this batch on.
    new_key: bytes | None = None

    @property
    def station(self) -> str:
        return str(self.parsed.manifest["station"])

    @property
    def sequence(self) -> int:
        return int(self.parsed.manifest["sequence"])


def chain_state(conn: Connection, station: str) -> ChainState:
    rows = conn.execute(
        select(db.batches.c.sequence, db.batches.c.hash, db.batches.c.audit_head)
        .where(db.batches.c.station == station)
        .order_by(db.batches.c.sequence)
    ).all()
    state = ChainState()
    for seq, digest, head in rows:
        state.next_sequence, state.last_hash = seq + 1, digest
        state.audit_head = head or state.audit_head
        state.seen.add(digest)
    state.audit_last_seq = (
        conn.scalar(
            select(func.max(db.audit_events.c.seq)).where(db.audit_events.c.station == station)
        )
        or 0
    )
    return state


#: Larger than any batch a station writes (50 MB a file by default, one oversized record
#: alone at most): what is bigger is refused before it is read into memory.
MAX_BATCH_BYTES = 512 * 1024 * 1024


def _open_batch(path: Path) -> tuple[Any, int]:
    if not path.is_file():
        raise BatchRefused(MALFORMED, "not a regular file")
    size = path.stat().st_size
    f = path.open("rb")
    if f.read(len(bf.MAGIC)) != bf.MAGIC:
        f.close()
        raise BatchRefused(MALFORMED, "not a batch file (magic)")
    if size > MAX_BATCH_BYTES:
        f.close()
        raise BatchRefused(MALFORMED, f"{size} bytes: larger than any batch file")
    return f, size


def read_file(path: Path) -> bf.Parsed:
    """Raises OSError for an unreadable file (unusable input), BatchRefused for a bad one.
    The magic bytes and the size are checked before the file is read whole."""
    f, _size = _open_batch(path)
    with f:
        f.seek(0)  # the whole file in one read (MAGIC + the rest was one more copy of it)
        return bf.parse(f.read())


def peek(path: Path) -> tuple[str, int]:
    """(station, sequence) from the manifest alone, to order files before reading any whole."""
    f, _size = _open_batch(path)
    with f:
        head = f.read(4)
        (length,) = struct.unpack(">I", head) if len(head) == 4 else (0,)
        if not 0 < length <= bf.MAX_MANIFEST:
            raise BatchRefused(MALFORMED, "manifest length")
        try:
            manifest = jsonio.loads(f.read(length).decode("utf-8"))
            return str(manifest["station"]), int(manifest["sequence"])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise BatchRefused(MALFORMED, "manifest is not readable") from None


def check(
    conn: Connection, keys: CountyKeys, path: Path, parsed: bf.Parsed, chain: ChainState
) -> Checked:
    m = parsed.manifest
    station = db.station_row(conn, m["station"])
    if station is None:
        raise BatchRefused(UNKNOWN_STATION, f"station {m['station']} is not registered here")
    signer = signer_of(station, m)
    bf.verify_signature(parsed, signer)
    # In the order of docs/batch-format.md §7: 4, 4a, 5.
    if (
        m["county"] != keys.county
        or station.county != keys.county
        or m["recipient"] != key_id(keys.public.raw)
    ):
        raise BatchRefused(WRONG_COUNTY, f"addressed to county {m['county']} / another key")
    if not str(m["station"]).startswith(keys.county + "-"):
        raise BatchRefused(WRONG_COUNTY, f"station {m['station']} is not of county {keys.county}")
    if (m.get("training") is True) != keys.training:
        raise BatchRefused(
            TRAINING_MISMATCH,
            "a training station's batch at a real county"
            if keys.training is False
            else "a real station's batch at a training county",
        )
    if parsed.file_hash in chain.seen or m["sequence"] < chain.next_sequence:
        raise BatchRefused(REPLAYED, f"sequence {m['sequence']} was received already")
    payload = bf.open_payload(parsed, keys.x25519)
    checked = _contents(path, parsed, payload)
    if signer != station.ed25519:
        checked.new_key = signer
    check_owned(conn, checked)
    if m["sequence"] > chain.next_sequence:
        checked.gap = True
        return checked
    if m["previous_hash"] != chain.last_hash:
        raise BatchRefused(
            HASH_MISMATCH, "previous_hash is not the hash of the last batch received"
        )
    _check_audit_link(conn, m, chain)
    return checked


def signer_of(station: Any, m: dict[str, Any]) -> bytes:
    """The key this batch must be signed with: the registered one, or the new key of a
    hand-over that the registered key signed (station/signing.py). A hand-over from any
    other key (the one this station handed over from, say) is refused."""
    handover = m.get("key_handover")
    if handover is None or m["signer"] == bf.sha256_hex(station.ed25519):
        return bytes(station.ed25519)
    old, new = bytes.fromhex(handover["old_key"]), bytes.fromhex(handover["new_key"])
    if old != station.ed25519:
        raise BatchRefused(
            BAD_SIGNATURE,
            "a key hand-over from a key the county does not hold for this station "
            "(an old key, already handed over?)",
        )
    try:
        Ed25519PublicKey.from_public_bytes(old).verify(
            bytes.fromhex(handover["signature"]),
            signing.handover_message(str(m["station"]), str(m["county"]), old, new),
        )
    except InvalidSignature:
        raise BatchRefused(
            BAD_SIGNATURE, "the key hand-over is not signed by the station's registered key"
        ) from None
    return new


def check_owned(conn: Connection, checked: Checked) -> None:
    """A station sends its own records: a 报名号 the county holds from another station is
    refused (it would overwrite or shadow that station's candidate)."""
    numbers = list({str(line["registration_no"]) for line in checked.lines})
    if not numbers:
        return
    other = conn.execute(
        select(db.candidates.c.registration_no, db.candidates.c.station).where(
            db.among(conn, db.candidates.c.registration_no, numbers),
            db.candidates.c.station != checked.station,
        )
    ).first()
    if other is not None:
        raise BatchRefused(
            OTHER_STATION,
            f"报名号 {other.registration_no} belongs to station {other.station}",
        )


def _check_audit_link(conn: Connection, m: dict[str, Any], chain: ChainState) -> None:
    audit, resync = m["audit"], m.get("resync")
    if resync is not None:
        _check_resync(conn, m, chain)
        return
    if audit is None:
        return  # nothing to link: the next segment continues the last one held
    if audit["prev_hash"] != (chain.audit_head or AUDIT_GENESIS):
        raise BatchRefused(HASH_MISMATCH, "the audit segment does not continue the last one")
    if audit["first_seq"] != chain.audit_last_seq + 1:
        raise BatchRefused(
            HASH_MISMATCH, f"the audit segment must start at #{chain.audit_last_seq + 1}"
        )


def _check_resync(conn: Connection, m: dict[str, Any], chain: ChainState) -> None:
    """A station restored from an older backup continues its audit chain from an event the
    county holds (the fork point), after the county's last batch as the county's signed
    state told it (``station resync``)."""
    resync, audit = m["resync"], m["audit"]
    if resync["county_sequence"] != chain.next_sequence - 1:
        raise BatchRefused(HASH_MISMATCH, "resync names another batch than the last received")
    fork = resync["audit_fork_seq"]
    if audit is None or audit["first_seq"] != fork + 1:
        raise BatchRefused(HASH_MISMATCH, "resync: the audit segment must start after the fork")
    held = conn.scalar(
        select(db.audit_events.c.hash).where(
            db.audit_events.c.station == m["station"], db.audit_events.c.seq == fork
        )
    )
    if (held or (AUDIT_GENESIS if fork == 0 else None)) != audit["prev_hash"]:
        raise BatchRefused(HASH_MISMATCH, f"resync: audit event #{fork} is not the one held here")


def advance(chain: ChainState, checked: Checked) -> None:
    m = checked.parsed.manifest
    chain.next_sequence = m["sequence"] + 1
    chain.last_hash = checked.parsed.file_hash
    chain.seen.add(checked.parsed.file_hash)
    if m["audit"] is not None:
        chain.audit_head = m["audit"]["head_hash"]
        chain.audit_last_seq = m["audit"]["last_seq"]


def _contents(path: Path, parsed: bf.Parsed, payload: dict[str, bytes]) -> Checked:
    m = parsed.manifest
    lines = bf.json_lines(payload["records.jsonl"])
    if len(lines) != m["record_count"]:
        raise BatchRefused(MALFORMED, "record_count differs from records.jsonl")
    photos = {
        k.removeprefix("photos/").removesuffix(".jpg"): v
        for k, v in payload.items()
        if k.startswith("photos/")
    }
    # The county keeps one copy per hash: a name that is not its bytes' hash could store one
    # station's bytes under another station's photo. open_payload has checked every entry's
    # bytes against the manifest's SHA-256, so the name is checked against that (one hash
    # per photo, not two).
    listed = {e["name"]: e["sha256"] for e in m["entries"]}
    for name in photos:
        if listed.get(f"photos/{name}.jpg") != name:
            raise BatchRefused(HASH_MISMATCH, f"photos/{name}.jpg is not named by its hash")
    for line in lines:
        canonical = line.get("canonical")
        if not isinstance(canonical, str) or bf.sha256_hex(canonical.encode("utf-8")) != line.get(
            "digest"
        ):
            raise BatchRefused(HASH_MISMATCH, f"record {line.get('registration_no')}: digest")
        try:
            record = jsonio.loads(canonical)
            fields = record["record"]
            same = (
                record["registration_no"] == line["registration_no"]
                and type(line["version"]) is int
                and type(record["version"]) is int
                and record["version"] == line["version"]
                and isinstance(line.get("current", True), bool)
                and isinstance(fields["id_number"], str)
                and isinstance(fields["name"], str)
            )
        except (ValueError, KeyError, TypeError):
            raise BatchRefused(MALFORMED, "a canonical record is not readable") from None
        if not same:
            raise BatchRefused(HASH_MISMATCH, f"record {line['registration_no']}: header differs")
        want = record.get("photo_sha256")
        if want is not None and (line.get("photo") != f"photos/{want}.jpg" or want not in photos):
            raise BatchRefused(HASH_MISMATCH, f"record {line['registration_no']}: photo missing")
        line["_record"] = record
    password_lines = bf.json_lines(payload["passwords.jsonl"])
    if not all(
        isinstance(p, dict) and isinstance(p.get("password_hash"), str) for p in password_lines
    ):
        raise BatchRefused(MALFORMED, "a passwords.jsonl line is not a password entry")
    passwords = {
        str(p.get("registration_no")): {
            "password_hash": p["password_hash"],
            "password_question": p.get("question"),
            "password_answer_hash": p.get("answer_hash"),
        }
        for p in password_lines
    }
    audit = bf.json_lines(payload["audit.jsonl"])
    _check_audit_segment(m, audit)
    return Checked(path, parsed, lines, passwords, audit, photos)


def _check_audit_segment(m: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    info = m["audit"]
    if not rows:
        if info is not None:
            raise BatchRefused(
                HASH_MISMATCH, "the manifest announces audit events that are missing"
            )
        return
    if info is None:
        raise BatchRefused(MALFORMED, "audit events without an audit entry in the manifest")
    prev, seq = info["prev_hash"], info["first_seq"]
    try:
        for e in rows:
            digest = event_hash(
                e["seq"],
                e["at"],
                e["actor"],
                e["action"],
                e["candidate_id"],
                e["version"],
                e["reason"],
                e["detail"],
                e["prev_hash"],
            )
            if e["seq"] != seq or e["prev_hash"] != prev or digest != e["hash"]:
                raise BatchRefused(HASH_MISMATCH, f"audit event #{e['seq']} breaks the chain")
            prev, seq = e["hash"], seq + 1
    except (KeyError, TypeError, ValueError):
        raise BatchRefused(MALFORMED, "an audit event is not readable") from None
    if prev != info["head_hash"] or seq - 1 != info["last_seq"]:
        raise BatchRefused(HASH_MISMATCH, "the audit segment does not end where the manifest says")
