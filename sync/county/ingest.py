"""Storing verified batches (入库) and answering each with a signed receipt (回执).

One batch is one transaction: either every version, photo, password hash and audit event of
it is stored, or nothing is. A batch received twice changes nothing (its receipt is written
again, for a station whose copy was lost). A batch that arrives before its predecessor waits
in ``pending/`` and is taken in as soon as the gap is filled.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, update

from station.audit import EVENT_COLUMNS
from station.fileio import atomic_write_bytes
from sync import batch_format as bf
from sync.county import db, intake, review_desk
from sync.errors import MALFORMED, REPLAYED, SEQUENCE_GAP, BatchRefused
from sync.keys import CountyKeys, fingerprint, sign_document
from sync.station_side import RECEIPT


@dataclass(slots=True)
class Outcome:
    """What happened to one file: ``status`` is ok | already | waiting | refused."""

    path: Path
    status: str
    code: str = ""
    detail: str = ""
    station: str = ""
    sequence: int = 0
    records: int = 0
    receipt: Path | None = None
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)  # id, here, other


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _load(paths: Sequence[Path]) -> tuple[list[tuple[Path, str, int]], list[Outcome]]:
    """Order the files per station by sequence, so one run can carry a whole series, from
    each file's manifest alone: a file is read whole only when its turn comes."""
    good, bad = [], []
    for path in paths:
        try:
            station, sequence = intake.peek(path)
        except BatchRefused as exc:
            bad.append(Outcome(path, "refused", exc.code, exc.detail))
            continue
        good.append((path, station, sequence))
    good.sort(key=lambda p: (p[1], p[2]))
    return good, bad


def _parsed(
    good: list[tuple[Path, str, int]], out: list[Outcome]
) -> Iterator[tuple[Path, bf.Parsed]]:
    for path, station, sequence in good:
        try:
            yield path, intake.read_file(path)
        except BatchRefused as exc:
            out.append(Outcome(path, "refused", exc.code, exc.detail, station, sequence))


def verify_files(engine: Engine, keys: CountyKeys, paths: Sequence[Path]) -> list[Outcome]:
    """Check without storing. A gap is a refusal here (``sequence_gap``)."""
    good, out = _load(paths)
    chains: dict[str, intake.ChainState] = {}
    with engine.connect() as conn:
        for path, parsed in _parsed(good, out):
            station = parsed.manifest["station"]
            chain = chains.get(station) or chains.setdefault(
                station, intake.chain_state(conn, station)
            )
            try:
                checked = intake.check(conn, keys, path, parsed, chain)
            except BatchRefused as exc:
                out.append(
                    Outcome(
                        path, "refused", exc.code, exc.detail, station, parsed.manifest["sequence"]
                    )
                )
                continue
            if checked.gap:
                out.append(
                    Outcome(
                        path,
                        "refused",
                        SEQUENCE_GAP,
                        f"expected sequence {chain.next_sequence}",
                        station,
                        checked.sequence,
                    )
                )
                continue
            intake.advance(chain, checked)
            out.append(
                Outcome(
                    path,
                    "ok",
                    station=station,
                    sequence=checked.sequence,
                    records=len(checked.lines),
                )
            )
    return out


def ingest_files(
    engine: Engine,
    keys: CountyKeys,
    paths: Sequence[Path],
    *,
    pending_dir: Path,
    receipts_dir: Path,
) -> list[Outcome]:
    good, out = _load(paths)
    for path, parsed in _parsed(good, out):
        out.append(ingest_one(engine, keys, path, parsed, pending_dir, receipts_dir))
        if out[-1].status == "ok":
            out += drain_pending(engine, keys, out[-1].station, pending_dir, receipts_dir)
    return out


def ingest_one(
    engine: Engine,
    keys: CountyKeys,
    path: Path,
    parsed: bf.Parsed,
    pending_dir: Path,
    receipts_dir: Path,
    data: bytes | None = None,
) -> Outcome:
    """One batch, from the file at ``path`` or, for an upload, from ``data`` (then ``path``
    only names it in the outcome)."""
    m = parsed.manifest
    station, seq = str(m["station"]), int(m["sequence"])
    already = False
    try:
        with engine.begin() as conn:
            chain = intake.chain_state(conn, station)
            if parsed.file_hash in chain.seen:
                already = True  # idempotent: the same file again stores nothing
            else:
                checked = intake.check(conn, keys, path, parsed, chain)
                if checked.gap:
                    pending_dir.mkdir(parents=True, exist_ok=True)
                    waiting = pending_dir / f"{station}-{seq:06d}.zkb"
                    if data is None:
                        shutil.copyfile(path, waiting)
                    else:
                        atomic_write_bytes(waiting, data)
                    missing = chain.next_sequence
                    return Outcome(
                        path,
                        "waiting",
                        SEQUENCE_GAP,
                        f"batch #{missing} is missing: resend it from the station "
                        f"(station batch resend {missing}); this one waits for it",
                        station,
                        seq,
                    )
                duplicates = _store(conn, checked, chain)
    except BatchRefused as exc:
        return Outcome(path, "refused", exc.code, exc.detail, station, seq)
    # Only now, after the commit: a receipt may speak only for what the database holds.
    receipt = _write_receipt(engine, keys, parsed, receipts_dir)
    if already:
        return Outcome(
            path,
            "already",
            REPLAYED,
            "received before; receipt re-issued",
            station,
            seq,
            receipt=receipt,
        )
    (pending_dir / f"{station}-{seq:06d}.zkb").unlink(missing_ok=True)
    return Outcome(
        path,
        "ok",
        station=station,
        sequence=seq,
        records=len(checked.lines),
        receipt=receipt,
        duplicates=duplicates,
    )


def drain_pending(
    engine: Engine, keys: CountyKeys, station: str, pending_dir: Path, receipts_dir: Path
) -> list[Outcome]:
    out: list[Outcome] = []
    while True:
        with engine.connect() as conn:
            nxt = intake.chain_state(conn, station).next_sequence
        path = pending_dir / f"{station}-{nxt:06d}.zkb"
        if not path.exists():
            return out
        try:
            parsed = intake.read_file(path)
        except BatchRefused as exc:
            path.unlink()
            out.append(Outcome(path, "refused", MALFORMED, exc.detail, station, nxt))
            return out
        result = ingest_one(engine, keys, path, parsed, pending_dir, receipts_dir)
        out.append(result)
        if result.status != "ok":
            return out


def _store(
    conn: Connection, c: intake.Checked, chain: intake.ChainState
) -> list[tuple[str, str, str]]:
    m, now, station = c.parsed.manifest, _now(), c.station
    if c.new_key is not None:  # the hand-over holds from this batch on, in its transaction
        conn.execute(
            db.stations.update()
            .where(db.stations.c.code == station)
            .values(ed25519=c.new_key, fingerprint=fingerprint(c.new_key))
        )
    audit_head = m["audit"]["head_hash"] if m["audit"] else chain.audit_head
    inserted = conn.execute(
        db.batches.insert().values(
            station=station,
            sequence=m["sequence"],
            hash=c.parsed.file_hash,
            created_at=m["created_at"],
            received_at=now,
            record_count=m["record_count"],
            audit_head=audit_head,
            manifest=c.parsed.manifest_bytes.decode("utf-8"),
        )
    ).inserted_primary_key
    assert inserted is not None  # an INSERT of one row
    batch_id = inserted[0]
    wanted = list(c.photos)
    have = (
        set(conn.scalars(select(db.photos.c.sha256).where(db.photos.c.sha256.in_(wanted))))
        if wanted
        else set()
    )
    new_photos = [{"sha256": k, "jpeg": v} for k, v in c.photos.items() if k not in have]
    if new_photos:
        conn.execute(db.photos.insert(), new_photos)
    regnos = list({ln["registration_no"] for ln in c.lines})
    stored_versions = {
        (r.registration_no, r.version): r.digest
        for r in conn.execute(
            select(
                db.versions.c.registration_no, db.versions.c.version, db.versions.c.digest
            ).where(db.versions.c.station == station, db.versions.c.registration_no.in_(regnos))
        )
    }
    new_versions = []
    latest: dict[str, dict] = {}
    for ln in c.lines:
        rec = ln["_record"]
        key = (ln["registration_no"], ln["version"])
        if key in stored_versions:
            if stored_versions[key] != ln["digest"]:
                raise BatchRefused("hash_mismatch", f"{key}: a version cannot change once sent")
            continue
        stored_versions[key] = ln["digest"]
        new_versions.append(
            {
                "station": station,
                "registration_no": ln["registration_no"],
                "version": ln["version"],
                "digest": ln["digest"],
                "canonical": ln["canonical"],
                "id_number": rec["record"]["id_number"],
                "name": rec["record"]["name"],
                "photo_sha256": rec.get("photo_sha256"),
                "frozen_at": ln.get("frozen_at", ""),
                "batch_id": batch_id,
            }
        )
        if ln.get("current") and ln["version"] >= latest.get(ln["registration_no"], {}).get(
            "version", 0
        ):
            latest[ln["registration_no"]] = {
                "registration_no": ln["registration_no"],
                "version": ln["version"],
                "id_number": rec["record"]["id_number"],
                "name": rec["record"]["name"],
                "digest": ln["digest"],
            }
    if new_versions:
        conn.execute(db.versions.insert(), new_versions)
    _upsert_candidates(conn, station, latest, c.passwords, now)
    review_desk.upsert_index(
        conn,
        [
            review_desk.index_values(station, ln["_record"])
            for ln in c.lines
            if ln["registration_no"] in latest
            and ln["version"] == latest[ln["registration_no"]]["version"]
        ],
    )
    if m.get("resync") is not None:
        _supersede(conn, station, m["resync"]["audit_fork_seq"], m["sequence"])
    if c.audit:
        conn.execute(
            db.audit_events.insert(),
            [{**{k: e[k] for k in EVENT_COLUMNS}, "station": station} for e in c.audit],
        )
    found = _duplicates(conn, station, [v["id_number"] for v in latest.values()])
    review_desk.mark_duplicates(conn, [d[0] for d in found])
    return found


def _supersede(conn: Connection, station: str, fork: int, sequence: int) -> None:
    """Keep the station's events after the fork point aside: the resynced chain replaces them."""
    after = (db.audit_events.c.station == station) & (db.audit_events.c.seq > fork)
    rows = [dict(r._mapping) for r in conn.execute(select(db.audit_events).where(after))]
    if rows:
        conn.execute(
            db.superseded_audit_events.insert(), [{**r, "superseded_by": sequence} for r in rows]
        )
        conn.execute(db.audit_events.delete().where(after))


def _upsert_candidates(
    conn: Connection,
    station: str,
    latest: dict[str, dict],
    passwords: dict[str, dict[str, Any]],
    now: dt.datetime,
) -> None:
    if not latest:
        return
    existing = {
        r.registration_no: r.version
        for r in conn.execute(
            select(db.candidates.c.registration_no, db.candidates.c.version).where(
                db.candidates.c.station == station,
                db.candidates.c.registration_no.in_(list(latest)),
            )
        )
    }
    inserts, updates = [], []
    for regno, row in latest.items():
        # A new version resets the review: the county reviews what was signed last.
        values = {
            **row,
            "password_hash": passwords.get(regno, {}).get("password_hash"),
            "password_question": passwords.get(regno, {}).get("password_question"),
            "password_answer_hash": passwords.get(regno, {}).get("password_answer_hash"),
            "state": "received",
            "reason": "",
            "allocation": None,
            "updated_at": now,
        }
        if regno not in existing:
            inserts.append({**values, "station": station})
        elif row["version"] > existing[regno]:
            updates.append(
                {**{f"v_{k}": v for k, v in values.items()}, "k_station": station, "k_regno": regno}
            )
    if inserts:
        conn.execute(db.candidates.insert(), inserts)
    if updates:
        t = db.candidates
        columns = [k.removeprefix("v_") for k in updates[0] if k.startswith("v_")]
        stmt = (
            update(t)
            .where(
                t.c.station == bindparam("k_station"), t.c.registration_no == bindparam("k_regno")
            )
            .values({name: bindparam(f"v_{name}") for name in columns})
        )
        conn.execute(stmt, updates)


def _duplicates(
    conn: Connection, station: str, id_numbers: list[str]
) -> list[tuple[str, str, str]]:
    """The same ID number registered at another station too (一人多点报名): flagged, kept."""
    found = []
    t = db.candidates
    for chunk in (id_numbers[i : i + 500] for i in range(0, len(id_numbers), 500)):
        for r in conn.execute(
            select(t.c.id_number, t.c.station).where(
                t.c.id_number.in_(chunk), t.c.station != station
            )
        ):
            found.append((r.id_number, station, r.station))
    return found


def _write_receipt(engine: Engine, keys: CountyKeys, parsed: bf.Parsed, receipts_dir: Path) -> Path:
    """The signed receipt of a committed batch, re-derived from the database and written
    whole under its final name (never a half file, never for a rolled-back batch)."""
    with engine.connect() as conn:
        return _receipt_file(conn, keys, parsed, receipts_dir)


def _receipt_file(
    conn: Connection, keys: CountyKeys, parsed: bf.Parsed, receipts_dir: Path
) -> Path:
    m = parsed.manifest
    batch = conn.execute(
        select(db.batches.c.id, db.batches.c.received_at).where(
            db.batches.c.hash == parsed.file_hash
        )
    ).one()
    items = conn.execute(
        select(db.versions.c.registration_no, db.versions.c.version)
        .where(db.versions.c.batch_id == batch.id)
        .order_by(db.versions.c.id)
    ).all()
    document = {
        "type": RECEIPT,
        "version": 1,
        "county": keys.county,
        "station": m["station"],
        "sequence": m["sequence"],
        "batch_hash": parsed.file_hash,
        "received_at": batch.received_at.isoformat(timespec="seconds") + "Z",
        "records": [[r.registration_no, r.version] for r in items],
    }
    path = receipts_dir / f"{m['station']}-{m['sequence']:06d}.receipt.json"
    atomic_write_bytes(path, sign_document(keys.ed25519, document))
    return path
