"""Keys and trust: passphrase, fingerprints, who may install the county key, forged documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from station import seeding
from station.errors import PermissionDenied
from sync import station_side
from sync.errors import BatchRefused, KeyFileError
from sync.keys import (
    CountyKeys,
    fingerprint,
    private_key_json,
    read_county_public,
    read_private_key,
    sign_document,
)

from .factories import OPERATOR
from .sync_fixtures import FAST, PASSPHRASE, install, login, make_county, make_station


def test_private_key_needs_its_passphrase(tmp_path: Path) -> None:
    keys, _ = make_county(tmp_path)
    again = read_private_key(tmp_path / "county-key.json", PASSPHRASE)
    assert again.public == keys.public
    with pytest.raises(KeyFileError, match="passphrase"):
        read_private_key(tmp_path / "county-key.json", "not the passphrase")
    with pytest.raises(KeyFileError):
        private_key_json(keys, "short", FAST)
    # The public half is bound to the sealed private half: it cannot be swapped in the file.
    data = json.loads((tmp_path / "county-key.json").read_text())
    data["county"] = "410106"
    (tmp_path / "county-key.json").write_text(json.dumps(data))
    with pytest.raises(KeyFileError):
        read_private_key(tmp_path / "county-key.json", PASSPHRASE)


def test_fingerprint_is_24_digits_and_checked_on_read(tmp_path: Path) -> None:
    _, public = make_county(tmp_path)
    fp = read_county_public(public).fingerprint
    assert len(fp.replace(" ", "")) == 24 and fp.replace(" ", "").isdigit()
    assert fingerprint(b"a") != fingerprint(b"b")
    data = json.loads(public.read_text())
    data["fingerprint"] = "0000 0000 0000 0000 0000 0000"
    public.write_text(json.dumps(data))
    with pytest.raises(KeyFileError, match="fingerprint"):
        read_county_public(public)


def test_only_an_admin_installs_the_county_key_of_its_own_county(tmp_path: Path) -> None:
    home = make_station(tmp_path, 3)
    _, public = make_county(tmp_path / "county")
    with login(home) as ctx:
        other = CountyKeys.generate("410106", "惠济区")
        path = tmp_path / "other.json"
        path.write_text(other.public.to_json())
        with pytest.raises(BatchRefused) as info:
            station_side.install_county_key(ctx, path)
        assert info.value.code == "wrong_county"
    from station import auth
    from station.roles import Role

    with login(home) as ctx:
        auth.add_operator(ctx, OPERATOR[0], "采集员", Role.OPERATOR, OPERATOR[1])
    with login(home, OPERATOR) as ctx, pytest.raises(PermissionDenied):
        station_side.install_county_key(ctx, public)


def test_forged_or_misaddressed_receipts_change_nothing(tmp_path: Path) -> None:
    home = make_station(tmp_path, 3)
    keys, public = make_county(tmp_path / "county")
    install(home, public)
    out = tmp_path / "out"
    out.mkdir()
    with login(home) as ctx:
        seeding.seed(ctx, 2, "signed", rng_seed=1)
        (batch,) = station_side.export_batches(ctx, out)
        (row,) = station_side.list_batches(ctx)
    document = {
        "type": "zk-receipt",
        "version": 1,
        "county": "410105",
        "station": "410105-03",
        "sequence": 1,
        "batch_hash": row["hash"],
        "received_at": "2027-03-01T10:00:00Z",
        "records": [],
    }
    cases = [
        (Ed25519PrivateKey.generate(), document, "bad_signature"),
        (keys.ed25519, {**document, "station": "410105-04"}, "wrong_county"),
        (keys.ed25519, {**document, "batch_hash": "0" * 64}, "hash_mismatch"),
        (keys.ed25519, {**document, "type": "zk-review"}, "malformed"),
    ]
    receipt = tmp_path / "r.json"
    for key, doc, code in cases:
        receipt.write_bytes(sign_document(key, doc))
        with login(home) as ctx:
            with pytest.raises(BatchRefused) as info:
                station_side.ack_receipt(ctx, receipt)
            assert info.value.code == code
            assert station_side.list_batches(ctx)[0]["state"] == "exported"
    assert batch.exists()
    # The batch itself taken for its receipt (both lie on the USB drive): said in words.
    with login(home) as ctx, pytest.raises(BatchRefused) as info:
        station_side.ack_receipt(ctx, batch)
    assert info.value.code == "malformed"
    assert "不是县区回执" in info.value.message_zh and "receipt.json" in info.value.message_en


def test_receipts_taken_together_go_on_past_a_bad_file_and_stop_at_a_full_disk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each receipt is its own unit: a refused file is said and the next is tried; a full
    disk ends the list there, and what was taken before it is still said."""
    from station.errors import DiskFullError

    def ack(_ctx: object, path: Path) -> station_side.AckResult:
        if path.name == "not-a-receipt.txt":
            raise BatchRefused("malformed", "not a signed document")
        if path.name == "3.receipt.json":
            raise DiskFullError("磁盘已满", "the disk is full")
        return station_side.AckResult(int(path.name[0]), 2, False)

    monkeypatch.setattr(station_side, "ack_receipt", ack)
    names = ["1.receipt.json", "not-a-receipt.txt", "2.receipt.json", "3.receipt.json", "4.x"]
    taken = station_side.ack_receipt_files(None, [Path(n) for n in names])  # type: ignore[arg-type]
    assert [(t.path.name, t.result is not None, t.stopped) for t in taken] == [
        ("1.receipt.json", True, False),
        ("not-a-receipt.txt", False, False),
        ("2.receipt.json", True, False),
        ("3.receipt.json", False, True),  # and 4.x is not tried
    ]


def test_receipts_lying_on_a_drive_are_found_by_the_county_s_names(tmp_path: Path) -> None:
    batches = [
        {"sequence": 1, "file_name": "410105-03-000001.zkb", "state": "acknowledged"},
        {"sequence": 2, "file_name": "410105-03-000002.zkb", "state": "exported"},
        {"sequence": 3, "file_name": "410105-03-000003.zkb", "state": "exported"},
        {"sequence": 4, "file_name": "410105-03-000004.zkb", "state": "exported"},
    ]
    drive = tmp_path / "usb"
    (drive / "receipts" / "old").mkdir(parents=True)
    for place, sequence in [("", 1), ("", 2), ("receipts", 3), ("receipts/old", 4)]:
        (drive / place / f"410105-03-{sequence:06d}.receipt.json").write_text("{}")
    (drive / "410105-04-000002.receipt.json").write_text("{}")  # another station's
    found = station_side.receipts_lying_in(batches, [tmp_path / "pulled-out", drive])
    # #1 is acknowledged already; #4 lies two folders down, past where it is looked for.
    assert found == [
        drive / "410105-03-000002.receipt.json",
        drive / "receipts" / "410105-03-000003.receipt.json",
    ]
