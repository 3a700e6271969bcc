"""Key slots (密钥槽): the database key, wrapped once under each operator's password.

The SQLCipher key is 32 random bytes that never touch the disk in the clear. For every
operator (and for the recovery code printed at ``station init``) ``keyslots.json`` holds the
key encrypted with AES-256-GCM under a key derived from that password with Argon2id, so any
valid login opens the database and a copied disk discloses nothing but login hashes.

Failed logins cannot be written into the encrypted database (the password that would open it
was wrong), so they are counted here, which also drives the lockout, and moved into the audit
chain by the next login that succeeds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from station.errors import AuthError, StoreError
from station.fileio import atomic_write_bytes
from station.settings import KdfParams

KEYSLOT_FILE = "keyslots.json"
FORMAT = 1
RECOVERY_LOGIN = "__recovery__"
_AAD_PREFIX = b"station-keyslot-v1:"
MAX_PENDING = 1000


@dataclass(slots=True)
class PendingFailure:
    login: str
    at: str


def derive_kek(password: str, salt: bytes, kdf: dict[str, int]) -> bytes:
    return hash_secret_raw(
        password.encode("utf-8"),
        salt,
        time_cost=kdf["time_cost"],
        memory_cost=kdf["memory_cost"],
        parallelism=kdf["parallelism"],
        hash_len=32,
        type=Type.ID,
    )


class KeySlots:
    """The ``keyslots.json`` file of one data directory."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / KEYSLOT_FILE
        self._doc: dict[str, Any] = {}

    # --- file ---------------------------------------------------------------------------

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> KeySlots:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StoreError(
                f"找不到密钥文件 {self.path}：没有它数据库无法打开，请从备份恢复 keyslots.json",
                f"{self.path} is missing; the database cannot be opened without it",
            ) from None
        except ValueError:
            raise StoreError(
                f"密钥文件 {self.path} 已损坏", f"{self.path} is not valid JSON"
            ) from None
        if doc.get("format") != FORMAT:
            raise StoreError(
                "密钥文件版本不受支持", f"unsupported key slot format {doc.get('format')}"
            )
        self._doc = doc
        return self

    def create(self) -> KeySlots:
        self._doc = {"format": FORMAT, "salt": os.urandom(16).hex(), "slots": {}, "failures": {}}
        return self

    def save(self) -> None:
        data = json.dumps(self._doc, indent=1, sort_keys=True).encode("utf-8")
        atomic_write_bytes(self.path, data)

    # --- slots --------------------------------------------------------------------------

    def slot_id(self, login: str) -> str:
        # Hashed so that the file does not list who works at the station.
        salt = bytes.fromhex(self._doc["salt"])
        return hashlib.blake2b(
            login.casefold().encode("utf-8"), key=salt, digest_size=16
        ).hexdigest()

    def has(self, login: str) -> bool:
        return self.slot_id(login) in self._doc["slots"]

    def put(self, login: str, password: str, db_key: bytes, kdf: KdfParams) -> None:
        sid = self.slot_id(login)
        salt = os.urandom(16)
        params = {
            "time_cost": kdf.time_cost,
            "memory_cost": kdf.memory_cost,
            "parallelism": kdf.parallelism,
        }
        nonce = os.urandom(12)
        wrapped = AESGCM(derive_kek(password, salt, params)).encrypt(
            nonce, db_key, _AAD_PREFIX + sid.encode()
        )
        self._doc["slots"][sid] = {
            "kdf": {"alg": "argon2id", "salt": salt.hex(), **params},
            "nonce": nonce.hex(),
            "wrapped": wrapped.hex(),
        }

    def remove(self, login: str) -> None:
        self._doc["slots"].pop(self.slot_id(login), None)

    def unwrap(self, login: str, password: str) -> bytes | None:
        """The database key, or None when there is no slot or the password is wrong."""
        sid = self.slot_id(login)
        slot = self._doc["slots"].get(sid)
        if slot is None:
            return None
        kdf = slot["kdf"]
        params = {k: int(kdf[k]) for k in ("time_cost", "memory_cost", "parallelism")}
        kek = derive_kek(password, bytes.fromhex(kdf["salt"]), params)
        try:
            return AESGCM(kek).decrypt(
                bytes.fromhex(slot["nonce"]),
                bytes.fromhex(slot["wrapped"]),
                _AAD_PREFIX + sid.encode(),
            )
        except InvalidTag:
            return None

    # --- failed logins and lockout ------------------------------------------------------

    def locked_until(self, login: str, now: dt.datetime) -> dt.datetime | None:
        entry = self._doc["failures"].get(self.slot_id(login))
        if not entry or not entry.get("locked_until"):
            return None
        until = dt.datetime.fromisoformat(entry["locked_until"])
        return until if until > now else None

    def record_failure(self, login: str, now: dt.datetime, attempts: int, minutes: int) -> int:
        """Count a failed login; lock the login after ``attempts`` failures in a row."""
        entry = self._doc["failures"].setdefault(
            self.slot_id(login), {"count": 0, "locked_until": None}
        )
        entry["count"] += 1
        if entry["count"] >= attempts:
            entry["locked_until"] = (now + dt.timedelta(minutes=minutes)).isoformat()
            entry["count"] = 0
        pending = self._doc.setdefault("pending", [])
        pending.append({"login": login[:32], "at": now.isoformat()})
        del pending[:-MAX_PENDING]  # a guessing attack must not grow the file without end
        return entry["count"]

    def clear_failures(self, login: str) -> None:
        self._doc["failures"].pop(self.slot_id(login), None)

    def take_pending(self) -> list[PendingFailure]:
        """Failed logins not yet in the audit chain; the caller saves after logging them."""
        pending = [PendingFailure(p["login"], p["at"]) for p in self._doc.get("pending", [])]
        self._doc["pending"] = []
        return pending


def new_db_key() -> bytes:
    return os.urandom(32)


def ensure_not_locked(slots: KeySlots, login: str, now: dt.datetime) -> None:
    until = slots.locked_until(login, now)
    if until is not None:
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        raise AuthError(
            f"登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试",
            f"too many failed logins; locked for another {minutes} min",
        )
