#!/usr/bin/env python3
"""Set up and run the project with nothing but Python 3.11+.

    python3 scripts/dev.py demo   # install, create the demo station, open the desk
    python3 scripts/dev.py test   # install with test tools, lint, run the whole suite

Both create ``.venv`` beside pyproject.toml on first use and install the project into it
(editable) from pyproject.toml; nothing is installed outside that folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def sh(*args: str | Path, env: dict[str, str] | None = None) -> int:
    print("+", " ".join(str(a) for a in args), flush=True)
    return subprocess.call([str(a) for a in args], cwd=ROOT, env=env)


def ensure_venv(extras: str = "") -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be run by an older python3
        sys.exit("Python 3.11 or newer is required / 需要 Python 3.11 或更高版本")
    if not PYTHON.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    target = f".[{extras}]" if extras else "."
    if (
        sh(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target)
        != 0
    ):
        sys.exit("installing the project failed / 安装失败")


def demo(args: list[str]) -> int:
    ensure_venv()
    home = os.environ.get("STATION_HOME") or str(ROOT / "demo-station")
    env = {**os.environ, "STATION_HOME": home}
    station = BIN / ("station.exe" if os.name == "nt" else "station")
    if sh(station, "demo", env=env) != 0:
        return 1
    return sh(station, "gui", *args, env=env)


def test(args: list[str]) -> int:
    ensure_venv("test")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if sh(PYTHON, "-m", "ruff", "check", ".", env=env) != 0:
        return 1
    # pytest exits 5 when it collected no test: that is a failure here too.
    return sh(PYTHON, "-m", "pytest", *args, env=env)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test"}:
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    return demo(rest) if command == "demo" else test(rest)


if __name__ == "__main__":
    sys.exit(main())
