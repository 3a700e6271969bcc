"""Key slots (密钥槽): the database key, opened by each operator's password.

The SQLCipher key is 32 random bytes that never touch the disk in the clear. For every
operator (and for the recovery code printed at ``station init``) ``keyslots.json`` holds an
X25519 key pair of that slot: the private half encrypted with AES-256-GCM under a key derived
from the password with Argon2id, the public half in the clear, and the database key sealed to
the public half (HPKE, RFC 9180). Any valid login opens the database and a copied disk
discloses nothing; and the station can seal a *new* database key to every remaining slot
without anyone's password (:mod:`station.rekey`), so a password that was removed, or an old
copy of this file, no longer opens today's database. Slots are filed under a keyed hash of the
login (README: what the file reveals).

Format 1 slots (before key rotation) wrapped the database key itself under the password; they
are still read, and become format 2 at their operator's next login.

Failed logins cannot be written into the encrypted database (the password that would open it
was wrong), so they are counted here, which also drives the lockout, and moved into the audit
chain by the next login that succeeds. Only slot ids are kept, never what was typed.

Several processes may use one data directory (the desk and a CLI command): every change is a
read-modify-write under a file lock (:meth:`KeySlots.update`), and the file is replaced
atomically, so no change is lost and no reader sees half a file.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from filelock import FileLock, Timeout

from station import jsonio

if TYPE_CHECKING:
    from station.anchor import Anchor
from station.errors import AuthError, StoreError
from station.fileio import atomic_write_bytes
from station.settings import KdfParams

KEYSLOT_FILE = "keyslots.json"
FORMAT = 2
_READS = (1, 2)  # a format 1 file is read, and written back as format 2
RESERVE_FILE = "keyslots.reserve"
RESERVE_BYTES = 64 * 1024
_SEAL_INFO = b"station-keyslot-v2:"
RECOVERY_LOGIN = "__recovery__"
UNKNOWN_LOGIN = "(unknown)"
_AAD_PREFIX = b"station-keyslot-v1:"
MAX_PENDING = 1000
# Failures further apart than this do not add up to a lockout.
FAILURE_WINDOW = dt.timedelta(hours=1)
CHECK_EXPIRES = dt.timedelta(minutes=2)  # no password check takes this long


@dataclass(slots=True)
class PendingFailure:
    slot_id: str | None  # None: a login that has no slot here
    at: str


def derive_kek(password: str, salt: bytes, kdf: dict[str, int]) -> bytes:
    """32 bytes of Argon2id (v1.3) of ``password``'s UTF-8 bytes: the one derivation the
    station and the county use (key slots, county key file, password fingerprints)."""
    return hash_secret_raw(
        password.encode("utf-8"),
        salt,
        time_cost=kdf["time_cost"],
        memory_cost=kdf["memory_cost"],
        parallelism=kdf["parallelism"],
        hash_len=32,
        type=Type.ID,
    )


def cost_of(params: Any) -> dict[str, int]:
    """The Argon2 costs of a settings or key-file dataclass, as :func:`derive_kek` takes them."""
    return {
        "time_cost": params.time_cost,
        "memory_cost": params.memory_cost,
        "parallelism": params.parallelism,
    }


def _damaged(path: Path, why: str) -> StoreError:
    return StoreError(f"密钥文件 {path} 已损坏（{why}），请从备份恢复", f"{path} is damaged: {why}")


class KeySlots:
    """The ``keyslots.json`` file of one data directory."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / KEYSLOT_FILE
        self._lock = FileLock(str(directory / (KEYSLOT_FILE + ".lock")), timeout=30)
        self._doc: dict[str, Any] = {}

    # --- file ---------------------------------------------------------------------------

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> KeySlots:
        try:
            doc = jsonio.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StoreError(
                f"找不到密钥文件 {self.path}：没有它数据库无法打开，请从备份恢复 keyslots.json",
                f"{self.path} is missing; the database cannot be opened without it",
            ) from None
        except (ValueError, UnicodeDecodeError):
            raise _damaged(self.path, "not JSON") from None
        self._doc = self._checked(doc)
        return self

    def _checked(self, doc: Any) -> dict[str, Any]:
        if not isinstance(doc, dict) or doc.get("format") not in _READS:
            raise _damaged(self.path, "unknown format")
        try:
            bytes.fromhex(doc["salt"])
            for slot in doc["slots"].values():
                bytes.fromhex(slot["nonce"]), bytes.fromhex(slot["wrapped"])
                for name in ("public", "sealed", "sealed_next"):
                    if name in slot:
                        bytes.fromhex(slot[name])
                if ("public" in slot) != ("sealed" in slot):
                    raise ValueError("half a format 2 slot")
                bytes.fromhex(slot["kdf"]["salt"])
                int(slot["kdf"]["time_cost"]), int(slot["kdf"]["memory_cost"])
                int(slot["kdf"]["parallelism"])
            if not isinstance(doc.setdefault("failures", {}), dict):
                raise TypeError("failures")
            if not isinstance(doc.setdefault("pending", []), list):
                raise TypeError("pending")
            if not isinstance(doc.setdefault("checking", {}), dict):
                raise TypeError("checking")
            held = doc.get("audit_anchor")
            if held is not None and not (
                type(held.get("seq")) is int
                and len(bytes.fromhex(held["hash"])) == 32
                and len(bytes.fromhex(held["signature"])) == 64
            ):
                raise ValueError("audit_anchor")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _damaged(self.path, f"bad entry {exc}") from None
        return doc

    def create(self) -> KeySlots:
        self._doc = {
            "format": FORMAT,
            "salt": os.urandom(16).hex(),
            "slots": {},
            "failures": {},
            "pending": [],
            "checking": {},
        }
        return self

    def save(self) -> None:
        self._doc["format"] = FORMAT
        data = json.dumps(self._doc, indent=1, sort_keys=True).encode("utf-8")
        try:
            atomic_write_bytes(self.path, data)
        except OSError as exc:
            # A full disk must not stop the lockout from counting (a read-only login goes on
            # there): the room kept aside for this file is given up, once.
            reserve = self.path.with_name(RESERVE_FILE)
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT) or not reserve.exists():
                raise
            reserve.unlink()
            atomic_write_bytes(self.path, data)

    def keep_reserve(self) -> None:
        """Keep :data:`RESERVE_BYTES` aside for this file (given up by :meth:`save` when the
        disk is full); best effort."""
        reserve = self.path.with_name(RESERVE_FILE)
        if reserve.exists():
            return
        with suppress(OSError):
            atomic_write_bytes(reserve, bytes(RESERVE_BYTES))

    @contextmanager
    def update(self) -> Iterator[KeySlots]:
        """Lock, re-read, let the caller change, write: the only way a slot file changes.
        Nothing changed, nothing written (a close that has no new audit event to anchor)."""
        with self.held():
            before = json.dumps(self._doc, sort_keys=True)
            yield self
            if json.dumps(self._doc, sort_keys=True) != before:
                self.save()

    @contextmanager
    def held(self) -> Iterator[KeySlots]:
        """Lock and re-read, without writing: nothing changes the file meanwhile (a database
        key rotation holds this lock from its first write to its last)."""
        try:
            self._lock.acquire()
        except Timeout:
            raise StoreError(
                f"密钥文件 {self.path} 正被另一个程序使用（例如正在更换数据库密钥），请稍后再试",
                f"{self.path} is busy in another program (a key rotation?); try again shortly",
            ) from None
        try:
            self.load()
            yield self
        finally:
            self._lock.release()

    def slot_record(self, login: str) -> dict[str, Any] | None:
        """A copy of ``login``'s slot as the file has it now (to notice a change)."""
        slot = self._doc["slots"].get(self.slot_id(login))
        return json.loads(json.dumps(slot)) if slot is not None else None

    @contextmanager
    def creating(self) -> Iterator[KeySlots]:
        """Lock and make a new file (``station init``)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            if self.exists():
                raise StoreError(f"{self.path} 已存在", f"{self.path} exists already")
            self.create()
            yield self
            self.save()
            self.keep_reserve()

    # --- slots --------------------------------------------------------------------------

    def slot_id(self, login: str) -> str:
        salt = bytes.fromhex(self._doc["salt"])
        return hashlib.blake2b(
            login.casefold().encode("utf-8"), key=salt, digest_size=16
        ).hexdigest()

    def has(self, login: str) -> bool:
        return self.slot_id(login) in self._doc["slots"]

    def put(self, login: str, password: str, db_key: bytes, kdf: KdfParams) -> None:
        """A format 2 slot for ``login``: a new key pair, the database key sealed to it."""
        sid = self.slot_id(login)
        salt = os.urandom(16)
        params = cost_of(kdf)
        private = X25519PrivateKey.generate()
        public = private.public_key().public_bytes_raw()
        nonce = os.urandom(12)
        wrapped = AESGCM(derive_kek(password, salt, params)).encrypt(
            nonce, private.private_bytes_raw(), _AAD_PREFIX + sid.encode()
        )
        self._doc["slots"][sid] = {
            "kdf": {"alg": "argon2id", "salt": salt.hex(), **params},
            "nonce": nonce.hex(),
            "wrapped": wrapped.hex(),
            "public": public.hex(),
            "sealed": _seal(sid, public, db_key).hex(),
        }

    def remove(self, login: str) -> None:
        self.remove_slot(self.slot_id(login))

    def remove_slot(self, sid: str) -> None:
        self._doc["slots"].pop(sid, None)
        self._doc["failures"].pop(sid, None)

    def slot_ids(self) -> list[str]:
        return list(self._doc["slots"])

    def is_current(self, login: str) -> bool:
        """Whether ``login``'s slot is format 2 (can take a new database key unattended)."""
        return "public" in self._doc["slots"].get(self.slot_id(login), {})

    def unwrap(self, login: str, password: str) -> bytes | None:
        """The database key, or None when there is no slot or the password is wrong."""
        keys = self.unwrap_keys(login, password)
        return keys[0] if keys else None

    def unwrap_keys(self, login: str, password: str) -> list[bytes]:
        """The database keys this password opens: the current one, then the next one while a
        rotation is under way or was cut short (:mod:`station.rekey`); empty when there is
        no slot or the password is wrong.

        An unknown login costs the same Argon2 run as a known one, so timing does not tell
        which logins exist.
        """
        sid = self.slot_id(login)
        slot = self._doc["slots"].get(sid)
        if slot is None:
            any_slot = next(iter(self._doc["slots"].values()), None)
            if any_slot is not None:
                derive_kek(password, os.urandom(16), _params(any_slot))
            return []
        kek = derive_kek(password, bytes.fromhex(slot["kdf"]["salt"]), _params(slot))
        try:
            secret = AESGCM(kek).decrypt(
                bytes.fromhex(slot["nonce"]),
                bytes.fromhex(slot["wrapped"]),
                _AAD_PREFIX + sid.encode(),
            )
        except InvalidTag:
            return []
        if "public" not in slot:
            return [secret]  # format 1: the database key itself
        try:
            private = X25519PrivateKey.from_private_bytes(secret)
            return [
                _open(sid, private, bytes.fromhex(slot[name]))
                for name in ("sealed", "sealed_next")
                if name in slot
            ]
        except (InvalidTag, ValueError):
            raise _damaged(self.path, "a sealed key does not open") from None

    # --- the audit chain's anchor (station/anchor.py) -------------------------------------

    def audit_anchor(self) -> Anchor | None:
        raw = self._doc.get("audit_anchor")
        if raw is None:
            return None
        from station.anchor import Anchor

        return Anchor(raw["seq"], raw["hash"], bytes.fromhex(raw["signature"]))

    def set_audit_anchor(self, anchor: Anchor) -> None:
        self._doc["audit_anchor"] = {
            "seq": anchor.seq,
            "hash": anchor.hash,
            "signature": anchor.signature.hex(),
        }

    # --- rotation (station/rekey.py) ----------------------------------------------------

    def begin_rotation(self, new_key: bytes) -> None:
        """Seal ``new_key`` beside the current key in every format 2 slot (a format 1 slot
        cannot take it: station/rekey.py removes those first, for an admin to reset)."""
        for sid, slot in self._doc["slots"].items():
            if "public" in slot:
                slot["sealed_next"] = _seal(sid, bytes.fromhex(slot["public"]), new_key).hex()

    def finish_rotation(self) -> None:
        """The next key is the database's key now."""
        for slot in self._doc["slots"].values():
            if "sealed_next" in slot:
                slot["sealed"] = slot.pop("sealed_next")

    def abandon_rotation(self) -> None:
        """A rotation cut short before the database changed: the current key stays."""
        for slot in self._doc["slots"].values():
            slot.pop("sealed_next", None)

    def rotation_pending(self) -> bool:
        return any("sealed_next" in slot for slot in self._doc["slots"].values())

    # --- failed logins and lockout ------------------------------------------------------

    def locked_until(self, login: str, now: dt.datetime) -> dt.datetime | None:
        entry = self._doc["failures"].get(self.slot_id(login))
        if not entry or not entry.get("locked_until"):
            return None
        until = dt.datetime.fromisoformat(entry["locked_until"])
        return until if until > now else None

    def record_failure(self, login: str, now: dt.datetime, attempts: int, minutes: int) -> int:
        """Count a failed login; lock a login that exists after ``attempts`` in a row.

        Returns the failures counted so far (0 after the lockout started).
        """
        sid = self.slot_id(login)
        known = sid in self._doc["slots"]
        pending = self._doc["pending"]
        pending.append({"slot": sid if known else None, "at": now.isoformat()})
        del pending[:-MAX_PENDING]  # a guessing attack must not grow the file without end
        if not known:
            return 1  # nothing to lock: there is no such operator
        entry = self._doc["failures"].setdefault(
            sid, {"count": 0, "locked_until": None, "last": None}
        )
        last = dt.datetime.fromisoformat(entry["last"]) if entry.get("last") else None
        if last is None or now - last > FAILURE_WINDOW:
            entry["count"] = 0
        entry["count"] += 1
        entry["last"] = now.isoformat()
        if entry["count"] >= attempts:
            entry["locked_until"] = (now + dt.timedelta(minutes=minutes)).isoformat()
            entry["count"] = 0
        return entry["count"]

    def begin_check(self, login: str, now: dt.datetime, attempts: int) -> str | None:
        """Take one of the password checks the lockout still allows, before the slow check;
        None when none is left. The token returned ends the check (:meth:`end_check`).

        Failures so far and checks under way count together: twelve guesses started at once
        get as many checks as the lockout allows one after another, not twelve. An entry
        older than :data:`CHECK_EXPIRES` is a check whose process died.
        """
        sid = self.slot_id(login)
        checking = self._doc["checking"]
        current = [
            at
            for at in checking.get(sid, [])
            if now - dt.datetime.fromisoformat(at.partition("#")[0]) < CHECK_EXPIRES
        ]
        entry = self._doc["failures"].get(sid) or {}
        last = dt.datetime.fromisoformat(entry["last"]) if entry.get("last") else None
        failed = entry.get("count", 0) if last and now - last <= FAILURE_WINDOW else 0
        if failed + len(current) >= attempts:
            return None
        token = f"{now.isoformat()}#{os.urandom(4).hex()}"  # two checks in one microsecond
        checking[sid] = [*current, token]
        return token

    def end_check(self, login: str, token: str) -> None:
        sid = self.slot_id(login)
        remaining = [t for t in self._doc["checking"].get(sid, []) if t != token]
        if remaining:
            self._doc["checking"][sid] = remaining
        else:
            self._doc["checking"].pop(sid, None)

    def clear_failures(self, login: str) -> None:
        self._doc["failures"].pop(self.slot_id(login), None)

    def take_pending(self) -> list[PendingFailure]:
        """Failed logins not yet in the audit chain (they stay until :meth:`drop_pending`)."""
        return [PendingFailure(p.get("slot"), p["at"]) for p in self._doc["pending"]]

    def drop_pending(self, logged: set[tuple[str | None, str]]) -> None:
        self._doc["pending"] = [
            p for p in self._doc["pending"] if (p.get("slot"), p["at"]) not in logged
        ]


def _params(slot: dict[str, Any]) -> dict[str, int]:
    kdf = slot["kdf"]
    return {k: int(kdf[k]) for k in ("time_cost", "memory_cost", "parallelism")}


def new_db_key() -> bytes:
    return os.urandom(32)


def hpke_suite() -> Any:
    """RFC 9180 base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM, from the
    library: the suite of key slots and of batch files (sync/batch_format.py)."""
    from cryptography.hazmat.primitives import hpke

    return hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


def _seal(sid: str, public: bytes, db_key: bytes) -> bytes:
    return hpke_suite().encrypt(
        db_key, X25519PublicKey.from_public_bytes(public), info=_SEAL_INFO + sid.encode()
    )


def _open(sid: str, private: X25519PrivateKey, sealed: bytes) -> bytes:
    return hpke_suite().decrypt(sealed, private, info=_SEAL_INFO + sid.encode())


def ensure_not_locked(slots: KeySlots, login: str, now: dt.datetime) -> None:
    until = slots.locked_until(login, now)
    if until is not None:
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        raise AuthError(
            f"登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试",
            f"too many failed logins; locked for another {minutes} min",
        )
