"""The batch file (批次文件), format version 1: see docs/batch-format.md, which is normative.

A file is ``MAGIC || u32 len || manifest || u64 len || sealed payload || signature``:
a plaintext JSON manifest, the payload sealed with HPKE to the county's X25519 key (the
manifest's SHA-256 is in the HPKE ``info``, so a payload cannot be moved under another
manifest), and the station's Ed25519 signature over the manifest and the sealed payload's
SHA-256. This module only writes and reads bytes; who may sign and which sequence comes next
belong to the station and county modules.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from station import jsonio
from station.audit import canonical_json
from station.keyslots import hpke_suite
from sync import hpke
from sync.errors import BAD_SIGNATURE, DECRYPT_FAILED, HASH_MISMATCH, MALFORMED, BatchRefused

FORMAT = "zk-batch"
VERSION = 1
MAGIC = b"ZKB1\r\n\x1a\n"  # like PNG's: a text-mode copy or a 7-bit channel breaks it visibly
PAYLOAD_MAGIC = b"ZKP1"
SIGNATURE_PREFIX = b"ZKBATCH/1 signature\x00"
INFO_PREFIX = b"ZKBATCH/1 payload\x00"
GENESIS = "0" * 64  # previous_hash of a station's first batch
SIG_LEN = 64
MAX_MANIFEST = 4 * 1024 * 1024
CIPHER = {"kem": "DHKEM(X25519, HKDF-SHA256)", "kdf": "HKDF-SHA256", "aead": "AES-256-GCM"}
# \Z, not $: "$" also matches before a final "\n", which the format does not allow.
_NAME = re.compile(
    r"^(records\.jsonl|passwords\.jsonl|audit\.jsonl|photos/[0-9a-f]{64}\.jpg|forms/[0-9A-Za-z_-]{1,40}-v[0-9]{1,6}\.pdf)\Z"
)
_HEX64 = re.compile(r"^[0-9a-f]{64}\Z")
_HEX128 = re.compile(r"^[0-9a-f]{128}\Z")
_STATION = re.compile(r"^[0-9]{6}-[0-9]{2}\Z")  # county code, "-", station number
_COUNTY = re.compile(r"^[0-9]{6}\Z")
_UTC = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\Z")
MAX_ENTRIES = 100_000
REQUIRED_ENTRIES = ("records.jsonl", "passwords.jsonl", "audit.jsonl")


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    data: bytes
    # Known already (a photo's hash is stored with it): spares hashing 40 KB per photo twice.
    known_sha256: str | None = None

    @property
    def sha256(self) -> str:
        return self.known_sha256 or sha256_hex(self.data)


@dataclass(frozen=True, slots=True)
class Parsed:
    """A batch file split into its parts; nothing verified beyond the framing."""

    manifest_bytes: bytes
    manifest: dict[str, Any]
    sealed: bytes
    signature: bytes
    file_hash: str  # SHA-256 of the whole file: what the next batch's previous_hash names


BATCH_SUFFIX = ".zkb"
RECEIPT_SUFFIX = ".receipt.json"


def batch_file_name(station: str, sequence: int) -> str:
    """A station's batch file: ``410105-01-000001.zkb`` (the station writes it so, the
    county's queue of early batches too)."""
    return f"{station}-{sequence:06d}{BATCH_SUFFIX}"


def receipt_file_name(batch_file: str) -> str:
    """The county's receipt for a batch file: ``410105-01-000001.receipt.json`` (what the
    station looks for on a USB drive)."""
    return batch_file.removesuffix(BATCH_SUFFIX) + RECEIPT_SUFFIX


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def signed_message(manifest_bytes: bytes, sealed: bytes) -> bytes:
    return (
        SIGNATURE_PREFIX
        + struct.pack(">I", len(manifest_bytes))
        + manifest_bytes
        + hashlib.sha256(sealed).digest()
    )


def hpke_info(manifest_bytes: bytes) -> bytes:
    return INFO_PREFIX + hashlib.sha256(manifest_bytes).digest()


def pack_payload(entries: Iterable[Entry]) -> bytes:
    parts = [PAYLOAD_MAGIC]
    for e in entries:
        name = e.name.encode("utf-8")
        parts += [struct.pack(">H", len(name)), name, struct.pack(">Q", len(e.data)), e.data]
    return b"".join(parts)


def unpack_payload(data: bytes) -> list[Entry]:
    if not data.startswith(PAYLOAD_MAGIC):
        raise BatchRefused(MALFORMED, "payload does not start with ZKP1")
    view, pos, out = memoryview(data), len(PAYLOAD_MAGIC), []
    try:
        while pos < len(data):
            (n,) = struct.unpack_from(">H", data, pos)
            name = bytes(view[pos + 2 : pos + 2 + n]).decode("utf-8")
            pos += 2 + n
            (size,) = struct.unpack_from(">Q", data, pos)
            pos += 8
            if pos + size > len(data):
                raise ValueError("entry runs past the end")
            out.append(Entry(name, bytes(view[pos : pos + size])))
            pos += size
    except (struct.error, ValueError, UnicodeDecodeError) as exc:
        raise BatchRefused(MALFORMED, f"payload framing: {exc}") from None
    return out


def build_manifest(
    *,
    station: str,
    station_key: bytes,
    county: str,
    recipient: bytes,
    sequence: int,
    previous_hash: str,
    created_at: str,
    record_count: int,
    audit: dict[str, Any] | None,
    entries: list[Entry],
    resync: dict[str, int] | None = None,
    training: bool = False,
    key_handover: dict[str, str] | None = None,
) -> bytes:
    manifest = {
        "format": FORMAT,
        "format_version": VERSION,
        "station": station,
        "signer": sha256_hex(station_key),
        "county": county,
        "recipient": sha256_hex(recipient),
        "sequence": sequence,
        "previous_hash": previous_hash,
        "created_at": created_at,
        "record_count": record_count,
        "audit": audit,
        "cipher": CIPHER,
        "entries": [{"name": e.name, "size": len(e.data), "sha256": e.sha256} for e in entries],
    }
    if resync is not None:  # the first batch after `station resync` (docs/batch-format.md)
        manifest["resync"] = resync
    if training:  # from a training station: only a training county takes it
        manifest["training"] = True
    if key_handover is not None:  # the station's new signing key, vouched for by the old one
        manifest["key_handover"] = key_handover
    return canonical_json(manifest).encode("utf-8")


def seal_batch(
    manifest_bytes: bytes,
    entries: list[Entry],
    *,
    signing_key: Ed25519PrivateKey,
    recipient_x25519: bytes,
    ephemeral: X25519PrivateKey | None = None,
) -> bytes:
    """The whole file. ``ephemeral`` only for test vectors (see :func:`sync.hpke.seal`):
    real batches are sealed by ``cryptography``'s own HPKE, with a fresh ephemeral key."""
    if ephemeral is None:
        sealed = hpke_suite().encrypt(
            pack_payload(entries),
            X25519PublicKey.from_public_bytes(recipient_x25519),
            info=hpke_info(manifest_bytes),
        )
    else:
        sealed = hpke.seal(
            recipient_x25519,
            pack_payload(entries),
            info=hpke_info(manifest_bytes),
            ephemeral=ephemeral,
        )
    signature = signing_key.sign(signed_message(manifest_bytes, sealed))
    return b"".join(
        [
            MAGIC,
            struct.pack(">I", len(manifest_bytes)),
            manifest_bytes,
            struct.pack(">Q", len(sealed)),
            sealed,
            signature,
        ]
    )


def parse(data: bytes, file_hash: str | None = None) -> Parsed:
    """Split the framing and check the manifest's shape; raises BatchRefused(malformed).
    ``file_hash``: the data's SHA-256 when the caller has it already (an upload's body)."""
    try:
        if not data.startswith(MAGIC):
            raise ValueError("not a batch file (magic)")
        pos = len(MAGIC)
        (m_len,) = struct.unpack_from(">I", data, pos)
        if m_len > MAX_MANIFEST:
            raise ValueError("manifest too long")
        pos += 4
        manifest_bytes = data[pos : pos + m_len]
        pos += m_len
        (s_len,) = struct.unpack_from(">Q", data, pos)
        pos += 8
        if pos + s_len + SIG_LEN != len(data):
            raise ValueError("lengths do not add up to the file size")
        sealed = data[pos : pos + s_len]
        signature = data[pos + s_len :]
        manifest = jsonio.loads(manifest_bytes.decode("utf-8"))
    except (struct.error, ValueError, UnicodeDecodeError) as exc:
        raise BatchRefused(MALFORMED, str(exc)) from None
    _check_manifest(manifest)
    return Parsed(manifest_bytes, manifest, sealed, signature, file_hash or sha256_hex(data))


def _check_manifest(m: Any) -> None:
    def bad(why: str) -> BatchRefused:
        return BatchRefused(MALFORMED, f"manifest: {why}")

    if not isinstance(m, dict):
        raise bad("not an object")
    if m.get("format") != FORMAT or type(m.get("format_version")) is not int:
        raise bad("unknown format or version")
    if m["format_version"] != VERSION:
        raise bad("unknown format or version")
    for key, pattern in (("station", _STATION), ("county", _COUNTY), ("created_at", _UTC)):
        if not isinstance(m.get(key), str) or not pattern.match(m[key]):
            raise bad(f"{key} is missing or not of the form the format gives it")
    for key in ("signer", "recipient", "previous_hash"):
        if not isinstance(m.get(key), str) or not _HEX64.match(m[key]):
            raise bad(f"{key} is not 64 hex digits")
    for key, low in (("sequence", 1), ("record_count", 0)):
        if type(m.get(key)) is not int or m[key] < low:
            raise bad(f"{key} is not an integer >= {low}")
    if m.get("cipher") != CIPHER:
        raise bad("unsupported cipher suite")
    entries = m.get("entries")
    if not isinstance(entries, list):
        raise bad("entries missing")
    names = []
    for e in entries:
        if (
            not isinstance(e, dict)
            or set(e) != {"name", "size", "sha256"}
            or not isinstance(e.get("name"), str)
            or not _NAME.match(e["name"])
            or type(e.get("size")) is not int
            or e["size"] < 0
            or not isinstance(e.get("sha256"), str)
            or not _HEX64.match(e["sha256"])
        ):
            raise bad(f"bad entry {e!r:.80}")
        names.append(e["name"])
    if len(set(names)) != len(names) or names[:3] != list(REQUIRED_ENTRIES):
        raise bad("entries must be unique and start with records, passwords, audit")
    if len(names) > MAX_ENTRIES:
        raise bad(f"more than {MAX_ENTRIES} entries")
    if "audit" not in m:
        raise bad("audit missing (null when the batch carries no audit events)")
    audit = m["audit"]
    if audit is not None and not (
        isinstance(audit, dict)
        and set(audit) == {"first_seq", "last_seq", "prev_hash", "head_hash"}
        and all(type(audit[k]) is int for k in ("first_seq", "last_seq"))
        and 1 <= audit["first_seq"] <= audit["last_seq"]
        and all(
            isinstance(audit[k], str) and _HEX64.match(audit[k]) for k in ("prev_hash", "head_hash")
        )
    ):
        raise bad("audit")
    if "training" in m and m["training"] is not True:
        raise bad("training must be true when present")
    for optional in ("resync", "key_handover"):
        if optional in m and not isinstance(m[optional], dict):
            raise bad(f"{optional} must be an object when present")
    resync = m.get("resync")
    if resync is not None and not (
        isinstance(resync, dict)
        and type(resync.get("county_sequence")) is int
        and type(resync.get("audit_fork_seq")) is int
        and resync["county_sequence"] >= 1
        and resync["audit_fork_seq"] >= 0
    ):
        raise bad("resync")
    handover = m.get("key_handover")
    if handover is not None and not (
        isinstance(handover, dict)
        and set(handover) == {"old_key", "new_key", "signature"}
        and all(isinstance(v, str) for v in handover.values())
        and _HEX64.match(handover["old_key"])
        and _HEX64.match(handover["new_key"])
        and _HEX128.match(handover["signature"])
        and m["signer"] == sha256_hex(bytes.fromhex(handover["new_key"]))
    ):
        raise bad("key_handover (its new_key must be the signer)")


def verify_signature(parsed: Parsed, station_public: bytes) -> None:
    if parsed.manifest["signer"] != sha256_hex(station_public):
        raise BatchRefused(
            BAD_SIGNATURE, "signed with a key that is not the station's registered key"
        )
    try:
        Ed25519PublicKey.from_public_bytes(station_public).verify(
            parsed.signature, signed_message(parsed.manifest_bytes, parsed.sealed)
        )
    except InvalidSignature:
        raise BatchRefused(BAD_SIGNATURE, "the station's signature does not verify") from None


def open_payload(parsed: Parsed, county_x25519: X25519PrivateKey) -> dict[str, bytes]:
    """Decrypt and check every entry against the manifest: name → bytes, in manifest order."""
    try:
        plain = hpke_suite().decrypt(
            parsed.sealed, county_x25519, info=hpke_info(parsed.manifest_bytes)
        )
    except (InvalidTag, ValueError):
        raise BatchRefused(
            DECRYPT_FAILED, "the payload does not decrypt with this county's key"
        ) from None
    entries = unpack_payload(plain)
    listed = parsed.manifest["entries"]
    if [e.name for e in entries] != [e["name"] for e in listed]:
        raise BatchRefused(HASH_MISMATCH, "payload entries differ from the manifest's list")
    for e, want in zip(entries, listed, strict=True):
        if len(e.data) != want["size"] or sha256_hex(e.data) != want["sha256"]:
            raise BatchRefused(HASH_MISMATCH, f"{e.name}: SHA-256 differs from the manifest")
    return {e.name: e.data for e in entries}


def json_lines(data: bytes) -> list[dict[str, Any]]:
    try:
        # Lines end at "\n" only: str.splitlines() would also split at U+2028, U+2029,
        # U+0085 and other separators that JSON strings carry unescaped (a station name, an
        # unlock reason), and refuse a good batch.
        rows = [jsonio.loads(line) for line in data.decode("utf-8").split("\n") if line]
    except (ValueError, UnicodeDecodeError) as exc:
        raise BatchRefused(MALFORMED, f"JSON lines: {exc}") from None
    if not all(isinstance(r, dict) for r in rows):
        raise BatchRefused(MALFORMED, "a JSON line is not an object")
    return rows


def to_json_lines(rows: Iterable[dict[str, Any]]) -> bytes:
    return "".join(canonical_json(r) + "\n" for r in rows).encode("utf-8")
