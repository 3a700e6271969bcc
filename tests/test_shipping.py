"""What ships is the product: the wheel installed without the source tree, and the frozen
build, each complete one registration.

Both are slow (a wheel build, a PyInstaller build) and run in CI. The wheel goes into a fresh
virtual environment with ``--no-deps``; the dependencies come from the test environment's
site-packages through a ``.pth`` line, because downloading PySide6 and OpenCV again would
prove nothing about the project. The project itself is imported only from the wheel: the
commands run from a scratch folder, and each test checks where ``station`` was loaded from.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STATION_", "COUNTY_"))}
    env.pop("PYTHONPATH", None)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return {**env, **extra}


def _run(args: list[str | Path], cwd: Path, env: dict[str, str], ok: bool = True) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    if ok and done.returncode != 0:
        raise AssertionError(f"{args} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # From a copy: setuptools reuses an in-tree build/ folder, which can hold files that the
    # tree no longer has.
    source = tmp_path_factory.mktemp("source") / "tree"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "demo-station", "*.egg-info", "__pycache__", ".*cache"
        ),
    )
    out = tmp_path_factory.mktemp("wheel")
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, source],
        cwd=out,
        env=_env(),
    )
    (built,) = out.glob("registration_station-*.whl")
    return built


def test_the_wheel_carries_every_resource(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        f"station/_resources/{p.relative_to(ROOT / 'resources').as_posix()}"
        for p in (ROOT / "resources").rglob("*")
        if p.is_file()
    }
    assert shipped - names == set()
    assert "station/_resources/translations/station_zh_CN.qm" in names
    assert "station/migrations/versions/0001_initial_schema.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "station-desk = ui.launcher:desk" in text and "county = sync.county_cli:main" in text


def test_an_installed_wheel_completes_a_registration(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    _run([python, "-m", "pip", "install", "-q", "--no-deps", wheel], tmp_path, _env())
    site = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            tmp_path,
            _env(),
        ).strip()
    )
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "work"
    work.mkdir()
    home = work / "demo"
    env = _env(
        STATION_HOME=str(home),
        STATION_OPERATOR="admin",
        STATION_PASSWORD="demo-admin-2027",
        COUNTY_PASSPHRASE="county-pass-2027",
    )
    where = _run(
        [python, "-c", "import station, ui; print(station.__file__, ui.__file__)"], work, env
    )
    assert str(site) in where and str(ROOT) not in where, where

    station = bindir / "station"
    county = bindir / "county"
    _run([station, "demo", "--count", "4"], work, env)
    portrait = site / "station" / "_resources" / "demo" / "camera" / "portrait.jpg"
    assert json.loads(_run([station, "photo", "check", portrait, "--json"], work, env))["ok"]
    listed = json.loads(
        _run([station, "candidate", "list", "--state", "signed", "--json"], work, env)
    )
    _run(
        [station, "form", "print", listed[0]["registration_no"], "--out", work / "f.pdf"], work, env
    )
    assert (work / "f.pdf").read_bytes().startswith(b"%PDF")
    county_home = work / "county"
    _run(
        [
            county,
            "--data-dir",
            county_home,
            "keygen",
            "--county",
            "410105",
            "--name",
            "金水区",
            "--training",
        ],  # the demo station is a training station
        work,
        env,
    )
    _run([station, "key", "county", county_home / "county-public.json"], work, env)
    _run([station, "key", "export", "--out", work / "station.pub.json"], work, env)
    _run(
        [county, "--data-dir", county_home, "station", "add", work / "station.pub.json"], work, env
    )
    (work / "out").mkdir()
    _run([station, "batch", "export", "--out", work / "out"], work, env)
    (batch,) = (work / "out").glob("*.zkb")
    assert ": ok " in _run([county, "--data-dir", county_home, "verify", batch], work, env)


def test_the_frozen_build_passes_its_self_test(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "ERROR",
            "--workpath",
            tmp_path / "build",
            "--distpath",
            dist,
            ROOT / "build_installer.spec",
        ],
        ROOT,
        _env(),
    )
    (bundle,) = dist.iterdir()
    exe = ".exe" if os.name == "nt" else ""
    for name in ("station", "county", "station-desk"):
        assert (bundle / f"{name}{exe}").is_file(), name
    work = tmp_path / "work"
    work.mkdir()
    out = _run([bundle / f"station{exe}", "self-test"], work, _env())
    lines = [line for line in out.splitlines() if line.startswith("[")]
    assert len(lines) >= 12 and all("PASS" in line for line in lines), out
    assert "usage: county" in _run([bundle / f"county{exe}", "--help"], work, _env())
    # Nothing needs lrelease or a source tree: the bundle has the compiled translation.
    internal = bundle / "_internal"
    assert (internal / "station" / "_resources" / "translations" / "station_zh_CN.qm").is_file()
    size = sum(p.lstat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"frozen bundle: {size / 2**20:.0f} MiB")
