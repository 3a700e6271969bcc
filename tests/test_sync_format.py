"""The batch file format: HPKE interoperability, round trips, and the committed test vectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hpke as lib_hpke
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from sync import batch_format as bf
from sync import hpke
from sync.errors import BatchRefused
from sync.keys import verify_document

from .vectors import make_vectors

VECTORS = Path(__file__).parent / "vectors"
SUITE = lib_hpke.Suite(lib_hpke.KEM.X25519, lib_hpke.KDF.HKDF_SHA256, lib_hpke.AEAD.AES_256_GCM)


def test_our_hpke_and_the_librarys_open_each_others_output() -> None:
    key = X25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    ours = hpke.seal(public, b"payload", info=b"info")
    assert SUITE.decrypt(ours, key, info=b"info") == b"payload"
    theirs = SUITE.encrypt(b"payload 2", key.public_key(), info=b"info")
    assert hpke.open_(key, theirs, info=b"info") == b"payload 2"
    with pytest.raises(Exception):  # noqa: B017 - InvalidTag: the info is bound in
        hpke.open_(key, ours, info=b"other")


def test_vectors_are_reproducible_byte_for_byte() -> None:
    for name, data in make_vectors.build().items():
        assert (VECTORS / name).read_bytes() == data, f"{name} drifted: rerun make_vectors.py"


def test_vector_files_verify_and_decrypt_with_the_published_keys() -> None:
    keys = json.loads((VECTORS / "keys.json").read_text())
    expected = json.loads((VECTORS / "expected.json").read_text())["batches"]
    county = X25519PrivateKey.from_private_bytes(bytes.fromhex(keys["county_x25519_private_hex"]))
    previous = bf.GENESIS
    for exp in expected:
        data = (VECTORS / exp["file"]).read_bytes()
        parsed = bf.parse(data)
        assert parsed.file_hash == exp["file_sha256"]
        assert parsed.manifest_bytes.decode() == exp["manifest"]
        assert parsed.manifest["previous_hash"] == previous
        bf.verify_signature(parsed, bytes.fromhex(keys["station_ed25519_public_hex"]))
        payload = bf.open_payload(parsed, county)
        assert set(payload) == {e["name"] for e in parsed.manifest["entries"]}
        # An independent HPKE implementation opens it too: the format is plain RFC 9180.
        plain = SUITE.decrypt(parsed.sealed, county, info=bytes.fromhex(exp["hpke_info_hex"]))
        assert bf.sha256_hex(plain) == exp["payload_sha256"]
        assert parsed.sealed[:32].hex() == exp["hpke_enc_hex"]
        previous = parsed.file_hash
    receipt = verify_document(
        bytes.fromhex(keys["county_ed25519_public_hex"]),
        (VECTORS / "receipt-000001.json").read_bytes(),
        "zk-receipt",
    )
    assert receipt["batch_hash"] == expected[0]["file_sha256"]


def test_round_trip_with_many_entries_and_rare_characters() -> None:
    station = Ed25519PrivateKey.generate()
    county = X25519PrivateKey.generate()
    entries = [
        bf.Entry(
            "records.jsonl", bf.to_json_lines([{"name": "𠮷田·明", "n": i} for i in range(50)])
        ),
        bf.Entry("passwords.jsonl", b""),
        bf.Entry("audit.jsonl", b""),
        *(bf.Entry(f"photos/{bf.sha256_hex(bytes([i]))}.jpg", bytes([i]) * 1000) for i in range(5)),
    ]
    manifest = bf.build_manifest(
        station="410105-03",
        station_key=station.public_key().public_bytes_raw(),
        county="410105",
        recipient=b"r" * 64,
        sequence=7,
        previous_hash="a" * 64,
        created_at="2027-03-01T08:00:00Z",
        record_count=50,
        audit=None,
        entries=entries,
    )
    data = bf.seal_batch(
        manifest,
        entries,
        signing_key=station,
        recipient_x25519=county.public_key().public_bytes_raw(),
    )
    parsed = bf.parse(data)
    bf.verify_signature(parsed, station.public_key().public_bytes_raw())
    opened = bf.open_payload(parsed, county)
    assert [e.name for e in entries] == list(opened)
    assert bf.json_lines(opened["records.jsonl"])[3] == {"name": "𠮷田·明", "n": 3}
    assert bf.unpack_payload(bf.pack_payload(entries)) == entries


@pytest.mark.parametrize("cut", [0, 7, 12, 100, -65, -1])
def test_truncated_files_are_malformed(cut: int) -> None:
    data = (VECTORS / "410105-03-000001.zkb").read_bytes()
    with pytest.raises(BatchRefused) as info:
        bf.parse(data[:cut])
    assert info.value.code == "malformed"


def test_every_refusal_vector_gets_its_reason_code(tmp_path: Path) -> None:
    """tests/vectors/refuse: what another team's reader must answer, file by file, from a
    county holding nothing (docs/batch-format.md §7, "Refusal vectors")."""
    from sync.county import db, ingest, registry
    from sync.keys import CountyKeys, StationPublicKey

    keys = json.loads((VECTORS / "keys.json").read_text())
    cases = json.loads((VECTORS / "refuse" / "expected.json").read_text())["cases"]
    county = CountyKeys(
        keys["county"],
        "测试县区",
        X25519PrivateKey.from_private_bytes(bytes.fromhex(keys["county_x25519_private_hex"])),
        Ed25519PrivateKey.from_private_bytes(bytes.fromhex(keys["county_ed25519_private_hex"])),
    )
    codes = set()
    for i, case in enumerate(cases):
        home = tmp_path / str(i)
        home.mkdir()
        engine = db.connect(db.default_url(home))
        for prefix in ("station", "station2"):
            public = StationPublicKey(
                keys[prefix],
                keys["county"],
                "测试",
                bytes.fromhex(keys[f"{prefix}_ed25519_public_hex"]),
            )
            registry.register_station(engine, public, keys["county"])

        def run(name: str, engine: object = engine, home: Path = home) -> ingest.Outcome:
            (outcome,) = ingest.ingest_files(
                engine,  # type: ignore[arg-type]
                county,
                [VECTORS / name],
                pending_dir=home / "pending",
                receipts_dir=home / "receipts",
            )
            return outcome

        for before in case.get("after", []):
            assert run(before).status == "ok", (case["file"], before)
        outcome = run(case["file"])
        assert outcome.code == case["code"], (case, outcome.detail)
        assert outcome.status == ("waiting" if case["code"] == "sequence_gap" else "refused")
        codes.add(case["code"])
        engine.dispose()
    from sync import errors

    assert codes == set(errors.REASONS), "every reason code has a vector"
