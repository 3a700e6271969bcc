"""The county's data folder (``--data-dir`` / ``COUNTY_HOME``): key files, database, queues."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from station.errors import UsageError
from sync.county import db
from sync.keys import CountyKeys, private_key_json, read_private_key

PRIVATE_FILE = "county-key.json"
PUBLIC_FILE = "county-public.json"


@dataclass(frozen=True, slots=True)
class CountyHome:
    root: Path

    @classmethod
    def resolve(cls, data_dir: str | None) -> CountyHome:
        chosen = data_dir or os.environ.get("COUNTY_HOME")
        if not chosen:
            raise UsageError(
                "请用 --data-dir 或环境变量 COUNTY_HOME 指定县区数据目录",
                "give the county data folder with --data-dir or COUNTY_HOME",
            )
        root = Path(chosen)
        if root.exists() and not root.is_dir():
            raise UsageError(
                f"县区数据目录 {root} 不是目录", f"the county data folder {root} is a file"
            )
        return cls(root)

    @property
    def private_key(self) -> Path:
        return self.root / PRIVATE_FILE

    @property
    def public_key(self) -> Path:
        return self.root / PUBLIC_FILE

    @property
    def pending(self) -> Path:
        return self.root / "pending"

    @property
    def receipts(self) -> Path:
        return self.root / "receipts"

    def db_url(self, url: str | None) -> str:
        return url or os.environ.get("COUNTY_DB") or db.default_url(self.root)

    def write_keys(self, keys: CountyKeys, passphrase: str) -> None:
        """The new key pair's two files: the private one sealed with ``passphrase`` and
        readable by the owner only, never over an existing one."""
        text = private_key_json(keys, passphrase)  # a passphrase refused: nothing written
        existing = self.key_file()
        if existing is not None:
            raise FileExistsError(errno.EEXIST, "a county key is there already", existing)
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.private_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        with open(self.public_key, "x", encoding="utf-8") as f:  # "x": as O_EXCL above
            f.write(keys.public.to_json())

    def key_file(self) -> Path | None:
        """Either half of a county key already here (the private one may be kept offline,
        the public one left): a new key is never written over it."""
        return next((p for p in (self.private_key, self.public_key) if p.exists()), None)

    def keys(self, passphrase: str) -> CountyKeys:
        if not self.private_key.exists():
            raise self.not_a_county()
        return read_private_key(self.private_key, passphrase)

    def is_county(self) -> bool:
        """Holds a county's key (private, or public only: the private one kept offline) or
        its database (``county keygen`` made it)."""
        return self.key_file() is not None or (self.root / db.DB_FILE).exists()

    def not_a_county(self) -> UsageError:
        """Why this folder is no county's, and what to do: a station's folder given by
        mistake (the two lie side by side) is named as such, not offered a new key."""
        if (self.root / "keyslots.json").exists() or (self.root / "station.db").exists():
            return UsageError(
                f"{self.root} 是报名点的数据目录，不是县区的：--data-dir（或 COUNTY_HOME）"
                f"应指向县区数据目录（其中有 {PRIVATE_FILE}）",
                f"{self.root} is a station's data folder, not the county's: point --data-dir"
                f" (or COUNTY_HOME) at the county's folder (the one with {PRIVATE_FILE})",
            )
        if self.public_key.exists():  # a county whose private key is kept offline
            return UsageError(
                f"{self.root} 中没有县区私钥 {PRIVATE_FILE}（可能离线保存）：请把它放回再运行",
                f"no county private key {PRIVATE_FILE} in {self.root} (kept offline?): put it"
                " back for this command",
            )
        return UsageError(
            f"{self.root} 中没有县区密钥：--data-dir（或 COUNTY_HOME）应指向县区数据目录"
            f"（其中有 {PRIVATE_FILE}）；新县区请先运行 county keygen",
            f"no county key in {self.root}: point --data-dir (or COUNTY_HOME) at the county's"
            f" folder (the one with {PRIVATE_FILE}), or run `county keygen` for a new county",
        )
