"""A station's new signing key, handed over by the old one: the county switches with the
batch that carries it, and from then on refuses the old key, a hand-over from the old key,
and a hand-over nobody registered signed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from station import seeding, signing
from station.errors import UsageError
from station.models import Station
from sync import batch_format as bf
from sync.county import db, ingest, registry
from sync.errors import BAD_SIGNATURE, MALFORMED
from sync.keys import fingerprint, read_private_key

from .sync_fixtures import COUNTY, PASSPHRASE, install, login, make_county, make_station


class County:
    def __init__(self, root: Path) -> None:
        _keys, self.public = make_county(root)
        self.keys = read_private_key(root / "county-key.json", PASSPHRASE)
        self.engine = db.connect(db.default_url(root))
        self.pending, self.receipts = root / "pending", root / "receipts"

    def ingest(self, *paths: Path) -> list[ingest.Outcome]:
        return ingest.ingest_files(
            self.engine,
            self.keys,
            list(paths),
            pending_dir=self.pending,
            receipts_dir=self.receipts,
        )

    def fingerprint(self, station: str) -> str:
        with self.engine.connect() as conn:
            return conn.scalar(
                select(db.stations.c.fingerprint).where(db.stations.c.code == station)
            )


def _export(directory: Path, out: Path, count: int, seed: int) -> list[Path]:
    with login(directory) as ctx:
        seeding.seed(ctx, count, "signed", rng_seed=seed)
        from sync import station_side

        return station_side.export_batches(ctx, out)


def _signing_key(directory: Path) -> Ed25519PrivateKey:
    with login(directory) as ctx, ctx.store.read() as s:
        station = s.get(Station, 1)
        assert station is not None
        return Ed25519PrivateKey.from_private_bytes(station.signing_key)


def _resigned(data: bytes, key: Ed25519PrivateKey, **manifest_changes: object) -> bytes:
    """The batch's sealed payload under a manifest changed as given, signed by ``key``
    (the payload is bound to the manifest, so only the signature check is reached when the
    manifest stays the same; otherwise decryption fails after the signature)."""
    parsed = bf.parse(data)
    manifest = {**parsed.manifest, **manifest_changes}
    manifest["signer"] = bf.sha256_hex(key.public_key().public_bytes_raw())
    if manifest.get("key_handover") is None:
        manifest.pop("key_handover", None)
    manifest_bytes = bf.canonical_json(manifest).encode("utf-8")
    signature = key.sign(bf.signed_message(manifest_bytes, parsed.sealed))
    import struct

    return b"".join(
        [
            bf.MAGIC,
            struct.pack(">I", len(manifest_bytes)),
            manifest_bytes,
            struct.pack(">Q", len(parsed.sealed)),
            parsed.sealed,
            signature,
        ]
    )


def _handover(
    station: str, old_public: bytes, new: Ed25519PrivateKey, signed_by: Ed25519PrivateKey
) -> tuple[Ed25519PrivateKey, dict[str, str]]:
    """A manifest's ``key_handover`` from ``old_public`` to ``new``, signed by ``signed_by``."""
    new_public = new.public_key().public_bytes_raw()
    message = signing.handover_message(station, COUNTY, old_public, new_public)
    return new, {
        "old_key": old_public.hex(),
        "new_key": new_public.hex(),
        "signature": signed_by.sign(message).hex(),
    }


def _registered(tmp_path: Path, number: int) -> tuple[County, Path, Path]:
    """A county, one station registered there with the county key installed, a USB folder."""
    from sync import station_side

    county = County(tmp_path / "county")
    station = make_station(tmp_path, number)
    install(station, county.public)
    with login(station) as ctx:
        registry.register_station(county.engine, station_side.station_public_key(ctx), COUNTY)
    usb = tmp_path / "usb"
    usb.mkdir()
    return county, station, usb


def test_a_handed_over_key_is_the_only_one_the_county_takes(tmp_path: Path) -> None:
    from sync import station_side

    county, station, usb = _registered(tmp_path, 9)
    with login(station) as ctx:
        code = station_side.station_public_key(ctx).station
    (first,) = _export(station, usb, 2, 1)
    assert [o.status for o in county.ingest(first)] == ["ok"]
    old_key = _signing_key(station)
    registered = county.fingerprint(code)

    with login(station) as ctx:
        handover = signing.rotate_signing_key(ctx, reason="operator left")
        with pytest.raises(UsageError, match="hand-over"):  # one at a time
            signing.rotate_signing_key(ctx, reason="again")
    new_key = _signing_key(station)
    assert handover.new_public == new_key.public_key().public_bytes_raw()

    (second,) = _export(station, usb, 2, 2)
    manifest = bf.parse(second.read_bytes()).manifest
    assert manifest["key_handover"]["old_key"] == handover.old_public.hex()
    (outcome,) = county.ingest(second)
    assert outcome.status == "ok", outcome.detail
    assert county.fingerprint(code) == fingerprint(handover.new_public) != registered

    # The old key, after the hand-over: its batch, and its hand-over to a key of its own.
    rogue, forged_handover = _handover(
        code, handover.old_public, Ed25519PrivateKey.generate(), signed_by=old_key
    )
    data = second.read_bytes()
    for forged, key in (
        (_resigned(data, old_key, sequence=3, key_handover=None), old_key),
        (_resigned(data, rogue, sequence=3, key_handover=forged_handover), rogue),
    ):
        path = tmp_path / "forged.zkb"
        path.write_bytes(forged)
        (refused,) = county.ingest(path)
        assert (refused.status, refused.code) == ("refused", BAD_SIGNATURE), key

    # The receipt ends the hand-over: the next batch no longer carries it.
    with login(station) as ctx:
        station_side.ack_receipt(ctx, outcome.receipt)
        with ctx.store.read() as s:
            assert signing.pending_handover(s) is None
    (third,) = _export(station, usb, 1, 3)
    assert "key_handover" not in bf.parse(third.read_bytes()).manifest
    assert [o.status for o in county.ingest(third)] == ["ok"]


def test_a_handover_the_registered_key_did_not_sign_is_refused(tmp_path: Path) -> None:
    from sync import station_side

    county, station, usb = _registered(tmp_path, 8)
    with login(station) as ctx:
        key = station_side.station_public_key(ctx)
    (first,) = _export(station, usb, 1, 1)
    # Someone without the station's key makes a key and vouches for it with itself.
    rogue = Ed25519PrivateKey.generate()
    rogue, handover = _handover(key.station, key.ed25519, rogue, signed_by=rogue)
    path = tmp_path / "forged.zkb"
    path.write_bytes(_resigned(first.read_bytes(), rogue, key_handover=handover))
    (refused,) = county.ingest(path)
    assert (refused.status, refused.code) == ("refused", BAD_SIGNATURE)
    assert "not signed by the station's registered key" in refused.detail
    # A hand-over whose new key is not the batch's signer is not even well formed.
    bad = json.loads(json.dumps(handover))
    path.write_bytes(_resigned(first.read_bytes(), Ed25519PrivateKey.generate(), key_handover=bad))
    (malformed,) = county.ingest(path)
    assert (malformed.status, malformed.code) == ("refused", MALFORMED)
    # The genuine batch still goes in, under the registered key.
    assert [o.status for o in county.ingest(first)] == ["ok"]


def test_a_batch_signed_before_the_handover_can_still_be_resent(tmp_path: Path) -> None:
    from sync import station_side

    county, station, usb = _registered(tmp_path, 7)
    (first,) = _export(station, usb, 1, 1)
    first.unlink()  # lost on the way
    with login(station) as ctx:
        signing.rotate_signing_key(ctx, reason="test")
    (second,) = _export(station, usb, 1, 2)
    assert [o.status for o in county.ingest(second)] == ["waiting"]  # #1 is missing
    with login(station) as ctx:
        resent = station_side.write_batch(ctx, 1, usb)
    outcomes = county.ingest(resent)
    assert [o.status for o in outcomes] == ["ok", "ok"]  # #1 under the old key, then #2
    with login(station) as ctx:
        assert county.fingerprint(station_side.station_public_key(ctx).station) == (
            station_side.station_public_key(ctx).fingerprint
        )


def test_a_station_restored_from_before_its_handover_is_taken_again_after_a_phone_check(
    tmp_path: Path,
) -> None:
    from station import backup
    from sync import station_side

    county, station, usb = _registered(tmp_path, 6)
    with login(station) as ctx:
        old = backup.make_backup(ctx, tmp_path / "old.zkbackup", reason="manual")
        signing.rotate_signing_key(ctx, reason="operator left")
    (first,) = _export(station, usb, 1, 1)
    assert [o.status for o in county.ingest(first)] == ["ok"]  # the county holds the new key
    spare = tmp_path / "spare"
    from .factories import ADMIN

    backup.restore(old.path, spare, *ADMIN)
    with login(spare) as ctx:
        key = station_side.station_public_key(ctx)  # the key from before the hand-over
    with pytest.raises(UsageError, match="--replace"):
        registry.register_station(county.engine, key, COUNTY)
    assert registry.register_station(county.engine, key, COUNTY, replace=True)
    assert county.fingerprint(key.station) == key.fingerprint
