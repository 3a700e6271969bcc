"""Backups (备份) and restore (恢复): one file holds a whole station.

A backup is the database (a consistent snapshot through SQLite's online backup API, taken
while the desk may be writing), ``settings.json`` and a manifest of hashes, with the station's
key slots in the header. The database key that any operator's password or the recovery code
unwraps from those slots derives the backup's own key, so the same logins open it. Everything
after the magic bytes is authenticated: a changed, cut or added byte is refused.

The station's batch files live inside the database until the county acknowledges them
(``batches.data``), so a backup carries them too.

File layout (all integers big-endian)::

    MAGIC (10 bytes) | header length (u32) | header (JSON, UTF-8)
    then chunks:  final flag (1 byte) | length (u32) | AES-256-GCM ciphertext
    nonce = chunk counter (11 bytes) + final flag (1 byte); associated data = SHA-256 of
    everything before the first chunk; key = HKDF-SHA256(database key, header salt).

The plaintext is a sequence of entries, each a JSON line ``{"name": …, "size": …}`` and that
many bytes; the last entry is ``manifest.json``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from station import jsonio
from station.errors import StationError, UsageError
from station.fileio import check_output, fsync_dir

MAGIC = b"ZKBACKUP\x01\n"
FORMAT = 1
CHUNK = 1 << 20
SUFFIX = ".zkbackup"
BACKUP_DIR = "backups"
DB_FILE = "station.db"
SETTINGS_FILE = "settings.json"
KEYSLOT_FILE = "keyslots.json"
_MAX_HEADER = 1 << 20
#: station_state entry: the last audit event of the backup a station was restored from.
RESTORED_AUDIT_SEQ = "restored_audit_seq"

Progress = Callable[[int, int], None]


class BackupRefused(StationError):
    """A backup that cannot be restored; ``code`` says why (for tests and the desk)."""

    exit_code = 1

    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(zh, en)
        self.code = code


@dataclass(frozen=True, slots=True)
class BackupInfo:
    path: Path
    station: str
    created_at: str
    reason: str
    size: int


# --- making one ----------------------------------------------------------------------------


def _key(db_key: bytes, salt: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt, b"zk-backup-1").derive(db_key)


def _nonce(counter: int, final: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


class _Sealer:
    """Encrypts a stream of plaintext into authenticated chunks."""

    def __init__(self, out: BinaryIO, key: bytes, ad: bytes) -> None:
        self.out, self.aead, self.ad = out, AESGCM(key), ad
        self.buffer = bytearray()
        self.counter = 0

    def write(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) > CHUNK:
            self._emit(bytes(self.buffer[:CHUNK]), final=False)
            del self.buffer[:CHUNK]

    def close(self) -> None:
        self._emit(bytes(self.buffer), final=True)
        self.buffer.clear()

    def _emit(self, plain: bytes, final: bool) -> None:
        sealed = self.aead.encrypt(_nonce(self.counter, final), plain, self.ad)
        self.out.write(struct.pack(">BI", 1 if final else 0, len(sealed)) + sealed)
        self.counter += 1


def _station_code(ctx: Any) -> str:
    from station.models import Station

    with ctx.store.read() as s:
        station = s.get(Station, 1)
        return station.code if station else "?"


def make_backup(
    ctx: Any,
    out: Path,
    *,
    reason: str = "manual",
    progress: Progress | None = None,
) -> BackupInfo:
    """Write a backup of the logged-in station to ``out`` (complete, or nothing there)."""
    from station import __version__, database

    out = check_output(out.expanduser())
    data_dir: Path = ctx.data_dir
    needed = sum(
        (data_dir / name).stat().st_size
        for name in (DB_FILE, DB_FILE + "-wal")
        if (data_dir / name).exists()
    )
    free = shutil.disk_usage(out.parent).free
    if free < needed + 16 * 1024 * 1024:
        raise UsageError(
            f"{out.parent} 空间不足：备份约需 {needed // 2**20 + 16} MB，只剩 {free // 2**20} MB；"
            "请换一个有空间的位置或 U 盘",
            f"not enough room in {out.parent}: about {needed // 2**20 + 16} MB needed, "
            f"{free // 2**20} MB free",
        )
    # What a backup or restore stopped half way (power cut, kill) left behind.
    _remove_stale(data_dir, (".backup-*", ".restore-*"))
    _remove_stale(out.parent, (f".*{SUFFIX}.*.tmp", ".backup-*"))
    code = _station_code(ctx)
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    salt = os.urandom(16)
    header = {
        "format": FORMAT,
        "station": code,
        "created_at": created,
        "reason": reason,
        "app_version": __version__,
        "schema": database.schema_revision(ctx.store),
        "keyslots": json.loads((data_dir / KEYSLOT_FILE).read_text("utf-8")),
        "salt": base64.b64encode(salt).decode(),
        "chunk": CHUNK,
    }
    head = _head_bytes(header)
    # The snapshot (encrypted like the database) is made where the backup goes: a backup to
    # a USB disk must work when the station's own disk is full.
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=out.parent) as scratch:
        snapshot = Path(scratch) / DB_FILE
        ctx.store.snapshot(snapshot, progress)
        files = [(DB_FILE, snapshot)]
        if (data_dir / SETTINGS_FILE).exists():
            files.append((SETTINGS_FILE, data_dir / SETTINGS_FILE))
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(head)
                sealer = _Sealer(f, _key(ctx.db_key, salt), hashlib.sha256(head).digest())
                listed = [_add_file(sealer, name, path) for name, path in files]
                manifest = {"station": code, "created_at": created, "files": listed}
                _add_bytes(sealer, "manifest.json", _json(manifest))
                sealer.close()
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, out)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    fsync_dir(out.parent)
    return BackupInfo(out, code, created, reason, out.stat().st_size)


#: Scratch files and folders older than this belong to a backup that was stopped: no backup
#: takes an hour, not even 2 GB onto a slow USB stick.
STALE_SECONDS = 3600


def _remove_stale(folder: Path, patterns: tuple[str, ...]) -> None:
    now = dt.datetime.now().timestamp()
    for pattern in patterns:
        for path in folder.glob(pattern):
            try:
                if now - path.stat().st_mtime < STALE_SECONDS:
                    continue  # perhaps another process's backup, still running
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
            except OSError:
                continue


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _head_bytes(header: dict[str, Any]) -> bytes:
    body = _json(header)
    return MAGIC + struct.pack(">I", len(body)) + body


def _add_bytes(sealer: _Sealer, name: str, data: bytes) -> None:
    sealer.write(_json({"name": name, "size": len(data)}) + b"\n")
    sealer.write(data)


def _add_file(sealer: _Sealer, name: str, path: Path) -> dict[str, Any]:
    size = path.stat().st_size
    sealer.write(_json({"name": name, "size": size}) + b"\n")
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
            sealer.write(block)
    return {"name": name, "size": size, "sha256": digest.hexdigest()}


# --- automatic backups and their rotation --------------------------------------------------


def backup_dir(data_dir: Path) -> Path:
    return data_dir / BACKUP_DIR


def auto_backup(
    ctx: Any, reason: str, *, extra_dirs: tuple[Path, ...] = (), keep: int | None = None
) -> list[BackupInfo]:
    """A backup into the data folder's ``backups/`` (and each of ``extra_dirs``, such as a
    plugged-in removable drive), then rotation there: the last ``keep`` and one a day."""
    keep = keep or ctx.settings.backup_keep
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    made = []
    for folder in (backup_dir(ctx.data_dir), *extra_dirs):
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{_station_code(ctx)}-{stamp}-{reason}{SUFFIX}"
        made.append(make_backup(ctx, folder / name, reason=reason))
        rotate(folder, keep)
    return made


def rotate(folder: Path, keep: int) -> list[Path]:
    """Remove old backups: keep the newest ``keep`` and the newest of each day."""
    backups = sorted(folder.glob(f"*{SUFFIX}"), key=lambda p: p.name, reverse=True)
    kept_days: set[str] = set()
    removed = []
    for index, path in enumerate(backups):
        day = _day_of(path)
        if index < keep or (day and day not in kept_days):
            kept_days.add(day)
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _day_of(path: Path) -> str:
    # name: <station>-<YYYYMMDD>-<HHMMSS>-<reason>.zkbackup
    parts = path.name.removesuffix(SUFFIX).split("-")
    return next((p for p in parts if len(p) == 8 and p.isdigit()), "")


def last_backup(data_dir: Path) -> dt.datetime | None:
    """When the newest backup in the data folder was made (file time), if any."""
    folder = backup_dir(data_dir)
    times = [p.stat().st_mtime for p in folder.glob(f"*{SUFFIX}")] if folder.is_dir() else []
    return dt.datetime.fromtimestamp(max(times)) if times else None


# --- reading and restoring -----------------------------------------------------------------


def _refuse(code: str, zh: str, en: str) -> BackupRefused:
    return BackupRefused(code, zh, en)


def read_header(path: Path) -> tuple[dict[str, Any], bytes]:
    """The header and the bytes it covers, or a refusal naming what is wrong."""
    try:
        with path.open("rb") as f:
            magic = f.read(len(MAGIC))
            if magic != MAGIC:
                raise _refuse(
                    "not_a_backup", f"{path} 不是报名点备份文件", f"{path} is not a backup"
                )
            raw_len = f.read(4)
            if len(raw_len) < 4:
                raise _refuse("truncated", f"备份文件 {path} 不完整", f"{path} is truncated")
            (length,) = struct.unpack(">I", raw_len)
            if length > _MAX_HEADER:
                raise _refuse("damaged", f"备份文件 {path} 已损坏", f"{path} is damaged (header)")
            body = f.read(length)
    except FileNotFoundError:
        raise UsageError(f"文件 {path} 不存在", f"no file {path}") from None
    if len(body) < length:
        raise _refuse("truncated", f"备份文件 {path} 不完整", f"{path} is truncated")
    try:
        header = jsonio.loads(body)
        if not isinstance(header, dict):
            raise ValueError
    except ValueError:
        raise _refuse("damaged", f"备份文件 {path} 已损坏", f"{path} is damaged (header)") from None
    if not isinstance(header.get("format"), int) or header["format"] > FORMAT:
        raise _refuse(
            "newer",
            "这是更新版本程序做的备份，请先升级本程序",
            f"made by a newer program (format {header.get('format')}): upgrade first",
        )
    return header, MAGIC + struct.pack(">I", length) + body


def _backup_key(path: Path, head: bytes, salt: bytes, keys: list[bytes]) -> bytes:
    """Of the database keys a password opened, the one this backup was made under."""
    if len(keys) == 1:
        return keys[0]
    for key in keys:
        with path.open("rb") as f:
            f.seek(len(head))
            try:
                next(_chunks(f, _key(key, salt), hashlib.sha256(head).digest(), path))
            except BackupRefused:
                continue
            return key
    return keys[0]  # verify() then says what is wrong with the file


def _chunks(f: BinaryIO, key: bytes, ad: bytes, path: Path) -> Iterator[bytes]:
    aead = AESGCM(key)
    counter = 0
    while True:
        frame = f.read(5)
        if len(frame) < 5:
            raise _refuse("truncated", f"备份文件 {path} 不完整（被截断）", f"{path} is truncated")
        final, length = struct.unpack(">BI", frame)
        if final not in (0, 1) or length > CHUNK + 16:
            raise _refuse("damaged", f"备份文件 {path} 已损坏", f"{path} is damaged")
        sealed = f.read(length)
        if len(sealed) < length:
            raise _refuse("truncated", f"备份文件 {path} 不完整（被截断）", f"{path} is truncated")
        try:
            yield aead.decrypt(_nonce(counter, bool(final)), sealed, ad)
        except InvalidTag:
            raise _refuse(
                "damaged",
                f"备份文件 {path} 已被改动或损坏，不能使用",
                f"{path} was changed or is damaged",
            ) from None
        counter += 1
        if final:
            if f.read(1):
                raise _refuse("damaged", f"备份文件 {path} 末尾有多余内容", f"{path}: extra bytes")
            return


class _Plain(io.RawIOBase):
    """The decrypted stream, read like a file."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.buffer = b""

    def readable(self) -> bool:
        return True

    def read_exact(self, n: int) -> bytes:
        while len(self.buffer) < n:
            try:
                self.buffer += next(self.chunks)
            except StopIteration:
                break
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def readline(self, limit: int = 4096) -> bytes:  # type: ignore[override]
        while b"\n" not in self.buffer and len(self.buffer) < limit:
            try:
                self.buffer += next(self.chunks)
            except StopIteration:
                break
        line, sep, rest = self.buffer.partition(b"\n")
        self.buffer = rest
        return line + sep

    def at_end(self) -> bool:
        if self.buffer:
            return False
        for chunk in self.chunks:
            if chunk:
                self.buffer = chunk
                return False
        return True


def unwrap_key(header: dict[str, Any], login: str, password: str) -> bytes:
    """The database key from the header's key slots, for an operator or the recovery code.

    A backup made while a key rotation was cut short has both keys in its slots; the one
    under which this backup was made is the one whose first chunk opens (:func:`verify`)."""
    return unwrap_keys(header, login, password)[0]


def unwrap_keys(header: dict[str, Any], login: str, password: str) -> list[bytes]:
    from station.auth import normalise_login
    from station.keyslots import KeySlots

    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / KEYSLOT_FILE).write_text(json.dumps(header["keyslots"]), "utf-8")
        try:
            slots = KeySlots(Path(scratch)).load()
        except StationError:
            raise _refuse(
                "damaged", "备份中的密钥槽已损坏", "the backup's key slots are damaged"
            ) from None
        keys = slots.unwrap_keys(normalise_login(login), password)
    if not keys:
        raise _refuse(
            "wrong_password",
            "登录名或密码打不开这个备份（用备份时有效的账号，或恢复码 __recovery__）",
            "this login and password do not open the backup (use an account valid at the time)",
        )
    return keys


def verify(path: Path, login: str, password: str, into: Path | None = None) -> dict[str, Any]:
    """Check every byte of a backup; with ``into``, also unpack its files there. Returns the
    header with the manifest added."""
    header, head = read_header(path)
    salt = base64.b64decode(header["salt"])
    key = _backup_key(path, head, salt, unwrap_keys(header, login, password))
    files: dict[str, str] = {}
    with path.open("rb") as f:
        f.seek(len(head))
        plain = _Plain(_chunks(f, _key(key, salt), hashlib.sha256(head).digest(), path))
        manifest: dict[str, Any] | None = None
        while not plain.at_end():
            try:
                entry = jsonio.loads(plain.readline())
                name, size = str(entry["name"]), int(entry["size"])
            except (ValueError, KeyError, TypeError):
                raise _refuse(
                    "damaged", f"备份文件 {path} 内容格式不对", f"{path}: bad entry"
                ) from None
            if name == "manifest.json":
                manifest = jsonio.loads(plain.read_exact(size))
                continue
            if "/" in name or "\\" in name or name.startswith("."):
                raise _refuse("damaged", f"备份中有非法文件名 {name}", f"bad file name {name}")
            digest = hashlib.sha256()
            target = (into / name).open("wb") if into is not None else None
            try:
                left = size
                while left:
                    block = plain.read_exact(min(left, CHUNK))
                    if not block:
                        raise _refuse(
                            "truncated", f"备份文件 {path} 不完整", f"{path} is truncated"
                        )
                    digest.update(block)
                    if target is not None:
                        target.write(block)
                    left -= len(block)
            finally:
                if target is not None:
                    target.close()
            files[name] = digest.hexdigest()
    listed = {f["name"]: f["sha256"] for f in (manifest or {}).get("files", [])}
    if manifest is None or listed != files or DB_FILE not in files:
        raise _refuse("damaged", f"备份文件 {path} 的清单与内容不符", f"{path}: manifest mismatch")
    return {**header, "manifest": manifest, "db_key": key}


@dataclass(frozen=True, slots=True)
class RestoreResult:
    station: str
    created_at: str
    replaced: Path | None  # where the station that was there before was moved


def restore(
    path: Path, data_dir: Path, login: str, password: str, *, replace: bool = False
) -> RestoreResult:
    """Restore ``path`` into ``data_dir``: everything is checked before anything is touched,
    a station already there is kept aside (and only with ``replace``), never deleted."""
    from station import database
    from station.keyslots import KeySlots

    data_dir = data_dir.expanduser()
    live = KeySlots(data_dir).exists() or (data_dir / DB_FILE).exists()
    header, _head = read_header(path)
    if live:
        if not replace:
            raise UsageError(
                f"{data_dir} 中已有报名点；确要用备份替换它，请加 --replace（原数据会另存，不会删除）",
                f"{data_dir} holds a station; add --replace to put the backup in its place",
            )
        try:
            live_salt = json.loads((data_dir / KEYSLOT_FILE).read_text("utf-8")).get("salt")
        except (OSError, ValueError):
            live_salt = None
        if live_salt is not None and live_salt != header["keyslots"].get("salt"):
            raise _refuse(
                "foreign",
                f"这是另一个报名点（{header.get('station')}）的备份，不能恢复到本报名点",
                f"this is another station's backup ({header.get('station')})",
            )
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=data_dir) as scratch:
        staged = Path(scratch)
        checked = verify(path, login, password, into=staged)
        (staged / KEYSLOT_FILE).write_text(
            json.dumps(header["keyslots"], ensure_ascii=False, indent=1), "utf-8"
        )
        known = database.known_revisions()
        if header.get("schema") not in known:
            raise _refuse(
                "newer",
                "这是更新版本程序做的备份，请先升级本程序",
                f"the backup's schema {header.get('schema')} is newer than this program",
            )
        store = database.Store(staged, checked["db_key"])
        try:
            database.check_integrity(store, full=True)
            code = _station_code_of(store)
            # Where this copy's audit chain ends: if the county already holds a longer one
            # (the backup is older than the last export), `station resync` continues from here.
            database.set_state(store, RESTORED_AUDIT_SEQ, str(_audit_head_seq(store)))
        finally:
            store.close()
        if code != header.get("station"):
            raise _refuse("damaged", "备份内容与文件头不符", "the backup's station does not match")
        replaced = _set_aside(data_dir) if live else None
        for name in (DB_FILE, SETTINGS_FILE, KEYSLOT_FILE):
            if (staged / name).exists():
                os.replace(staged / name, data_dir / name)
        fsync_dir(data_dir)
    return RestoreResult(code, str(header.get("created_at")), replaced)


def _audit_head_seq(store: Any) -> int:
    from sqlalchemy import func, select

    from station.models import AuditEvent

    with store.read() as s:
        return s.scalar(select(func.max(AuditEvent.seq))) or 0


def _station_code_of(store: Any) -> str:
    from station.models import Station

    with store.read() as s:
        station = s.get(Station, 1)
        return station.code if station else "?"


def _set_aside(data_dir: Path) -> Path:
    aside = data_dir / f"replaced-{dt.datetime.now():%Y%m%d-%H%M%S}"
    aside.mkdir()
    for name in (DB_FILE, DB_FILE + "-wal", DB_FILE + "-shm", SETTINGS_FILE, KEYSLOT_FILE):
        if (data_dir / name).exists():
            os.replace(data_dir / name, aside / name)
    return aside
