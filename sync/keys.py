"""Keys and trust (密钥与信任) between registration points and the county office.

* The county (县区教育局) has one key pair of two halves: X25519 (stations encrypt batches to
  it) and Ed25519 (it signs receipts and review results). The private half lives in
  ``county-key.json``, encrypted under a passphrase (Argon2id + AES-256-GCM); the public half
  is ``county-public.json``, carried to every station on paper-checked trust: its fingerprint
  is read out over the phone before a station installs it.
* A station signs with the Ed25519 key made at ``station init``; its public key file is
  registered at the county the same way, fingerprint read out over the phone.
* Receipts and review results are *signed documents*: a JSON text and an Ed25519 signature.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from station import jsonio
from station.audit import canonical_json
from station.keyslots import cost_of, derive_kek
from sync.errors import BAD_SIGNATURE, MALFORMED, BatchRefused, KeyFileError

COUNTY_PUBLIC = "zk-county-public-key"
COUNTY_PRIVATE = "zk-county-private-key"
STATION_PUBLIC = "zk-station-public-key"
DOC_PREFIX = b"ZKDOC/1\x00"  # domain separation: a document signature is never a batch's


@dataclass(frozen=True, slots=True)
class Kdf:
    """Argon2id cost for the private key file; the defaults match the station's logins."""

    time_cost: int = 3
    memory_cost: int = 65536  # KiB
    parallelism: int = 1


#: The most a key file may ask of Argon2id (1 GiB, t=10, 8 lanes): far above what `county
#: keygen` writes, far below what would stall or exhaust the county's PC.
MAX_KDF = Kdf(time_cost=10, memory_cost=1024 * 1024, parallelism=8)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any, length: int | None = None) -> bytes:
    try:
        raw = base64.b64decode(str(text), validate=True)
    except ValueError:
        raise KeyFileError("密钥文件内容无效", "a key in the file is not base64") from None
    if length is not None and len(raw) != length:
        raise KeyFileError("密钥长度不对", f"a key must be {length} bytes")
    return raw


def key_id(raw_public: bytes) -> str:
    """The full identifier of a public key: SHA-256 of its raw bytes, hex."""
    return hashlib.sha256(raw_public).hexdigest()


def fingerprint(raw_public: bytes) -> str:
    """24 decimal digits in groups of four (80 bits): easy to read out in Chinese on the phone."""
    number = int.from_bytes(hashlib.sha256(raw_public).digest()[:10], "big") % 10**24
    digits = f"{number:024d}"
    return " ".join(digits[i : i + 4] for i in range(0, 24, 4))


def _raw_public(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _raw_private(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


# --- public keys ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CountyPublicKey:
    county: str
    name: str
    x25519: bytes  # encryption: batches are sealed to it
    ed25519: bytes  # signatures: receipts and review results

    @property
    def raw(self) -> bytes:
        """What ``Station.county_public_key`` stores: x25519 || ed25519, 64 bytes."""
        return self.x25519 + self.ed25519

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.raw)

    @classmethod
    def from_raw(cls, county: str, raw: bytes, name: str = "") -> CountyPublicKey:
        if len(raw) != 64:
            raise KeyFileError("县区公钥长度不对", "a county public key is 64 bytes")
        return cls(county, name, raw[:32], raw[32:])

    def to_json(self) -> str:
        return _pretty(
            {
                "type": COUNTY_PUBLIC,
                "version": 1,
                "county": self.county,
                "name": self.name,
                "x25519": b64(self.x25519),
                "ed25519": b64(self.ed25519),
                "fingerprint": self.fingerprint,
            }
        )


@dataclass(frozen=True, slots=True)
class StationPublicKey:
    station: str  # e.g. 410105-03
    county: str
    name: str
    ed25519: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.ed25519)

    def to_json(self) -> str:
        return _pretty(
            {
                "type": STATION_PUBLIC,
                "version": 1,
                "station": self.station,
                "county": self.county,
                "name": self.name,
                "ed25519": b64(self.ed25519),
                "fingerprint": self.fingerprint,
            }
        )


def _pretty(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def _read_json(path: Path, kind: str) -> dict[str, Any]:
    try:
        data = jsonio.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise KeyFileError(
            f"无法读取密钥文件 {path}：{exc}", f"cannot read key file {path}: {exc}"
        ) from None
    if (
        not isinstance(data, dict)
        or data.get("type") != kind
        or type(data.get("version")) is not int
        or data["version"] != 1
    ):
        raise KeyFileError(f"{path} 不是所需的密钥文件（{kind}）", f"{path} is not a {kind} file")
    return data


def _checked_fingerprint(data: dict[str, Any], raw: bytes, path: Path) -> None:
    # The printed fingerprint is what people compare; it must belong to the key in the file.
    if data.get("fingerprint") != fingerprint(raw):  # a file without one is refused too
        raise KeyFileError(
            f"{path} 的指纹与密钥不符", f"{path}: fingerprint does not match the key"
        )


def read_county_public(path: Path) -> CountyPublicKey:
    data = _read_json(path, COUNTY_PUBLIC)
    key = CountyPublicKey(
        str(data.get("county", "")),
        str(data.get("name", "")),
        unb64(data.get("x25519"), 32),
        unb64(data.get("ed25519"), 32),
    )
    _checked_fingerprint(data, key.raw, path)
    return key


def read_station_public(path: Path) -> StationPublicKey:
    data = _read_json(path, STATION_PUBLIC)
    key = StationPublicKey(
        str(data.get("station", "")),
        str(data.get("county", "")),
        str(data.get("name", "")),
        unb64(data.get("ed25519"), 32),
    )
    _checked_fingerprint(data, key.ed25519, path)
    return key


def station_public_from_private(
    station: str, county: str, name: str, raw_private: bytes
) -> StationPublicKey:
    return StationPublicKey(
        station, county, name, _raw_public(Ed25519PrivateKey.from_private_bytes(raw_private))
    )


# --- the county's private key ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CountyKeys:
    county: str
    name: str
    x25519: X25519PrivateKey
    ed25519: Ed25519PrivateKey
    # A training county (county keygen --training) takes training batches only, and a real
    # county refuses them: synthetic records never reach a real county's database.
    training: bool = False

    @classmethod
    def generate(cls, county: str, name: str, *, training: bool = False) -> CountyKeys:
        return cls(
            county, name, X25519PrivateKey.generate(), Ed25519PrivateKey.generate(), training
        )

    @property
    def public(self) -> CountyPublicKey:
        return CountyPublicKey(
            self.county, self.name, _raw_public(self.x25519), _raw_public(self.ed25519)
        )


def _derive(passphrase: str, salt: bytes, kdf: Kdf) -> bytes:
    return derive_kek(passphrase, salt, cost_of(kdf))


def private_key_json(keys: CountyKeys, passphrase: str, kdf: Kdf = Kdf()) -> str:
    if len(passphrase) < 12:
        raise KeyFileError("口令至少 12 位", "the passphrase needs at least 12 characters")
    salt, nonce = os.urandom(16), os.urandom(12)
    header = {
        "type": COUNTY_PRIVATE,
        "version": 1,
        "county": keys.county,
        "name": keys.name,
        "kdf": {
            "algorithm": "argon2id",
            "salt": b64(salt),
            "time_cost": kdf.time_cost,
            "memory_cost": kdf.memory_cost,
            "parallelism": kdf.parallelism,
        },
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "public": json.loads(keys.public.to_json()),
    }
    if keys.training:
        header["training"] = True  # in the associated data: it cannot be taken off
    secret = _raw_private(keys.x25519) + _raw_private(keys.ed25519)
    # The header is the associated data: nobody can swap the public half or the county code.
    sealed = AESGCM(_derive(passphrase, salt, kdf)).encrypt(
        nonce, secret, canonical_json(header).encode("utf-8")
    )
    return _pretty({**header, "nonce": b64(nonce), "sealed": b64(sealed)})


def read_private_key(path: Path, passphrase: str) -> CountyKeys:
    data = _read_json(path, COUNTY_PRIVATE)
    header = {k: v for k, v in data.items() if k not in ("nonce", "sealed")}
    params = data.get("kdf") or {}
    try:
        kdf = Kdf(int(params["time_cost"]), int(params["memory_cost"]), int(params["parallelism"]))
        salt = unb64(params["salt"], 16)
        if not (
            1 <= kdf.time_cost <= MAX_KDF.time_cost
            and 8 <= kdf.memory_cost <= MAX_KDF.memory_cost
            and 1 <= kdf.parallelism <= MAX_KDF.parallelism
        ):
            raise ValueError("out of bounds")
    except (KeyError, TypeError, ValueError):
        # A file asking for 4 TiB or a day of Argon2 is refused, not obeyed.
        raise KeyFileError(f"{path} 的密钥参数无效", f"{path}: bad KDF parameters") from None
    try:
        secret = AESGCM(_derive(passphrase, salt, kdf)).decrypt(
            unb64(data.get("nonce"), 12),
            unb64(data.get("sealed")),
            canonical_json(header).encode("utf-8"),
        )
    except InvalidTag:
        raise KeyFileError(
            "县区私钥口令错误（或文件被改动）", "wrong passphrase (or the key file was altered)"
        ) from None
    keys = CountyKeys(
        str(data.get("county", "")),
        str(data.get("name", "")),
        X25519PrivateKey.from_private_bytes(secret[:32]),
        Ed25519PrivateKey.from_private_bytes(secret[32:]),
        data.get("training") is True,
    )
    return keys


# --- signed documents (receipts, review results) --------------------------------------------


def sign_document(key: Ed25519PrivateKey, document: dict[str, Any]) -> bytes:
    """A JSON file holding the document as a text and the Ed25519 signature over that text."""
    text = canonical_json(document)
    signature = key.sign(DOC_PREFIX + text.encode("utf-8"))
    return _pretty({"document": text, "signature": b64(signature)}).encode("utf-8")


def verify_document(public_ed25519: bytes, data: bytes, doc_type: str) -> dict[str, Any]:
    """The document, if the signature holds and it is of ``doc_type``; else BatchRefused."""
    try:
        outer = jsonio.loads(data.decode("utf-8"))
        text = outer["document"]
        signature = base64.b64decode(outer["signature"], validate=True)
        if not isinstance(text, str):
            raise TypeError
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise BatchRefused(MALFORMED, "not a signed document") from None
    try:
        Ed25519PublicKey.from_public_bytes(public_ed25519).verify(
            signature, DOC_PREFIX + text.encode("utf-8")
        )
    except (InvalidSignature, ValueError):
        raise BatchRefused(BAD_SIGNATURE, "the county's signature does not verify") from None
    try:
        document = jsonio.loads(text)
    except ValueError:
        raise BatchRefused(MALFORMED, "the signed document is not readable JSON") from None
    if (
        not isinstance(document, dict)
        or document.get("type") != doc_type
        or type(document.get("version")) is not int
        or document["version"] != 1
    ):
        raise BatchRefused(MALFORMED, f"not a {doc_type} document (version 1)")
    return document
