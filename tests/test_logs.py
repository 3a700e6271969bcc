"""The log file: where it is, what it holds, what it never holds (names, ID numbers)."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from station import idnumber, logs
from station.settings import Settings

from .conftest import personal_data_in_logs

ID = idnumber.make("410105", __import__("datetime").date(2011, 3, 4), 123)


@pytest.fixture
def log_dir(tmp_path: Path) -> Iterator[Path]:
    logs.configure(tmp_path, "station", "DEBUG")
    yield tmp_path
    logs.stop()


def test_names_ids_and_phones_are_masked() -> None:
    masked = logs.mask(f"王𪚥 阿依古丽·买买提 {ID}, 13800138000")
    assert masked == "王＊ 阿＊＊＊＊＊＊＊ " + "*" * 14 + ID[-4:] + ", 138****8000"
    # Longer digit and hex runs (hashes, timestamps) are not ID numbers: left alone.
    assert logs.mask(f"0x{ID}ab 20260101") == f"0x{ID}ab 20260101"


def test_messages_arguments_and_tracebacks_reach_the_file_masked(log_dir: Path) -> None:
    log = logging.getLogger("station.test")
    log.info("saved candidate %s (%s)", "张三丰", ID)
    try:
        raise ValueError(f"bad record for 李四 {ID}")
    except ValueError:
        log.exception("import failed")
    text = (log_dir / "logs" / "station.log").read_text("utf-8")
    assert "INFO" in text and "Traceback" in text and "ValueError" in text
    assert "张三丰" not in text and "李四" not in text and ID not in text
    assert personal_data_in_logs(log_dir) == []


def test_the_scan_finds_what_was_not_masked(tmp_path: Path) -> None:
    # The suite-wide check (tests/conftest.py) must be able to fail.
    (tmp_path / "logs").mkdir()
    planted = tmp_path / "logs" / "station.log"
    planted.write_text(f"x 王小明 {ID}\n", "utf-8")
    assert len(personal_data_in_logs(tmp_path)) == 1
    planted.unlink()  # or the suite-wide check would find it too


def test_nothing_is_made_until_something_is_logged(tmp_path: Path) -> None:
    logs.configure(tmp_path, "station")
    try:
        logging.getLogger("station.test").debug("below the level")
        assert not (tmp_path / "logs").exists()
    finally:
        logs.stop()


def test_the_level_is_a_setting() -> None:
    from station.errors import UsageError

    assert Settings().log_level == "INFO"
    with pytest.raises(UsageError, match="log_level"):
        Settings.from_dict({"log_level": "LOUD"})


def test_the_file_rotates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 2000)
    logs.configure(tmp_path, "station")
    try:
        for i in range(100):
            logging.getLogger("station.test").info("line %d %s", i, "x" * 50)
    finally:
        logs.stop()
    files = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert files[0] == "station.log" and "station.log.1" in files
    assert len(files) == logs.BACKUPS + 1


def test_county_commands_log_to_the_county_folder(tmp_path: Path) -> None:
    county = tmp_path / "county"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sync.county_cli",
            "--data-dir",
            str(county),
            "verify",
            str(tmp_path / "missing.zkb"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    from sync import county_cli

    # A county folder that does not exist yet is a usage error, not a crash.
    assert county_cli.main(["--data-dir", str(county), "station", "list"]) == 2
    logging.getLogger("sync.test").warning("county side")
    logs.stop()
    assert "county side" in (county / "logs" / "county.log").read_text("utf-8")
