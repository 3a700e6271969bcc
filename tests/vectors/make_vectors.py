"""Regenerate the batch-format test vectors (docs/batch-format.md, "Test vectors").

Every key and the HPKE ephemeral key are fixed, so the output is byte-for-byte the same on
every run: ``python tests/vectors/make_vectors.py [OUT_DIR]`` (default: this folder).
Ed25519 signatures are deterministic (RFC 8032), so only the ephemeral key needed fixing.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey  # noqa: E402

from station.audit import GENESIS, canonical_json, event_hash  # noqa: E402
from sync import batch_format as bf  # noqa: E402
from sync import hpke  # noqa: E402
from sync.keys import CountyKeys, fingerprint, sign_document  # noqa: E402

STATION_SEED = bytes(range(32))  # 00 01 02 … 1f
COUNTY_X25519 = bytes([0x42] * 32)
COUNTY_ED25519 = bytes([0x24] * 32)
EPHEMERAL = [bytes([0x11] * 32), bytes([0x12] * 32)]  # one per batch: never reuse one
STATION = "410105-03"
COUNTY = "410105"
PHOTO = b"\xff\xd8\xff\xe0 not a real JPEG: a test-vector photo \xff\xd9"
CREATED = ["2027-03-01T08:00:00Z", "2027-03-02T08:00:00Z"]


def _record(regno: str, version: int, name: str, id_number: str) -> dict[str, Any]:
    photo_sha = hashlib.sha256(PHOTO).hexdigest()
    canonical = canonical_json(
        {
            "format": 1,
            "registration_no": regno,
            "version": version,
            "photo_sha256": photo_sha,
            "record": {
                "name": name,
                "document_type": "resident_id",
                "id_number": id_number,
                "gender": "1",
                "birth_date": "2012-03-15",
                "ethnicity": "01",
                "political_status": "03",
                "household_division": "410105",
                "category": "fresh",
                "school_code": "410105001",
                "school_name": "郑州市第一初级中学",
                "student_number": "G" + id_number,
                "home_address": "河南省郑州市金水区花园路 1 号（测试向量，非真实地址）",
                "phone": "13800138000",
                "guardian_name": "张大山",
                "guardian_relation": "父亲",
                "guardian_phone": "13900139000",
                "allocation_applied": False,
                "allocation_basis": "",
            },
        }
    )
    return {
        "registration_no": regno,
        "version": version,
        "digest": hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        "canonical": canonical,
        "frozen_at": "2027-02-28T09:00:00",
        "frozen_by": "caiji",
        "photo": f"photos/{photo_sha}.jpg",
        "current": True,
    }


def _events(first_seq: int, prev: str, actions: list[str]) -> list[dict[str, Any]]:
    rows = []
    for i, action in enumerate(actions):
        seq = first_seq + i
        at = f"2027-02-28T09:{i:02d}:00.000000+00:00"
        detail = canonical_json({"n": seq})
        digest = event_hash(seq, at, "caiji", action, 1, 1, "", detail, prev)
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": "caiji",
                "action": action,
                "candidate_id": 1,
                "version": 1,
                "reason": "",
                "detail": detail,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    return rows


def _batch(
    sequence: int, previous_hash: str, lines: list[dict], audit_rows: list[dict]
) -> tuple[bytes, dict[str, Any]]:
    station = Ed25519PrivateKey.from_private_bytes(STATION_SEED)
    county = CountyKeys(
        COUNTY,
        "测试县区",
        X25519PrivateKey.from_private_bytes(COUNTY_X25519),
        Ed25519PrivateKey.from_private_bytes(COUNTY_ED25519),
    )
    entries = [
        bf.Entry("records.jsonl", bf.to_json_lines(lines)),
        bf.Entry(
            "passwords.jsonl",
            bf.to_json_lines(
                [
                    {
                        "registration_no": ln["registration_no"],
                        "password_hash": "$argon2id$v=19$m=65536,t=3,p=1$dGVzdHZlY3Rvcg$AAAA",
                    }
                    for ln in lines
                ]
            ),
        ),
        bf.Entry("audit.jsonl", bf.to_json_lines(audit_rows)),
        bf.Entry(f"photos/{hashlib.sha256(PHOTO).hexdigest()}.jpg", PHOTO),
    ]
    audit = {
        "first_seq": audit_rows[0]["seq"],
        "last_seq": audit_rows[-1]["seq"],
        "prev_hash": audit_rows[0]["prev_hash"],
        "head_hash": audit_rows[-1]["hash"],
    }
    station_pub = station.public_key().public_bytes_raw()
    manifest = bf.build_manifest(
        station=STATION,
        station_key=station_pub,
        county=COUNTY,
        recipient=county.public.raw,
        sequence=sequence,
        previous_hash=previous_hash,
        created_at=CREATED[sequence - 1],
        record_count=len(lines),
        audit=audit,
        entries=entries,
    )
    eph = X25519PrivateKey.from_private_bytes(EPHEMERAL[sequence - 1])
    data = bf.seal_batch(
        manifest, entries, signing_key=station, recipient_x25519=county.public.x25519, ephemeral=eph
    )
    info = bf.hpke_info(manifest)
    enc = eph.public_key().public_bytes_raw()
    shared = hpke._shared_secret(
        eph.exchange(county.x25519.public_key()), enc, county.public.x25519
    )
    key, nonce = hpke._key_schedule(shared, info)
    payload = bf.pack_payload(entries)
    parsed = bf.parse(data)
    return data, {
        "file": f"{STATION}-{sequence:06d}.zkb",
        "file_sha256": bf.sha256_hex(data),
        "manifest": manifest.decode("utf-8"),
        "manifest_sha256": bf.sha256_hex(manifest),
        "payload_sha256": bf.sha256_hex(payload),
        "payload_length": len(payload),
        "hpke_info_hex": info.hex(),
        "hpke_enc_hex": enc.hex(),
        "hpke_shared_secret_hex": shared.hex(),
        "hpke_key_hex": key.hex(),
        "hpke_base_nonce_hex": nonce.hex(),
        "sealed_sha256": bf.sha256_hex(parsed.sealed),
        "signed_message_sha256": bf.sha256_hex(bf.signed_message(manifest, parsed.sealed)),
        "signature_hex": parsed.signature.hex(),
    }


# --- refusal vectors (refuse/): one per reason code, docs/batch-format.md §7 ----------------

STATION2 = "410105-04"
STATION2_SEED = bytes(range(32, 64))
OTHER_X25519 = bytes([0x77] * 32)  # a county key that is not this county's


def _raw_batch(
    manifest_bytes: bytes,
    payload: bytes,
    *,
    signer: bytes = STATION_SEED,
    recipient: bytes = COUNTY_X25519,
    ephemeral: int,
) -> bytes:
    """A batch with exactly these manifest bytes and this payload, sealed and signed."""
    import struct

    public = X25519PrivateKey.from_private_bytes(recipient).public_key().public_bytes_raw()
    sealed = hpke.seal(
        public,
        payload,
        info=bf.hpke_info(manifest_bytes),
        ephemeral=X25519PrivateKey.from_private_bytes(bytes([ephemeral] * 32)),
    )
    signature = Ed25519PrivateKey.from_private_bytes(signer).sign(
        bf.signed_message(manifest_bytes, sealed)
    )
    return b"".join(
        [
            bf.MAGIC,
            struct.pack(">I", len(manifest_bytes)),
            manifest_bytes,
            struct.pack(">Q", len(sealed)),
            sealed,
            signature,
        ]
    )


def _variant(
    good: bytes,
    ephemeral: int,
    *,
    payload: bytes | None = None,
    manifest_text: str | None = None,
    **changes: Any,
) -> bytes:
    """Batch ``good`` with its manifest changed (keys set to None are dropped), re-signed by
    the station: what a buggy or hostile writer with the station's key could produce."""
    parsed = bf.parse(good)
    if manifest_text is None:
        manifest = {**parsed.manifest, **changes}
        manifest = {k: v for k, v in manifest.items() if v is not None or k == "audit"}
        manifest_text = canonical_json(manifest)
    plain = payload
    if plain is None:
        county = X25519PrivateKey.from_private_bytes(COUNTY_X25519)
        plain = bf.hpke_suite().decrypt(
            parsed.sealed, county, info=bf.hpke_info(parsed.manifest_bytes)
        )
    return _raw_batch(manifest_text.encode("utf-8"), plain, ephemeral=ephemeral)


def refusals(one: bytes, two: bytes) -> tuple[dict[str, bytes], list[dict[str, Any]]]:
    """The refusal vectors and what a reader must answer for each. A reader starts from a
    county holding nothing, with stations 410105-03 and 410105-04 registered (keys.json),
    ingests the ``after`` files in order, then the vector."""
    files: dict[str, bytes] = {}
    cases: list[dict[str, Any]] = []

    def case(
        name: str, data: bytes | None, code: str, check: str, about: str, **extra: Any
    ) -> None:
        if data is not None:
            files[f"refuse/{name}"] = data
        cases.append(
            {
                "file": f"refuse/{name}" if data is not None else name,
                "code": code,
                "check": check,
                "about": about,
                **extra,
            }
        )

    # Station 04's first batch carries a 报名号 that station 03's batch 1 carries too.
    parsed = bf.parse(one)
    county = X25519PrivateKey.from_private_bytes(COUNTY_X25519)
    payload = bf.hpke_suite().decrypt(
        parsed.sealed, county, info=bf.hpke_info(parsed.manifest_bytes)
    )
    station2 = Ed25519PrivateKey.from_private_bytes(STATION2_SEED).public_key().public_bytes_raw()
    manifest2 = {**parsed.manifest, "station": STATION2, "signer": bf.sha256_hex(station2)}
    files["refuse/410105-04-000001.zkb"] = _raw_batch(
        canonical_json(manifest2).encode("utf-8"), payload, signer=STATION2_SEED, ephemeral=0x30
    )

    case("01-malformed-magic.zkb", b"X" + one[1:], "malformed", "1", "the magic bytes are wrong")
    case(
        "02-malformed-length.zkb",
        one + b"\0",
        "malformed",
        "1",
        "one byte more than the lengths add up to",
    )
    text = parsed.manifest_bytes.decode("utf-8")
    case(
        "03-malformed-duplicate-key.zkb",
        _variant(
            one, 0x31, manifest_text=text.replace('{"audit"', '{"station":"410105-09","audit"', 1)
        ),
        "malformed",
        "1",
        'the manifest has "station" twice',
    )
    case(
        "04-malformed-version-float.zkb",
        _variant(
            one, 0x32, manifest_text=text.replace('"format_version":1,', '"format_version":1.0,')
        ),
        "malformed",
        "1",
        "format_version 1.0 is not the integer 1",
    )
    case(
        "05-malformed-station-code.zkb",
        _variant(one, 0x33, station="410105-3"),
        "malformed",
        "1",
        "a station code that is not six digits, a hyphen and two digits",
    )
    case(
        "06-malformed-created-at.zkb",
        _variant(one, 0x34, created_at="2027-03-01 08:00:00"),
        "malformed",
        "1",
        "created_at not in the form YYYY-MM-DDTHH:MM:SSZ",
    )
    case(
        "07-unknown-station.zkb",
        _variant(one, 0x35, station="410105-09"),
        "unknown_station",
        "2",
        "a station this county has not registered",
    )
    case(
        "08-bad-signature.zkb",
        one[:-1] + bytes([one[-1] ^ 1]),
        "bad_signature",
        "3",
        "the last byte of the signature flipped",
    )
    case(
        "09-wrong-county.zkb",
        _variant(one, 0x36, county="410106"),
        "wrong_county",
        "4",
        "addressed to another county",
    )
    case(
        "10-training.zkb",
        _variant(one, 0x37, training=True),
        "training_mismatch",
        "4a",
        "a training batch at a real county",
    )
    case(
        "11-replayed.zkb",
        _variant(one, 0x38, created_at="2027-03-01T09:00:00Z"),
        "replayed",
        "5",
        "a second batch #1, after the first was taken in",
        after=["410105-03-000001.zkb"],
    )
    case(
        "12-decrypt-failed.zkb",
        _raw_batch(parsed.manifest_bytes, payload, recipient=OTHER_X25519, ephemeral=0x39),
        "decrypt_failed",
        "6",
        "sealed to another county key",
    )
    case(
        "13-payload-framing.zkb",
        _variant(one, 0x3A, payload=b"ZKP0" + payload[4:]),
        "malformed",
        "7",
        "the payload does not start with ZKP1",
    )
    entries = [dict(e) for e in parsed.manifest["entries"]]
    entries[0]["sha256"] = "0" * 64
    case(
        "14-entry-hash.zkb",
        _variant(one, 0x3B, entries=entries),
        "hash_mismatch",
        "7",
        "records.jsonl's SHA-256 differs from the manifest's",
    )
    case(
        "15-record-count.zkb",
        _variant(one, 0x3C, record_count=2),
        "malformed",
        "7",
        "record_count 2, one record line",
    )
    case(
        "410105-03-000001.zkb",
        None,
        "other_station",
        "7b",
        "station 04 sent this 报名号 first",
        after=["refuse/410105-04-000001.zkb"],
    )
    case(
        "410105-03-000002.zkb",
        None,
        "sequence_gap",
        "8",
        "batch #2 while #1 is missing: it waits (status waiting)",
    )
    case(
        "16-previous-hash.zkb",
        _variant(two, 0x3D, previous_hash="0" * 64),
        "hash_mismatch",
        "9",
        "batch #2 does not name batch #1's hash",
        after=["410105-03-000001.zkb"],
    )
    case(
        "17-audit-prev-hash.zkb",
        _variant(two, 0x3E, audit={**bf.parse(two).manifest["audit"], "prev_hash": "0" * 64}),
        "hash_mismatch",
        "7",
        "the audit entry's prev_hash is not the first event's",
        after=["410105-03-000001.zkb"],
    )
    return files, cases


def build() -> dict[str, bytes]:
    """Every vector file: name → bytes."""
    first_events = _events(1, GENESIS, ["station_init", "create", "confirm", "sign"])
    one, info_one = _batch(
        1,
        bf.GENESIS,
        [_record("27410105030001", 1, "张三", "410105201203150012")],
        first_events,
    )
    second_events = _events(5, first_events[-1]["hash"], ["export", "create", "sign"])
    two, info_two = _batch(
        2,
        info_one["file_sha256"],
        [_record("27410105030002", 1, "𠮷田明", "410105201203150039")],
        second_events,
    )
    county = Ed25519PrivateKey.from_private_bytes(COUNTY_ED25519)
    receipt = sign_document(
        county,
        {
            "type": "zk-receipt",
            "version": 1,
            "county": COUNTY,
            "station": STATION,
            "sequence": 1,
            "batch_hash": info_one["file_sha256"],
            "received_at": "2027-03-01T10:00:00Z",
            "records": [["27410105030001", 1]],
        },
    )
    station_pub = Ed25519PrivateKey.from_private_bytes(STATION_SEED).public_key().public_bytes_raw()
    x_pub = X25519PrivateKey.from_private_bytes(COUNTY_X25519).public_key().public_bytes_raw()
    ed_pub = county.public_key().public_bytes_raw()
    keys = {
        "station": STATION,
        "county": COUNTY,
        "station_ed25519_private_hex": STATION_SEED.hex(),
        "station_ed25519_public_hex": station_pub.hex(),
        "station_fingerprint": fingerprint(station_pub),
        "county_x25519_private_hex": COUNTY_X25519.hex(),
        "county_x25519_public_hex": x_pub.hex(),
        "county_ed25519_private_hex": COUNTY_ED25519.hex(),
        "county_ed25519_public_hex": ed_pub.hex(),
        "county_fingerprint": fingerprint(x_pub + ed_pub),
        "ephemeral_x25519_private_hex": [e.hex() for e in EPHEMERAL],
    }

    def pretty(value: Any) -> bytes:
        return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    refuse_files, refuse_cases = refusals(one, two)
    station2 = Ed25519PrivateKey.from_private_bytes(STATION2_SEED).public_key().public_bytes_raw()
    keys["station2"] = STATION2
    keys["station2_ed25519_private_hex"] = STATION2_SEED.hex()
    keys["station2_ed25519_public_hex"] = station2.hex()
    return {
        info_one["file"]: one,
        info_two["file"]: two,
        "receipt-000001.json": receipt,
        "keys.json": pretty(keys),
        "expected.json": pretty({"batches": [info_one, info_two]}),
        **refuse_files,
        "refuse/expected.json": pretty({"cases": refuse_cases}),
    }


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    for name, data in build().items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
        print(out / name)


if __name__ == "__main__":
    main()
