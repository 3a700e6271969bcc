"""A full disk, for real: the station's data folder and its outputs on a small tmpfs filled to
0 B, 64 KiB, 1 MiB and 4 MiB free, while it saves, imports a roster, prints a form, exports a
batch and makes a backup. Every command ends with a reason (exit 1 or 2, never a traceback or
an "internal error"), and no file under its final name is partial.

Needs root (mount); skipped elsewhere. Slow: it mounts and fills a file system per case.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from station import audit, backup, seeding
from station.models import Candidate
from sync import batch_format as bf
from ui.launcher import main as station_main

from .factories import ADMIN, SUPERVISOR, record_for
from .sync_fixtures import install, login, make_county, make_station
from .test_roster import write_roster

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="mounts a tmpfs"),
]
SIZE_MB = 24


@contextlib.contextmanager
def small_disk(where: Path) -> Iterator[Path]:
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE_MB}m", "tmpfs", str(where)],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip("tmpfs cannot be mounted here")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(disk: Path, leave: int) -> None:
    with (disk / "filler").open("wb") as f:
        free = shutil.disk_usage(disk).free
        block = b"\0" * (1 << 20)
        while free - leave >= len(block):
            f.write(block)
            free -= len(block)
        with contextlib.suppress(OSError):
            f.write(b"\0" * max(0, free - leave))


def _run(capsys: pytest.CaptureFixture[str], station: Path, *args: str) -> tuple[int, str]:
    code = station_main(["--data-dir", str(station), *args])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "内部错误" not in err and "internal error" not in err, err
    return code, err


def _no_partial_files(disk: Path) -> None:
    for path in disk.rglob("*"):
        if not path.is_file() or path.name.startswith(".") or path.name == "filler":
            continue
        if path.suffix == ".zkb":
            bf.parse(path.read_bytes())
        elif path.suffix == ".pdf":
            data = path.read_bytes()
            assert data.startswith(b"%PDF") and b"%%EOF" in data[-1024:], path
        elif path.suffix == ".xlsx":
            assert zipfile.ZipFile(path).testzip() is None, path
        elif path.suffix == backup.SUFFIX:
            backup.verify(path, *ADMIN)


@pytest.mark.parametrize("leave", [0, 64 * 1024, 1 << 20, 4 << 20])
def test_a_full_disk_gets_a_reason_and_no_partial_file(
    leave: int, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    with small_disk(tmp_path / "disk") as disk:
        _keys, public = make_county(tmp_path / "county")
        station = make_station(disk, 17)
        install(station, public)
        with login(station) as ctx:
            seeding.seed(ctx, 3, "signed", rng_seed=1)
        roster = write_roster(tmp_path / "roster.xlsx", [record_for(i) for i in range(1, 40)])
        out = disk / "out"
        out.mkdir()
        with login(station) as ctx, ctx.store.read() as s:
            regno = s.scalar(select(Candidate.registration_no))
        monkeypatch.setenv("STATION_OPERATOR", ADMIN[0])
        monkeypatch.setenv("STATION_PASSWORD", ADMIN[1])
        _fill(disk, leave)

        results = {}
        record = tmp_path / "rec.json"
        record.write_text(__import__("json").dumps(record_for(90), default=str))
        results["save"] = _run(capsys, station, "candidate", "add", "--json-file", str(record))
        results["import"] = _run(capsys, station, "roster", "import", str(roster))
        # Reading needs no room: a supervisor can still look, verify and take a backup of
        # what is there (the backup to another disk) while the disk is full.
        for reading in (
            ("candidate", "list", "--state", "signed"),
            ("candidate", "show", regno),
            ("audit", "verify"),
            ("info",),
        ):
            code, err = _run(capsys, station, *reading)
            assert code == 0, (reading, err)
            # (Whether the login itself could be recorded depends on the room the key-slot
            # file's reserve gave back; test_auth covers the note when it could not.)
        # Guessing a password while the disk is full still counts towards the lockout.
        monkeypatch.setenv("STATION_OPERATOR", SUPERVISOR[0])
        monkeypatch.setenv("STATION_PASSWORD", "wrong-password")
        for _ in range(5):
            assert _run(capsys, station, "info")[0] == 1
        monkeypatch.setenv("STATION_PASSWORD", SUPERVISOR[1])
        code, err = _run(capsys, station, "info")
        assert code == 1 and "锁定" in err, err
        monkeypatch.setenv("STATION_OPERATOR", ADMIN[0])
        monkeypatch.setenv("STATION_PASSWORD", ADMIN[1])
        elsewhere = tmp_path / "usb" / "b.zkbackup"
        elsewhere.parent.mkdir()
        code, err = _run(capsys, station, "backup", "--out", str(elsewhere))
        assert code == 0, err  # the way out: a backup onto another disk
        backup.verify(elsewhere, *ADMIN)
        results["print"] = _run(
            capsys, station, "form", "print", regno, "--out", str(out / "f.pdf")
        )
        results["export"] = _run(capsys, station, "batch", "export", "--out", str(out))
        results["backup"] = _run(capsys, station, "backup", "--out", str(out / "b.zkbackup"))
        for what, (code, err) in results.items():
            assert code in (0, 1, 2), (what, code, err)
            if code:
                assert err.startswith("错误：") or "错误" in err, (what, err)
        _no_partial_files(disk)
        (disk / "filler").unlink()
        # With room again, the station works on: nothing was left half done.
        with login(station) as ctx, ctx.store.read() as s:
            assert audit.verify(s).ok
