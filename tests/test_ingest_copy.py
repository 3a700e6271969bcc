"""County ingest through binary COPY (PostgreSQL) and several stations at once (issue 19).

The COPY path stores exactly what the executemany path stores, row by row, and both what
SQLite stores; stations ingested in parallel give what one after the other gives (the
duplicates across stations flagged, a 报名号 of another station refused, a photo two
stations share stored once); a batch that fails half-way leaves nothing behind; the same
batch twice is "already", a replay refused, a gap waits.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, exc, make_url, select

from station.audit import GENESIS as AUDIT_GENESIS
from station.audit import canonical_json, event_hash
from station.signing import handover_message
from sync import batch_format as bf
from sync.county import db, ingest, intake
from sync.county.registry import register_station
from sync.errors import HASH_MISMATCH, OTHER_STATION, REPLAYED, SEQUENCE_GAP, BatchRefused
from sync.keys import CountyKeys, StationPublicKey, read_private_key

from .sync_fixtures import COUNTY, PASSPHRASE, make_county, postgres_or_skip, row_counts

# --- synthetic stations and their batches ----------------------------------------------------


@dataclass
class Station:
    number: int
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    sequence: int = 0
    previous: str = bf.GENESIS
    events: list[str] = field(default_factory=list)  # the hash of audit event #i+1

    @property
    def code(self) -> str:
        return f"{COUNTY}-{self.number:02d}"

    @property
    def public(self) -> StationPublicKey:
        return StationPublicKey(
            self.code, COUNTY, f"站{self.number}", self.key.public_key().public_bytes_raw()
        )


def photo(tag: str) -> bytes:
    return b"\xff\xd8\xff\xe0" + tag.encode() * 50 + b"\xff\xd9"


@dataclass
class Rec:
    regno: str
    id_number: str
    name: str
    version: int = 1
    picture: str | None = None  # the photo's tag; None: the record has no photo
    applied: Any = True


def write_batch(
    root: Path,
    county: CountyKeys,
    st: Station,
    recs: list[Rec],
    *,
    audit_per_record: int = 2,
    fork: int | None = None,
    new_key: Ed25519PrivateKey | None = None,
    sequence: int | None = None,
) -> Path:
    """One signed, sealed batch of ``st``; ``fork``: a resync batch whose audit chain goes on
    from event #fork; ``new_key``: signed by it, handed over from the station's key;
    ``sequence``: another number than the next (a replay, a fork of the chain)."""
    lines, photos, passwords, events = [], {}, [], []
    if fork is not None:
        del st.events[fork:]
    for rec in recs:
        record: dict[str, Any] = {
            "id_number": rec.id_number,
            "name": rec.name,
            "school_code": "41010501",
            "school_name": "金水区第一初级中学",
            "category": "应届",
            "allocation_applied": rec.applied,
        }
        doc: dict[str, Any] = {"format": 1, "registration_no": rec.regno, "version": rec.version,
                               "record": record}  # fmt: skip
        line: dict[str, Any] = {"registration_no": rec.regno, "version": rec.version,
                                "frozen_at": "2027-03-01T08:00:00", "frozen_by": "test",
                                "current": True}  # fmt: skip
        if rec.picture is not None:
            jpeg = photo(rec.picture)
            doc["photo_sha256"] = bf.sha256_hex(jpeg)
            line["photo"] = f"photos/{doc['photo_sha256']}.jpg"
            photos[line["photo"]] = jpeg
        canonical = canonical_json(doc)
        line |= {"canonical": canonical, "digest": bf.sha256_hex(canonical.encode())}
        lines.append(line)
        passwords.append({"registration_no": rec.regno, "password_hash": f"$argon2id${rec.regno}",
                          "question": "小学名称", "answer_hash": f"$argon2id$a{rec.regno}"})  # fmt: skip
        for action in ("sign", "freeze")[:audit_per_record]:
            seq, prev = len(st.events) + 1, st.events[-1] if st.events else AUDIT_GENESIS
            detail = canonical_json({"registration_no": rec.regno, "v": rec.version})
            at = f"2027-03-01T08:00:{seq % 60:02d}"
            digest = event_hash(seq, at, "op", action, 7, rec.version, "", detail, prev)
            events.append({"seq": seq, "at": at, "actor": "op", "action": action,
                           "candidate_id": 7, "version": rec.version, "reason": "",
                           "detail": detail, "prev_hash": prev, "hash": digest})  # fmt: skip
            st.events.append(digest)
    audit = None
    if events:
        audit = {"first_seq": events[0]["seq"], "last_seq": events[-1]["seq"],
                 "prev_hash": events[0]["prev_hash"], "head_hash": events[-1]["hash"]}  # fmt: skip
    entries = [bf.Entry("records.jsonl", bf.to_json_lines(lines)),
               bf.Entry("passwords.jsonl", bf.to_json_lines(passwords)),
               bf.Entry("audit.jsonl", bf.to_json_lines(events)),
               *(bf.Entry(k, v) for k, v in photos.items())]  # fmt: skip
    signer, handover = st.key, None
    if new_key is not None:
        old, new = st.public.ed25519, new_key.public_key().public_bytes_raw()
        handover = {"old_key": old.hex(), "new_key": new.hex(),
                    "signature": st.key.sign(handover_message(st.code, COUNTY, old, new)).hex()}  # fmt: skip
        signer = new_key
    number = sequence if sequence is not None else st.sequence + 1
    manifest = bf.build_manifest(
        station=st.code, station_key=signer.public_key().public_bytes_raw(), county=COUNTY,
        recipient=county.public.raw, sequence=number, previous_hash=st.previous,
        created_at="2027-03-01T08:00:00Z", record_count=len(lines), audit=audit, entries=entries,
        resync=None if fork is None else {"county_sequence": st.sequence, "audit_fork_seq": fork},
        key_handover=handover,
    )  # fmt: skip
    data = bf.seal_batch(
        manifest, entries, signing_key=signer, recipient_x25519=county.public.x25519
    )
    path = root / f"{st.code}-{number:06d}-{len(list(root.glob('*.zkb')))}.zkb"
    root.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if sequence is None:
        st.sequence, st.previous = number, bf.sha256_hex(data)
    if new_key is not None:
        st.key = new_key
    return path


@dataclass
class Scenario:
    county: CountyKeys
    stations: list[StationPublicKey]
    files: list[Path]
    shared_id: str


def scenario(root: Path) -> Scenario:
    """Three stations, eight batches: new versions, a resync that supersedes audit events,
    a key hand-over, a photo two stations share, an ID number registered at two stations,
    a record without a photo and a 分配生 answer given as text."""
    county = CountyKeys.generate(COUNTY, "郑州市金水区教育局")
    a, b, c = Station(1), Station(2), Station(3)
    publics = [a.public, b.public, c.public]
    shared_id = "410105201201010011"
    files = [
        write_batch(
            root,
            county,
            a,
            [
                Rec(
                    f"27410105010{i:04d}",
                    f"41010520120101{i:03d}1",
                    f"李{'明华强'[i % 3]}",
                    picture=f"a{i}",
                )
                for i in range(1, 5)
            ],
        ),
        write_batch(
            root,
            county,
            a,
            [
                Rec("274101050100001", "410105201201010011", "李明", version=2, picture="a1-new"),
                Rec("274101050100005", "410105201201010051", "王芳", picture="shared"),
            ],
        ),
        write_batch(
            root,
            county,
            a,
            [
                Rec(
                    "274101050100002",
                    "410105201201010021",
                    "李华",
                    version=2,
                    picture="a2",
                    applied="否",
                )
            ],
            fork=9,
        ),
        write_batch(
            root,
            county,
            b,
            [
                Rec("274101050200001", shared_id, "曾国藩", picture="b1"),
                Rec("274101050200002", "410105201201020021", "赵敏", picture="shared"),
                Rec("274101050200003", "410105201201020031", "钱多", picture=None),
            ],
        ),
        write_batch(
            root,
            county,
            b,
            [Rec("274101050200004", "410105201201020041", "孙悟", picture="b4")],
            new_key=Ed25519PrivateKey.generate(),
        ),
        write_batch(
            root,
            county,
            b,
            [Rec("274101050200002", "410105201201020021", "赵敏", version=2, picture="b2-new")],
        ),
        write_batch(
            root,
            county,
            c,
            [
                Rec(f"27410105030{i:04d}", f"41010520120103{i:03d}1", "欧阳娜娜", picture=f"c{i}")
                for i in range(1, 4)
            ],
            audit_per_record=0,
        ),
        write_batch(
            root, county, c, [Rec("274101050300004", "410105201201030041", "周一", picture="c4")]
        ),
    ]
    return Scenario(county, publics, files, shared_id)


# --- the databases -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_or_skip() as url:
        yield url


_NAMES = itertools.count(1)


class Databases:
    """A fresh county database per call: SQLite in a folder, or one on the test cluster."""

    def __init__(self, root: Path, server: str | None) -> None:
        self.root, self.server, self.made = root, server, 0

    def new(self) -> Engine:
        self.made += 1
        if self.server is None:
            folder = self.root / f"db{self.made}"
            folder.mkdir(parents=True)
            return db.connect(db.default_url(folder))
        name = f"ingest_copy_{os.getpid()}_{next(_NAMES)}"
        dsn = make_url(self.server).set(drivername="postgresql").render_as_string(False)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        return db.connect(make_url(self.server).set(database=name).render_as_string(False))


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Databases:
    if request.param == "sqlite":
        return Databases(tmp_path / "dbs", None)
    return Databases(tmp_path / "dbs", request.getfixturevalue("postgres_url"))


@pytest.fixture
def pg(postgres_url: str, tmp_path: Path) -> Databases:
    return Databases(tmp_path / "dbs", postgres_url)


def registered(engine: Engine, s: Scenario) -> Engine:
    for public in s.stations:
        register_station(engine, public, COUNTY)
    return engine


def run(
    engine: Engine, s: Scenario, root: Path, files: list[Path] | None = None, jobs: int = 1
) -> list[ingest.Outcome]:
    return ingest.ingest_files(
        engine,
        s.county,
        s.files if files is None else files,
        pending_dir=root / "pending",
        receipts_dir=root / "receipts",
        jobs=jobs,
    )


# Columns that differ between two databases holding the same data: generated keys and the
# time of receipt. A version's batch is compared by the batch's hash instead of its id.
VOLATILE = {
    "stations": {"registered_at"},
    "batches": {"id", "received_at"},
    "versions": {"id", "batch_id"},
    "candidates": {"updated_at"},
    "superseded_audit_events": {"id"},
}


def contents(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted, without what only says when or in which order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        hashes = dict(conn.execute(select(db.batches.c.id, db.batches.c.hash)).all())
        for table in db.metadata.sorted_tables:
            skip = VOLATILE.get(table.name, set())
            rows = []
            for r in conn.execute(select(table)).mappings():
                row = tuple(
                    bytes(v) if isinstance(v, memoryview) else v
                    for k, v in r.items()
                    if k not in skip
                )
                if table.name == "versions":
                    row += (hashes[r["batch_id"]],)
                rows.append(row)
            out[table.name] = sorted(rows, key=repr)
    return out


def statuses(outcomes: list[ingest.Outcome]) -> list[tuple[str, str, str, int, int]]:
    return [(o.status, o.code, o.station, o.sequence, o.records) for o in outcomes]


# --- the tests ---------------------------------------------------------------------------------


def test_copy_stores_exactly_what_executemany_stores(
    pg: Databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = scenario(tmp_path / "in")
    copied = registered(pg.new(), s)
    outcomes = run(copied, s, tmp_path / "copy")
    assert [o.status for o in outcomes] == ["ok"] * 8
    assert [d[0] for o in outcomes for d in o.duplicates] == [s.shared_id]
    monkeypatch.setattr(db, "COPY", False)
    many = registered(pg.new(), s)
    assert statuses(run(many, s, tmp_path / "many")) == statuses(outcomes)
    monkeypatch.setattr(db, "COPY", True)
    sqlite = registered(Databases(tmp_path / "lite", None).new(), s)
    assert statuses(run(sqlite, s, tmp_path / "lite")) == statuses(outcomes)

    got = contents(copied)
    assert got == contents(many)
    assert got == contents(sqlite)
    counts = {name: len(rows) for name, rows in got.items() if rows}
    assert counts == {"stations": 3, "batches": 8, "photos": 13, "versions": 16,
                      "candidates": 13, "review_index": 13, "audit_events": 23,
                      "superseded_audit_events": 3}  # fmt: skip
    flagged = [r[1] for r in got["review_index"] if r[-1] is True]
    assert flagged == ["274101050100001", "274101050200001"]  # the ID number at two stations
    assert all(r[6].startswith("$argon2id$") for r in got["candidates"])  # password hashes


def test_parallel_stations_give_what_one_after_the_other_gives(
    pg: Databases, tmp_path: Path
) -> None:
    s = scenario(tmp_path / "in")
    serial = registered(pg.new(), s)
    one = run(serial, s, tmp_path / "serial")
    parallel = registered(pg.new(), s)
    three = run(parallel, s, tmp_path / "parallel", jobs=3)
    assert statuses(three) == statuses(one)  # the same outcomes, in the same order
    assert contents(parallel) == contents(serial)
    again = run(parallel, s, tmp_path / "parallel", jobs=3)
    assert {o.status for o in again} == {"already"}


def test_an_error_in_one_worker_stops_the_others_and_leaves_whole_batches(
    pg: Databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = scenario(tmp_path / "in")
    engine = registered(pg.new(), s)
    store = ingest._store

    def broken(conn: Any, c: intake.Checked, chain: Any) -> Any:
        if c.station == "410105-02":
            raise RuntimeError("the disk is full")
        return store(conn, c, chain)

    monkeypatch.setattr(ingest, "_store", broken)
    with pytest.raises(RuntimeError, match="disk is full"):
        run(engine, s, tmp_path / "out", jobs=3)
    with engine.connect() as conn:
        stored = conn.execute(select(db.batches.c.id, db.batches.c.record_count)).all()
        versions = conn.execute(select(db.versions.c.batch_id)).scalars().all()
    assert all(versions.count(batch) == count for batch, count in stored)  # each one whole
    with engine.connect() as conn:
        assert "410105-02" not in conn.scalars(select(db.batches.c.station)).all()
    monkeypatch.undo()
    again = run(engine, s, tmp_path / "out", jobs=3)  # the rest goes in on the next run
    assert {o.status for o in again} <= {"ok", "already"}
    serial = registered(pg.new(), s)
    run(serial, s, tmp_path / "serial")
    assert contents(engine) == contents(serial)


class _Meet:
    """Holds each of two threads at a point until both are there (the first time only): the
    two transactions are then surely in flight together."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(2, timeout=20)
        self.seen: set[int] = set()

    def __call__(self) -> None:
        me = threading.get_ident()
        if me not in self.seen:
            self.seen.add(me)
            self.barrier.wait()


def _meet_before_photos(monkeypatch: pytest.MonkeyPatch) -> None:
    meet, insert = _Meet(), db.insert_rows

    def held(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
        if table is db.photos:
            meet()
        insert(conn, table, rows)

    monkeypatch.setattr(db, "insert_rows", held)


def _in_flight_together(
    pg: Databases, root: Path, monkeypatch: pytest.MonkeyPatch, a: list[Rec], b: list[Rec]
) -> tuple[list[ingest.Outcome], Engine, Scenario]:
    """A batch of station 01 and one of station 02, ingested at once: both transactions have
    passed every check before either commits."""
    county = CountyKeys.generate(COUNTY, "县区")
    one, two = Station(1), Station(2)
    files = [write_batch(root / "in", county, one, a), write_batch(root / "in", county, two, b)]
    s = Scenario(county, [one.public, two.public], files, "")
    engine = registered(pg.new(), s)
    with monkeypatch.context() as m:
        meet, insert = _Meet(), db.insert_rows

        def held(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
            if table is db.photos:
                meet()
            insert(conn, table, rows)

        m.setattr(db, "insert_rows", held)
        outcomes = run(engine, s, root / "out", jobs=2)
    return outcomes, engine, s


SHARED_ID = "410105201201010011"


def test_a_registration_number_two_stations_send_at_once_is_taken_once(
    pg: Databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcomes, engine, s = _in_flight_together(
        pg, tmp_path, monkeypatch,
        [Rec("274101050100001", "410105201201010011", "甲", picture="a1"),
         Rec("274101050100009", "41010520120101009X", "丙", picture="a9")],
        [Rec("274101050100009", "41010520120101009X", "丙", picture="b9")],
    )  # fmt: skip
    assert sorted((o.status, o.code) for o in outcomes) == [("ok", ""), ("refused", OTHER_STATION)]
    # What is stored is what one after the other stores: the batch taken, nothing of the other.
    serial = registered(pg.new(), s)
    run(serial, s, tmp_path / "serial", files=[o.path for o in outcomes if o.status == "ok"])
    assert contents(engine) == contents(serial)


def test_an_id_number_two_stations_send_at_once_is_flagged_on_both(
    pg: Databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcomes, engine, _s = _in_flight_together(
        pg, tmp_path, monkeypatch,
        [Rec("274101050100001", SHARED_ID, "甲", picture="a1")],
        [Rec("274101050200001", SHARED_ID, "乙", picture="b1")],
    )  # fmt: skip
    assert [o.status for o in outcomes] == ["ok", "ok"]
    assert [d[0] for o in outcomes for d in o.duplicates] == [SHARED_ID]  # by the later one
    assert [r[-1] for r in contents(engine)["review_index"]] == [True, True]


def test_a_photo_two_stations_send_at_once_is_stored_once(
    pg: Databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second COPY waits for the first transaction's photo, fails on its key when that
    commits, and the batch is tried again: it finds the photo stored."""
    outcomes, engine, _s = _in_flight_together(
        pg, tmp_path, monkeypatch,
        [Rec("274101050100001", "410105201201010011", "甲", picture="same")],
        [Rec("274101050200001", "410105201201020011", "乙", picture="same")],
    )  # fmt: skip
    assert [o.status for o in outcomes] == ["ok", "ok"]
    got = contents(engine)
    assert len(got["photos"]) == 1 and len(got["versions"]) == 2


def test_a_batch_failing_half_way_leaves_nothing(
    databases: Databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = scenario(tmp_path / "in")
    engine = registered(databases.new(), s)
    receipts = tmp_path / "out" / "receipts"
    (first,) = run(engine, s, tmp_path / "out", files=s.files[:1])
    assert first.status == "ok"
    before, rows = contents(engine), row_counts(engine)

    def unchanged() -> None:
        assert row_counts(engine) == rows
        assert contents(engine) == before
        assert sorted(p.name for p in receipts.iterdir()) == ["410105-01-000001.receipt.json"]

    # After every bulk insert, before the commit.
    def cut(*_args: Any) -> Any:
        raise RuntimeError("power cut")

    with monkeypatch.context() as m:
        m.setattr(ingest, "_duplicates", cut)
        with pytest.raises(RuntimeError):
            run(engine, s, tmp_path / "out", files=s.files[1:2])
    unchanged()

    # The server refuses a row in the middle of a bulk insert (a key twice).
    insert = db.insert_rows

    def twice(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
        if table is db.audit_events:
            rows = [*rows[:1], *rows, *rows[1:]]
        insert(conn, table, rows)

    with monkeypatch.context() as m:
        m.setattr(db, "insert_rows", twice)
        with pytest.raises(exc.IntegrityError):
            run(engine, s, tmp_path / "out", files=s.files[1:2])
    unchanged()

    # A row that cannot be stored half-way: on PostgreSQL not even sent (not a number for a
    # number column), on SQLite (which would store the text) a missing value.
    bad = "zwei" if engine.dialect.name == "postgresql" else None

    def garbled(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
        if table is db.versions:
            rows = [*rows[:1], {**rows[1], "version": bad}, *rows[2:]]
        insert(conn, table, rows)

    with monkeypatch.context() as m:
        m.setattr(db, "insert_rows", garbled)
        with pytest.raises((exc.DBAPIError, TypeError, ValueError)):
            run(engine, s, tmp_path / "out", files=s.files[1:2])
    unchanged()

    # Nothing half-done stands in the way: the same file goes in whole.
    (second,) = run(engine, s, tmp_path / "out", files=s.files[1:2])
    assert second.status == "ok" and second.records == 2


def test_each_batch_is_checked_ahead_while_the_one_before_is_stored(
    databases: Databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a resync (its audit fork is read from what the batch before stores) and a batch
    checked before the key hand-over ahead of it was stored are checked again."""
    s = scenario(tmp_path / "in")
    engine = registered(databases.new(), s)
    calls: list[tuple[str, str, int]] = []
    check = intake.check

    def seen(conn: Any, keys: Any, path: Path, parsed: bf.Parsed, chain: Any) -> Any:
        m = parsed.manifest
        calls.append((threading.current_thread().name, m["station"], m["sequence"]))
        return check(conn, keys, path, parsed, chain)

    monkeypatch.setattr(intake, "check", seen)
    assert [o.status for o in run(engine, s, tmp_path / "out")] == ["ok"] * 8
    ahead = [(st, n) for who, st, n in calls if who == "check-ahead"]
    again = [(st, n) for who, st, n in calls if who != "check-ahead"]
    assert len(ahead) == 7 and ("410105-01", 3) not in ahead  # a resync: never ahead
    assert ("410105-01", 3) in again and set(again) <= {("410105-01", 3), ("410105-02", 3)}


def test_a_batch_refused_after_its_check_ahead_does_not_carry_the_next(
    databases: Databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batch 3 was checked ahead as if batch 2 were stored; batch 2 is then refused while
    being stored: batch 3 is checked again and waits for it."""
    county = CountyKeys.generate(COUNTY, "县区")
    st = Station(1)
    files = [
        write_batch(tmp_path / "in", county, st, [Rec(f"27410105010000{n}",
                                                      f"41010520120101{n:03d}1", "甲",
                                                      picture=str(n))])
        for n in (1, 2, 3)
    ]  # fmt: skip
    s = Scenario(county, [st.public], files, "")
    engine = registered(databases.new(), s)
    store = ingest._store

    def refuse_second(conn: Any, c: intake.Checked, chain: Any) -> Any:
        if c.sequence == 2:
            raise BatchRefused(HASH_MISMATCH, "refused while being stored")
        return store(conn, c, chain)

    with monkeypatch.context() as m:
        m.setattr(ingest, "_store", refuse_second)
        outcomes = run(engine, s, tmp_path / "out")
    assert [(o.status, o.code) for o in outcomes] == [
        ("ok", ""),
        ("refused", HASH_MISMATCH),
        ("waiting", SEQUENCE_GAP),
    ]
    assert row_counts(engine)["versions"] == 1
    again = run(engine, s, tmp_path / "out", files=files[1:2])
    assert [(o.status, o.sequence) for o in again] == [("ok", 2), ("ok", 3)]


def test_the_same_batch_twice_is_already_a_replay_refused_a_gap_waits(
    databases: Databases, tmp_path: Path
) -> None:
    county = CountyKeys.generate(COUNTY, "县区")
    st = Station(1)
    one = write_batch(tmp_path / "in", county, st, [Rec("274101050100001", "410105201201010011",
                                                        "甲", picture="1")])  # fmt: skip
    two = write_batch(tmp_path / "in", county, st, [Rec("274101050100002", "410105201201010021",
                                                        "乙", picture="2")])  # fmt: skip
    three = write_batch(tmp_path / "in", county, st, [Rec("274101050100003",
                                                          "410105201201010031", "丙")])  # fmt: skip
    other_one = write_batch(tmp_path / "in", county, st, [Rec("274101050100004",
                                                              "410105201201010041", "丁")],
                            sequence=1)  # fmt: skip
    s = Scenario(county, [st.public], [one, two, three], "")
    engine = registered(databases.new(), s)

    (first,) = run(engine, s, tmp_path / "out", files=[one])
    assert first.status == "ok"
    rows = row_counts(engine)
    (again,) = run(engine, s, tmp_path / "out", files=[one])
    assert (again.status, again.code) == ("already", REPLAYED)
    assert again.receipt is not None and again.receipt.exists()  # issued again
    (replay,) = run(engine, s, tmp_path / "out", files=[other_one])
    assert (replay.status, replay.code) == ("refused", REPLAYED)
    assert row_counts(engine) == rows

    (early,) = run(engine, s, tmp_path / "out", files=[three])
    assert (early.status, early.code) == ("waiting", SEQUENCE_GAP)
    assert row_counts(engine) == rows
    filled = run(engine, s, tmp_path / "out", files=[two])
    assert [(o.status, o.sequence) for o in filled] == [("ok", 2), ("ok", 3)]
    assert row_counts(engine)["versions"] == 3
    with engine.connect() as conn:
        assert intake.chain_state(conn, st.code).next_sequence == 4


def test_county_ingest_jobs_on_the_command_line(pg: Databases, tmp_path: Path) -> None:
    home = tmp_path / "county"
    make_county(home)
    county = read_private_key(home / "county-key.json", PASSPHRASE)
    stations = [Station(n) for n in (1, 2, 3)]
    files = [
        write_batch(tmp_path / "in", county, st, [Rec(f"27410105{st.number:02d}{i:05d}",
                                                      f"4101052012010{st.number}{i:03d}1",
                                                      "林", picture=f"{st.number}-{i}")
                                                  for i in range(3 * half + 1, 3 * half + 4)])
        for st in stations for half in range(2)
    ]  # fmt: skip
    engine = pg.new()
    for st in stations:
        register_station(engine, st.public, COUNTY)
    url = engine.url.render_as_string(hide_password=False)

    def county_cli(*args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("STATION_", "COUNTY_"))}
        return subprocess.run(
            [sys.executable, "-m", "sync.county_cli", *args],
            capture_output=True,
            text=True,
            env=env | {"COUNTY_HOME": str(home), "COUNTY_PASSPHRASE": PASSPHRASE},
            timeout=120,
        )

    refused = county_cli("ingest", "--jobs", "2", *map(str, files))  # the default: SQLite
    assert refused.returncode == 2 and "PostgreSQL" in refused.stderr
    done = county_cli("ingest", "--db", url, "--jobs", "3", *map(str, files))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(": ok") == 6
    assert len(list((home / "receipts").glob("*.receipt.json"))) == 6
    assert row_counts(engine)["versions"] == 18


def test_a_set_of_numbers_as_one_array_finds_exactly_them(databases: Databases) -> None:
    """``db.among`` (IN on SQLite, ``= ANY`` of one array literal on PostgreSQL) finds exactly
    the values given, whatever characters they hold."""
    engine = databases.new()
    odd = ['a"b', "c\\d", "e,f", "{g}", " h ", "NULL", "", "中文", "'i'", 'j\\"k']
    t = db.review_log
    with engine.begin() as conn:
        for n, value in enumerate([*odd, "other", "NULL2"]):
            conn.execute(
                t.insert().values(at=ingest._now(), login="x", station="s", registration_no=value,
                                  version=n, decision="d", reason="", previous="p")
            )  # fmt: skip
        for wanted in (odd, odd[:1], [], ["absent"]):
            got = conn.scalars(
                select(t.c.registration_no).where(db.among(conn, t.c.registration_no, wanted))
            ).all()
            assert sorted(got) == sorted(v for v in wanted if v != "absent")
