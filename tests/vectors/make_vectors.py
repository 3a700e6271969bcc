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

    return {
        info_one["file"]: one,
        info_two["file"]: two,
        "receipt-000001.json": receipt,
        "keys.json": pretty(keys),
        "expected.json": pretty({"batches": [info_one, info_two]}),
    }


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    for name, data in build().items():
        (out / name).write_bytes(data)
        print(out / name)


if __name__ == "__main__":
    main()
