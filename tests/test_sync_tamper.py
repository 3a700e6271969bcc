"""Every kind of bad batch is refused with its reason code, and the county store is unchanged."""

from __future__ import annotations

import shutil
import struct
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Engine, select

from station import seeding
from station.models import Station
from sync import batch_format as bf
from sync import station_side
from sync.county import db, ingest, registry
from sync.keys import CountyKeys, read_private_key

from .sync_fixtures import COUNTY, PASSPHRASE, install, login, make_county, make_station


@dataclass
class World:
    root: Path
    engine: Engine
    keys: CountyKeys
    files: list[Path]  # station 3's batches 1..3; batch 1 is ingested
    signing: Ed25519PrivateKey  # station 3's real key, to forge "honest-looking" batches
    rogue: Path  # a batch from a station the county never registered

    def snapshot(self) -> list[object]:
        with self.engine.connect() as conn:
            return [
                sorted(map(tuple, conn.execute(select(t)).all()), key=repr)
                for t in db.metadata.sorted_tables
            ]

    def verify(self, path: Path) -> str:
        (outcome,) = ingest.verify_files(self.engine, self.keys, [path])
        return outcome.code or outcome.status

    def ingest(self, path: Path) -> ingest.Outcome:
        (outcome, *_rest) = ingest.ingest_files(
            self.engine,
            self.keys,
            [path],
            pending_dir=self.root / "pending",
            receipts_dir=self.root / "receipts",
        )
        return outcome


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("tamper")
    _keys, public = make_county(root / "county")
    keys = read_private_key(root / "county" / "county-key.json", PASSPHRASE)
    engine = db.connect(db.default_url(root / "county"))
    station, rogue_station = make_station(root, 3), make_station(root, 5)
    out = root / "out"
    out.mkdir()
    for directory in (station, rogue_station):
        install(directory, public)
        with login(directory) as ctx:
            seeding.seed(ctx, 9, "signed", rng_seed=3)
    with login(station) as ctx:
        registry.register_station(engine, station_side.station_public_key(ctx), COUNTY)
        files = station_side.export_batches(ctx, out, max_records=3)
        with ctx.store.read() as s:
            signing = Ed25519PrivateKey.from_private_bytes(s.get(Station, 1).signing_key)
    rogue_dir = root / "rogue"
    rogue_dir.mkdir()
    with login(rogue_station) as ctx:
        (rogue, *_more) = station_side.export_batches(ctx, rogue_dir, max_records=3)
    world = World(root / "county", engine, keys, files, signing, rogue)
    assert world.ingest(files[0]).status == "ok"
    return world


def forge(
    world: World,
    *,
    sequence: int = 2,
    previous_hash: str | None = None,
    county: str = COUNTY,
    signing: Ed25519PrivateKey | None = None,
    recipient: bytes | None = None,
    encrypt_to: bytes | None = None,
    break_entry: bool = False,
) -> bytes:
    """A batch made from the real batch 2's plaintext, with one thing changed."""
    real = bf.parse(world.files[1].read_bytes())
    payload = bf.open_payload(real, world.keys.x25519)
    entries = [bf.Entry(k, v) for k, v in payload.items()]
    signing = signing or world.signing
    manifest = bf.build_manifest(
        station=real.manifest["station"],
        station_key=signing.public_key().public_bytes_raw(),
        county=county,
        recipient=recipient or world.keys.public.raw,
        sequence=sequence,
        previous_hash=previous_hash or real.manifest["previous_hash"],
        created_at=real.manifest["created_at"],
        record_count=real.manifest["record_count"],
        audit=real.manifest["audit"],
        entries=[*entries[:-1], bf.Entry(entries[-1].name, b"x")] if break_entry else entries,
    )
    return bf.seal_batch(
        manifest,
        entries,
        signing_key=signing,
        recipient_x25519=encrypt_to or world.keys.public.x25519,
    )


def assert_refused(world: World, data: bytes, codes: set[str], name: str = "t.zkb") -> str:
    path = world.root / name
    path.write_bytes(data)
    before = world.snapshot()
    code = world.verify(path)
    assert code in codes, code
    outcome = world.ingest(path)
    assert outcome.status in ("refused", "already") and outcome.code == code
    assert world.snapshot() == before
    return code


def test_flipped_bytes_anywhere_are_refused(world: World) -> None:
    data = world.files[1].read_bytes()
    (m_len,) = struct.unpack_from(">I", data, 8)
    sealed_start = 20 + m_len
    positions = sorted(
        {0, 5, 8, 11, 12 + m_len - 1, 12 + m_len, 19 + m_len, len(data) - 1, len(data) - 64}
        | set(range(12, 12 + m_len, max(m_len // 25, 1)))
        | set(range(sealed_start, len(data) - 64, max((len(data) - sealed_start) // 25, 1)))
    )
    seen = set()
    for pos in positions:
        tampered = bytearray(data)
        tampered[pos] ^= 0x01
        code = assert_refused(
            world, bytes(tampered), {"malformed", "bad_signature", "unknown_station"}
        )
        seen.add(code)
        if pos >= sealed_start:
            assert code in ("bad_signature", "malformed"), pos
    assert {"malformed", "bad_signature"} <= seen
    assert len(positions) > 50


@pytest.mark.parametrize("length", [0, 8, 12, 300, -65, -64, -1])
def test_truncated(world: World, length: int) -> None:
    data = world.files[1].read_bytes()
    assert_refused(world, data[:length], {"malformed"})


def test_manifests_swapped_between_batches(world: World) -> None:
    two, three = (bf.parse(p.read_bytes()) for p in world.files[1:3])
    swapped = b"".join(
        [
            bf.MAGIC,
            struct.pack(">I", len(three.manifest_bytes)),
            three.manifest_bytes,
            struct.pack(">Q", len(two.sealed)),
            two.sealed,
            two.signature,
        ]
    )
    assert_refused(world, swapped, {"bad_signature"})


def test_replayed_old_batch(world: World) -> None:
    assert_refused(world, world.files[0].read_bytes(), {"replayed"})
    # An old sequence number under a new file is a replay too.
    assert_refused(world, forge(world, sequence=1), {"replayed"})


def test_unregistered_key_and_unknown_station(world: World) -> None:
    assert_refused(world, forge(world, signing=Ed25519PrivateKey.generate()), {"bad_signature"})
    assert_refused(world, world.rogue.read_bytes(), {"unknown_station"})


def test_honestly_signed_but_broken_batches(world: World) -> None:
    other = X25519PrivateKey.generate().public_key().public_bytes_raw()
    assert_refused(world, forge(world, encrypt_to=other), {"decrypt_failed"})
    assert_refused(world, forge(world, break_entry=True), {"hash_mismatch"})
    assert_refused(world, forge(world, previous_hash="ab" * 32), {"hash_mismatch"})
    assert_refused(world, forge(world, county="410106"), {"wrong_county"})
    assert_refused(world, forge(world, recipient=b"\x01" * 64), {"wrong_county"})


def test_a_gap_waits_until_it_is_filled(world: World) -> None:
    third = world.files[2]
    before = world.snapshot()
    assert world.verify(third) == "sequence_gap"
    waiting = world.ingest(third)
    assert (waiting.status, waiting.code) == ("waiting", "sequence_gap")
    assert world.snapshot() == before
    copy = world.root / "batch2.zkb"
    shutil.copyfile(world.files[1], copy)
    results = ingest.ingest_files(
        world.engine,
        world.keys,
        [copy],
        pending_dir=world.root / "pending",
        receipts_dir=world.root / "receipts",
    )
    assert [(o.sequence, o.status) for o in results] == [(2, "ok"), (3, "ok")]
    assert not list((world.root / "pending").iterdir())
