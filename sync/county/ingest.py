"""Storing verified batches (入库) and answering each with a signed receipt (回执).

One batch is one transaction: either every version, photo, password hash and audit event of
it is stored, or nothing is. A batch received twice changes nothing (its receipt is written
again, for a station whose copy was lost). A batch that arrives before its predecessor waits
in ``pending/`` and is taken in as soon as the gap is filled.

How it goes fast (issue 19): on PostgreSQL the rows go in by binary COPY in the batch's own
transaction (``db.insert_rows``; executemany on SQLite); each station's next file is read,
decrypted and checked in a thread of its own while the one before is stored
(``_CheckAhead``); ``ingest_files(jobs=)`` stores several stations at once, each station's
chain in order, and takes the candidates, their index and the duplicates across stations
one transaction at a time (``_one_at_a_time``), so that the result is one of the serial ones.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import itertools
import queue
import shutil
import sys
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    exc,
    select,
    text,
    update,
)

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


#: Each worker holds two connections (one stores, one checks ahead): 6 stay inside the
#: connection pool's 15 (5 and 10 more); on 2 cores, 2 jobs keep both busy already.
MAX_JOBS = 6


def ingest_files(
    engine: Engine,
    keys: CountyKeys,
    paths: Sequence[Path],
    *,
    pending_dir: Path,
    receipts_dir: Path,
    jobs: int = 1,
) -> list[Outcome]:
    """Ingest the files, each station's in sequence order. ``jobs`` > 1 on PostgreSQL: that
    many stations at once (at most ``MAX_JOBS``), each on connections of its own (a station's
    chain stays in order; stations are independent). The outcomes come in the same order
    either way."""
    good, out = _load(paths)
    series = [list(g) for _, g in itertools.groupby(good, key=lambda p: p[1])]
    workers = min(jobs, MAX_JOBS, len(series)) if engine.dialect.name == "postgresql" else 1
    feed = _Feed(series, workers)
    # The thread that stores waits on the database and then wants the GIL back at once, to
    # send the next rows, while the thread that checks ahead holds it for JSON: by default
    # for up to 5 ms each time, which kept the server waiting (about 12 % of the time).
    switch = sys.getswitchinterval()
    sys.setswitchinterval(min(switch, 0.0005))
    try:
        if workers <= 1:
            done = _ingest_stream(engine, keys, feed, 0, pending_dir, receipts_dir)
        else:
            with ThreadPoolExecutor(workers, thread_name_prefix="ingest") as pool:
                runs = [
                    pool.submit(_ingest_stream, engine, keys, feed, k, pending_dir, receipts_dir)
                    for k in range(workers)
                ]
                done = {}
                try:
                    for run in runs:
                        done |= run.result()
                except BaseException:
                    feed.close()
                    raise
    finally:
        sys.setswitchinterval(switch)
    for index in range(len(series)):
        out += done.get(index, [])
    return out


class _Feed:
    """The stations' series of files, handed out one series at a time: worker k's first is
    series k, and after that a series goes to whichever worker asks next (a worker asks when
    it is storing the last file of its series)."""

    def __init__(self, series: list[list[tuple[Path, str, int]]], workers: int) -> None:
        numbered = list(enumerate(series))
        self._first = dict(enumerate(numbered[:workers]))
        self._next = iter(numbered[workers:])
        self._lock = threading.Lock()
        self.closed = False

    def take(self, worker: int) -> tuple[int, list[tuple[Path, str, int]]] | None:
        with self._lock:
            if self.closed:
                return None
            return self._first.pop(worker, None) or next(self._next, None)

    def close(self) -> None:
        """No more files for anyone (Ctrl+C, an error): each worker ends after the batch it
        is storing, which is committed whole or not at all."""
        self.closed = True


def _ingest_stream(
    engine: Engine,
    keys: CountyKeys,
    feed: _Feed,
    worker: int,
    pending_dir: Path,
    receipts_dir: Path,
) -> dict[int, list[Outcome]]:
    """Stations' series from ``feed`` until none is left, each in sequence order, each file
    read and checked (``_CheckAhead``) while the one before it is stored. Returns the
    outcomes of each series by its number."""
    done: dict[int, list[Outcome]] = {}
    with _CheckAhead(engine, keys, feed, worker) as ahead:
        try:
            for index, item in ahead:
                if feed.closed:
                    break  # another worker failed, or Ctrl+C: no batch begun after it
                out = done.setdefault(index, [])
                if isinstance(item, Outcome):  # a file that could not be read
                    out.append(item)
                else:
                    path, parsed, early = item
                    out.append(
                        ingest_one(
                            engine, keys, path, parsed, pending_dir, receipts_dir, ahead=early
                        )
                    )
                    if out[-1].status == "ok":
                        out += drain_pending(
                            engine, keys, out[-1].station, pending_dir, receipts_dir
                        )
                    if early.checked is not None and not early.used:
                        ahead.stale.set()  # its chain was not the database's: read it again
                ahead.finished()
        except BaseException:
            feed.close()
            raise
    return done


@dataclass(slots=True)
class _Early:
    """A batch checked ahead, while the one before it was being stored: against the chain
    as that one leaves it (``chain``) and the station's row as it was (``station``).
    ``checked`` is None when it was refused, waits for a gap or resyncs: then it is checked
    again, in its own transaction, for the reason that counts."""

    checked: intake.Checked | None = None
    chain: intake.ChainState | None = None
    station: tuple[Any, ...] | None = None
    used: bool = False

    def usable(self, conn: Connection, chain: intake.ChainState) -> intake.Checked | None:
        """The check made ahead, if it was made against what this transaction holds: the
        same chain and the same station row. What intake.check reads besides is the other
        stations' 报名号, which ``_one_at_a_time`` reads again, and a resync's audit event,
        which is never taken from ahead."""
        if self.checked is None or self.chain != chain:
            return None
        row = db.station_row(conn, self.checked.station)
        if row is None or tuple(row) != self.station:
            return None
        self.used = True
        return self.checked


def _chain_copy(chain: intake.ChainState) -> intake.ChainState:
    return dataclasses.replace(chain, seen=set(chain.seen))


class _CheckAhead:
    """Reads and checks the stations' files in a thread of its own, ahead of the thread that
    stores them: the hashing, decryption and parsing of a batch (about as long as storing
    one) overlap with the COPY of the one before, across one station's files and from one
    station's last to the next station's first.

    Batch n+1 is checked against the chain as batch n will leave it, in a read-only
    transaction of its own (one snapshot on PostgreSQL). When n is refused, or is not
    what was assumed, nothing checked ahead is trusted: ``_Early.usable`` compares, in the
    transaction that stores n+1, the chain and the station row with those it was checked
    against, and otherwise n+1 is checked again there. After such a miss the thread waits
    until n is stored and reads the chain from the database again."""

    _END = object()

    def __init__(self, engine: Engine, keys: CountyKeys, feed: _Feed, worker: int):
        self.engine, self.keys, self.feed, self.worker = engine, keys, feed, worker
        self.items: queue.Queue[Any] = queue.Queue(maxsize=1)  # one batch ahead, no more
        self.stop, self.stale = threading.Event(), threading.Event()
        self.done, self.progress = 0, threading.Condition()
        self.thread = threading.Thread(target=self._run, name="check-ahead", daemon=True)

    def __enter__(self) -> _CheckAhead:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        with self.progress:
            self.progress.notify_all()
        while self.thread.is_alive():  # let a put() that waits for room see the stop
            with contextlib.suppress(queue.Empty):
                self.items.get(timeout=0.05)
        self.thread.join()

    def __iter__(self) -> Iterator[tuple[int, Outcome | tuple[Path, bf.Parsed, _Early]]]:
        while True:
            item = self.items.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def finished(self) -> None:
        """The storing thread is done with one more file."""
        with self.progress:
            self.done += 1
            self.progress.notify_all()

    def _wait_stored(self, count: int) -> None:
        with self.progress:
            while self.done < count and not self.stop.is_set():
                self.progress.wait()

    def _put(self, item: Any) -> bool:
        while not self.stop.is_set():
            try:
                self.items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            options = {"isolation_level": "REPEATABLE READ"}
            if self.engine.dialect.name != "postgresql":
                options = {}
            with self.engine.connect().execution_options(**options) as conn:
                handed = 0  # files handed to the storing thread
                while True:
                    # The next station's first file while this one's last is stored; not
                    # sooner, so that another worker that is free can take it instead.
                    self._wait_stored(handed - 1)
                    if (taken := self.feed.take(self.worker)) is None:
                        break
                    index, files = taken
                    first, chain = handed, None
                    for path, station, sequence in files:
                        if self.feed.closed:
                            break
                        try:
                            parsed = intake.read_file(path)
                        except BatchRefused as exc:
                            refused = Outcome(
                                path, "refused", exc.code, exc.detail, station, sequence
                            )
                            if not self._put((index, refused)):
                                return
                            handed += 1
                            continue
                        if chain is None or self.stale.is_set():
                            if handed > first:  # this station's files before: stored first
                                self._wait_stored(handed)
                            self.stale.clear()
                            chain = intake.chain_state(conn, station)
                            conn.rollback()
                        early, chain = self._check(conn, path, parsed, chain)
                        if not self._put((index, (path, parsed, early))):
                            return
                        handed += 1
            self._put(self._END)
        except BaseException as error:  # an unreadable file, a lost server: for the caller
            self._put(error)

    def _check(
        self, conn: Connection, path: Path, parsed: bf.Parsed, chain: intake.ChainState
    ) -> tuple[_Early, intake.ChainState | None]:
        """The batch checked against ``chain``, and the chain it leaves (None: unknown)."""
        try:
            if parsed.file_hash in chain.seen:
                return _Early(), chain  # received before: nothing to check, nothing changes
            if parsed.manifest.get("resync") is not None:
                return _Early(), None
            station = db.station_row(conn, parsed.manifest["station"])
            try:
                checked = intake.check(conn, self.keys, path, parsed, _chain_copy(chain))
            except BatchRefused:
                return _Early(), None
            if checked.gap or station is None:
                return _Early(), None
            for ln in checked.lines:  # the review index's columns (pinyin): not while storing
                ln["_index"] = review_desk.index_values(checked.station, ln["_record"])
            after = _chain_copy(chain)
            intake.advance(after, checked)
            return _Early(checked, _chain_copy(chain), tuple(station)), after
        finally:
            conn.rollback()  # no transaction left open while the thread waits


def ingest_one(
    engine: Engine,
    keys: CountyKeys,
    path: Path,
    parsed: bf.Parsed,
    pending_dir: Path,
    receipts_dir: Path,
    data: bytes | None = None,
    *,
    ahead: _Early | None = None,
) -> Outcome:
    """One batch, from the file at ``path`` or, for an upload, from ``data`` (then ``path``
    only names it in the outcome); ``ahead``: the batch as checked ahead (``_CheckAhead``).

    On PostgreSQL, another transaction storing a key at the same time (the same photo from
    two stations ingested in parallel, the same batch from two workers) makes this one fail
    with an IntegrityError, or rarely a deadlock: the batch is tried again, and then finds
    what the other one committed."""
    for attempt in itertools.count(1):
        try:
            return _ingest_once(engine, keys, path, parsed, pending_dir, receipts_dir, data, ahead)
        except exc.DBAPIError as error:
            if attempt >= _ATTEMPTS or not _contended(error):
                raise
    raise AssertionError("unreachable")


_ATTEMPTS = 3


def _contended(error: exc.DBAPIError) -> bool:
    """A failure that another transaction caused and a second attempt does not meet."""
    if isinstance(error, exc.IntegrityError):
        return True
    # deadlock_detected, serialization_failure
    return getattr(error.orig, "sqlstate", None) in ("40P01", "40001")


def _ingest_once(
    engine: Engine,
    keys: CountyKeys,
    path: Path,
    parsed: bf.Parsed,
    pending_dir: Path,
    receipts_dir: Path,
    data: bytes | None,
    ahead: _Early | None,
) -> Outcome:
    m = parsed.manifest
    station, seq = str(m["station"]), int(m["sequence"])
    already = False
    with engine.connect() as conn:
        try:
            with conn.begin():
                chain = intake.chain_state(conn, station)
                if parsed.file_hash in chain.seen:
                    already = True  # idempotent: the same file again stores nothing
                else:
                    early = ahead.usable(conn, chain) if ahead is not None else None
                    checked = early or intake.check(conn, keys, path, parsed, chain)
                    if checked.gap:
                        pending_dir.mkdir(parents=True, exist_ok=True)
                        waiting = pending_dir / bf.batch_file_name(station, seq)
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
        numbers = None if already else list({ln["registration_no"] for ln in checked.lines})
        receipt = _receipt_file(conn, keys, parsed, receipts_dir, numbers)
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
    (pending_dir / bf.batch_file_name(station, seq)).unlink(missing_ok=True)
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
    if not any(pending_dir.glob(f"{station}-*.zkb")):
        return out  # nothing of this station waits: no need to ask the database
    while True:
        with engine.connect() as conn:
            nxt = intake.chain_state(conn, station).next_sequence
        path = pending_dir / bf.batch_file_name(station, nxt)
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
    """Every row of the batch, in the transaction of ``conn``: the bulk (photos, versions,
    audit events) through ``db.insert_rows`` (binary COPY on PostgreSQL) first, then, one
    transaction at a time (``_one_at_a_time``), what another station's batch could read or
    change: the candidates, their review index and the duplicates across stations."""
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
        set(
            conn.scalars(
                select(db.photos.c.sha256).where(db.among(conn, db.photos.c.sha256, wanted))
            )
        )
        if wanted
        else set()
    )
    db.insert_rows(
        conn, db.photos, [{"sha256": k, "jpeg": v} for k, v in c.photos.items() if k not in have]
    )
    regnos = list({ln["registration_no"] for ln in c.lines})
    stored_versions = {
        (r.registration_no, r.version): r.digest
        for r in conn.execute(
            select(
                db.versions.c.registration_no, db.versions.c.version, db.versions.c.digest
            ).where(
                db.versions.c.station == station,
                db.among(conn, db.versions.c.registration_no, regnos),
            )
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
    db.insert_rows(conn, db.versions, new_versions)
    if m.get("resync") is not None:
        _supersede(conn, station, m["resync"]["audit_fork_seq"], m["sequence"])
    db.insert_rows(
        conn,
        db.audit_events,
        [{**{k: e[k] for k in EVENT_COLUMNS}, "station": station} for e in c.audit],
    )
    index = [
        ln.get("_index") or review_desk.index_values(station, ln["_record"])
        for ln in c.lines
        if ln["registration_no"] in latest
        and ln["version"] == latest[ln["registration_no"]]["version"]
    ]
    held = _one_at_a_time(conn, c)
    _upsert_candidates(conn, station, latest, held, c.passwords, now)
    # A candidate new here has no index row to replace (rows are made only with candidates).
    db.insert_rows(conn, db.review_index, [r for r in index if r["registration_no"] not in held])
    review_desk.upsert_index(conn, [r for r in index if r["registration_no"] in held])
    found = _duplicates(conn, station, [v["id_number"] for v in latest.values()])
    review_desk.mark_duplicates(conn, [d[0] for d in found])
    return found


#: The key of the PostgreSQL advisory lock that ingests take one at a time (any constant
#: that no other lock of the county's uses): "ZK" and issue 19.
_INGEST_LOCK = 0x5A4B_0019


def _one_at_a_time(conn: Connection, c: intake.Checked) -> dict[str, int]:
    """From here to its commit, one ingest at a time (PostgreSQL; SQLite has one writer).
    Returns the versions of the candidates the county holds under this batch's 报名号.

    Batches of different stations are stored at once (``ingest_files(jobs=)``, the intake
    service's workers), each in its own transaction, and a transaction does not see what
    another has not committed: two stations' batches holding the same ID number would each
    miss the other (the duplicate never flagged), and the same 报名号 from two stations
    would be taken twice. From this lock on, a transaction sees every batch committed before
    it: it checks the 报名号 again (intake checked them before the lock: another station's
    refuses the batch) and finds the duplicates as if the batches had come one after the
    other. Only the candidates, their index and the duplicates wait for it; the photos,
    versions and audit events are already written."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _INGEST_LOCK})
    intake.check_owned(conn, c)  # again: another station's batch may have taken one since
    t = db.candidates
    numbers = list({ln["registration_no"] for ln in c.lines})
    return {
        r.registration_no: r.version
        for r in conn.execute(
            select(t.c.registration_no, t.c.version).where(
                t.c.station == c.station, db.among(conn, t.c.registration_no, numbers)
            )
        )
    }


def _supersede(conn: Connection, station: str, fork: int, sequence: int) -> None:
    """Keep the station's events after the fork point aside: the resynced chain replaces them."""
    after = (db.audit_events.c.station == station) & (db.audit_events.c.seq > fork)
    rows = [dict(r._mapping) for r in conn.execute(select(db.audit_events).where(after))]
    if rows:
        db.insert_rows(
            conn, db.superseded_audit_events, [{**r, "superseded_by": sequence} for r in rows]
        )
        conn.execute(db.audit_events.delete().where(after))


def _upsert_candidates(
    conn: Connection,
    station: str,
    latest: dict[str, dict],
    existing: dict[str, int],
    passwords: dict[str, dict[str, Any]],
    now: dt.datetime,
) -> None:
    """``existing``: the version of each candidate the county holds already."""
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
    db.insert_rows(conn, db.candidates, inserts)
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
                db.among(conn, t.c.id_number, chunk), t.c.station != station
            )
        ):
            found.append((r.id_number, station, r.station))
    return found


def _receipt_file(
    conn: Connection,
    keys: CountyKeys,
    parsed: bf.Parsed,
    receipts_dir: Path,
    numbers: list[str] | None = None,
) -> Path:
    """The signed receipt of a committed batch, re-derived from the database and written
    whole under its final name (never a half file, never for a rolled-back batch).

    ``numbers``: the batch's 报名号 when known (just stored): its versions are then found
    through the (station, 报名号, version) index; batch_id has none, and a search by it alone
    read the whole table for every receipt (a province's ingest slowed down batch by batch)."""
    m = parsed.manifest
    batch = conn.execute(
        select(db.batches.c.id, db.batches.c.received_at).where(
            db.batches.c.hash == parsed.file_hash
        )
    ).one()
    v = db.versions
    found = (v.c.station == m["station"]) & (v.c.batch_id == batch.id)
    if numbers is not None:
        found &= db.among(conn, v.c.registration_no, numbers)
    items = conn.execute(
        select(v.c.registration_no, v.c.version).where(found).order_by(v.c.id)
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
    path = receipts_dir / bf.receipt_file_name(bf.batch_file_name(m["station"], m["sequence"]))
    atomic_write_bytes(path, sign_document(keys.ed25519, document))
    return path
