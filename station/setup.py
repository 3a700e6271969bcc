"""Creating a station (``station init``): keys, database, first admin."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from station import audit, auth, codes, database
from station import settings as settings_mod
from station.errors import UsageError
from station.keyslots import RECOVERY_LOGIN, KeySlots, new_db_key
from station.models import Operator, Station
from station.roles import Role


@dataclass(frozen=True, slots=True)
class InitResult:
    station_code: str
    recovery_code: str


def station_code(county_code: str, number: int) -> str:
    return f"{county_code}-{number:02d}"


def require_county(county_code: str) -> codes.Division:
    """The county (县区) a station or a county key belongs to: a GB/T 2260 code in use, at
    county level (or a prefecture-level city with no county under it)."""
    division = codes.divisions().get(county_code) if re.fullmatch(r"\d{6}", county_code) else None
    if division is None:
        raise UsageError(
            f"县区代码 {county_code} 不是现行的行政区划代码（GB/T 2260）",
            f"{county_code} is no division code in use (GB/T 2260)",
        )
    if not codes.is_smallest_unit(division):
        raise UsageError(f"{county_code} 不是县级行政区划代码", f"{county_code} is not a county")
    return division


def init_station(
    data_dir: Path,
    *,
    name: str,
    county_code: str,
    number: int,
    admin_login: str,
    admin_password: str,
    admin_display_name: str = "管理员",
    demo: bool = False,
    settings: settings_mod.Settings | None = None,
) -> InitResult:
    """Create the key slots, the encrypted database, the station row and the first admin.

    Nothing is left behind when a step fails: a half-made station would be worse than none.
    """
    conf = settings or settings_mod.load(data_dir)
    admin = auth.normalise_login(admin_login)
    auth.check_login_name(admin)
    auth.check_password_policy(admin, admin_password)
    require_county(county_code)
    if not 1 <= number <= 99:
        raise UsageError("报名点编号应为 1–99", "the station number must be 1-99")
    if not name.strip():
        raise UsageError("请填写报名点名称", "a station name is required")

    slots = KeySlots(data_dir)
    if slots.exists() or (data_dir / database.DB_FILE).exists():
        raise UsageError(
            f"{data_dir} 中已有报名点，不能重复初始化", f"{data_dir} holds a station already"
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(data_dir, 0o700)  # the data is encrypted; its shape need not be public either
    if settings is not None:
        settings_mod.save(data_dir, conf)
    key = new_db_key()
    recovery = auth.new_recovery_code()
    code = station_code(county_code, number)
    try:
        # The slot file is written last, when the with-block ends without an exception:
        # until it exists the station does not exist.
        with slots.creating(), database.create(data_dir, key) as store, store.session() as s:
            slots.put(admin, admin_password, key, conf.kdf)
            slots.put(RECOVERY_LOGIN, recovery, key, conf.kdf)
            signing = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
            s.add(
                Station(
                    id=1,
                    code=code,
                    name=name.strip(),
                    county_code=county_code,
                    number=number,
                    signing_key=signing,
                    is_demo=demo,
                )
            )
            s.add(
                Operator(
                    login=admin,
                    display_name=admin_display_name,
                    role=Role.ADMIN.value,
                    password_hash=auth.hasher(conf.kdf).hash(admin_password),
                )
            )
            audit.append(
                s, admin, "station_init", detail={"station": code, "name": name, "demo": demo}
            )
    except BaseException:
        for leftover in (database.DB_FILE, database.DB_FILE + "-wal", database.DB_FILE + "-shm"):
            (data_dir / leftover).unlink(missing_ok=True)
        raise
    return InitResult(code, recovery)
