"""Station settings (``settings.json`` in the data directory) and where that directory is."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from station import jsonio
from station.errors import UsageError
from station.fileio import atomic_write_bytes
from station.validation import DEFAULT_AGE_RULES, AgeRule, Policy

APP_NAME = "registration-station"
SETTINGS_FILE = "settings.json"
LANGUAGES = ("zh_CN", "en")


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--data-dir``, else ``STATION_HOME``, else the platform's per-user data folder."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("STATION_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


@dataclass(slots=True)
class KdfParams:
    """Argon2id cost for password hashes and key slots (RFC 9106's second recommended
    option, 64 MiB, with t=3); a lower cost is for tests and the benchmark fixtures only."""

    time_cost: int = 3
    memory_cost: int = 65536  # KiB
    parallelism: int = 2


#: The least a settings.json may ask of Argon2id (OWASP's minimum: 19 MiB, t=2): below it an
#: edited settings file would let every new password hash and key slot be guessed quickly.
KDF_FLOOR = KdfParams(time_cost=2, memory_cost=19 * 1024, parallelism=1)
#: The most: a settings file must not make every login take minutes or all the memory.
KDF_CEILING = KdfParams(time_cost=10, memory_cost=1024 * 1024, parallelism=8)


@dataclass(slots=True)
class Settings:
    lockout_attempts: int = 5
    lockout_minutes: int = 5
    inactivity_minutes: int = 10
    # Fields: {yy} {yyyy} {county} (6 digits) {station} (2 digits) {serial}.
    registration_no_template: str = "{yy}{county}{station}{serial:04d}"
    age_rules: dict[str, list[int]] = field(
        default_factory=lambda: {k: [v.minimum, v.maximum] for k, v in DEFAULT_AGE_RULES.items()}
    )
    age_reference_date: str | None = None  # YYYY-MM-DD; default 1 June of the coming exam
    kdf: KdfParams = field(default_factory=KdfParams)
    language: str = "zh_CN"  # the desk's language: zh_CN or en
    # The ID-card reader: "" none, "demo" the demo reader, else a serial port (COM3, /dev/ttyUSB0).
    card_reader: str = ""
    # Photo profile name from resources/photo_profiles.json ("" = the first one there).
    photo_profile: str = ""
    # The camera: "" none, "demo" the demo pictures, else a device index ("0") for OpenCV.
    camera: str = ""
    camera_resolution: str = "640x480"  # what the camera is asked for (width x height)
    # How much goes to logs/station.log: DEBUG, INFO, WARNING or ERROR (station/logs.py).
    log_level: str = "INFO"
    # Automatic backups (station/backup.py): every this many minutes while the desk is open,
    # keeping the newest `backup_keep` and one a day in data/backups (and on a removable drive).
    backup_interval_minutes: int = 60
    backup_keep: int = 24
    # Where the registration form prints in one action: "" the system's default printer, a
    # printer's name (remembered when one is chosen in the print dialog), or "pdf:FOLDER" to
    # write each form as a PDF file into FOLDER (a desk without a printer of its own).
    printer: str = ""
    # Upload to the county (sync/upload.py): the intake service's address ("" = USB only) and
    # the SHA-256 of its TLS certificate, checked with the county by phone at setup (the
    # certificate itself is kept beside this file, intake-certificate.pem).
    intake_url: str = ""
    intake_pin: str = ""
    # The last day of collection (YYYY-MM-DD, normally the county's): the supervisor's
    # dashboard counts the days left and the records a day still needed.
    deadline: str = ""

    def policy(self, today: dt.date | None = None) -> Policy:
        ref = dt.date.fromisoformat(self.age_reference_date) if self.age_reference_date else None
        rules = {k: AgeRule(lo, hi) for k, (lo, hi) in self.age_rules.items()}
        return Policy(age_rules=rules, age_reference_date=ref, today=today)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Settings:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(raw) - known
        if unknown:
            raise UsageError(
                f"设置文件中有未知的项：{', '.join(sorted(unknown))}",
                f"unknown settings: {', '.join(sorted(unknown))}",
            )
        values = dict(raw)
        if "kdf" in values:
            kdf = values["kdf"]
            names = set(KdfParams.__dataclass_fields__)
            if not isinstance(kdf, dict) or not set(kdf) <= names:
                raise UsageError(
                    f"设置项 kdf 只能有 {', '.join(sorted(names))}",
                    f"setting kdf takes only {', '.join(sorted(names))}",
                )
            values["kdf"] = KdfParams(**kdf)
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse values of the wrong shape here, with the setting's name, not deep inside."""
        ints = (
            "lockout_attempts",
            "lockout_minutes",
            "inactivity_minutes",
            "backup_interval_minutes",
            "backup_keep",
        )
        for name in ints:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise UsageError(
                    f"设置项 {name} 应为正整数", f"setting {name} must be a positive integer"
                )
        for name in KdfParams.__dataclass_fields__:
            value = getattr(self.kdf, name)
            low, high = getattr(KDF_FLOOR, name), getattr(KDF_CEILING, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise UsageError(
                    f"设置项 kdf.{name} 应在 {low} 与 {high} 之间（密码保护强度的下限与上限）",
                    f"setting kdf.{name} must be between {low} and {high}",
                )
        if not isinstance(self.intake_url, str) or (
            self.intake_url and not self.intake_url.startswith(("http://", "https://"))
        ):
            raise UsageError(
                "设置项 intake_url 应为 https://… 或 http://… 地址",
                "setting intake_url must be an https:// or http:// address",
            )
        if not isinstance(self.intake_pin, str) or (
            self.intake_pin and not re.fullmatch(r"[0-9a-f]{64}", self.intake_pin)
        ):
            raise UsageError(
                "设置项 intake_pin 应为 64 位十六进制（证书 SHA-256）",
                "setting intake_pin must be 64 hex digits (the certificate's SHA-256)",
            )
        if self.deadline:
            try:
                dt.date.fromisoformat(self.deadline)
            except (TypeError, ValueError):
                raise UsageError(
                    "设置项 deadline 应为日期 YYYY-MM-DD", "setting deadline must be YYYY-MM-DD"
                ) from None
        for category, pair in self.age_rules.items():
            if not (
                isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, int) for v in pair)
            ):
                raise UsageError(
                    f"设置项 age_rules.{category} 应为 [最小年龄, 最大年龄]",
                    f"age_rules.{category} must be [min, max]",
                )
        if self.age_reference_date is not None:
            try:
                dt.date.fromisoformat(self.age_reference_date)
            except (TypeError, ValueError):
                raise UsageError(
                    "设置项 age_reference_date 应为 YYYY-MM-DD", "bad age_reference_date"
                ) from None
        if self.language not in LANGUAGES:
            raise UsageError(
                f"设置项 language 应为 {' 或 '.join(LANGUAGES)}",
                f"language must be one of {LANGUAGES}",
            )
        from station.logs import LEVELS

        if self.log_level not in LEVELS:
            raise UsageError(
                f"设置项 log_level 应为 {' / '.join(LEVELS)}",
                f"log_level must be one of {', '.join(LEVELS)}",
            )
        from station.regno import check_template

        check_template(self.registration_no_template)
        if not isinstance(self.printer, str) or len(self.printer) > 500:
            raise UsageError(
                "设置项 printer 应为打印机名称、空白（默认打印机）或 pdf:文件夹",
                "printer must be a printer's name, empty (the default) or pdf:FOLDER",
            )


def load(directory: Path) -> Settings:
    path = directory / SETTINGS_FILE
    if not path.exists():
        return Settings()
    try:
        raw = jsonio.loads(path.read_text(encoding="utf-8"))
        return Settings.from_dict(raw)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"设置文件 {path} 无法读取：{exc}", f"cannot read {path}: {exc}") from None


def save(directory: Path, settings: Settings) -> None:
    settings.check()  # never write a file that the next start would refuse to read
    text = json.dumps(asdict(settings), ensure_ascii=False, indent=2) + "\n"
    atomic_write_bytes(directory / SETTINGS_FILE, text.encode("utf-8"))
