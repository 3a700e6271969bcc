#!/usr/bin/env python3
"""The frozen build: size by component, build time, self-test time, start-up time.

    .venv/bin/python benchmarks/bench_bundle.py [--dist DIR]

Builds ``build_installer.spec`` into a scratch folder (or measures an existing bundle with
``--dist``), then prints a Markdown table for docs/benchmarks.md. Start-up is measured as a
ratio to a bare baseline in the same run: ``station --help`` of the bundle against
``python -c pass`` of the interpreter that built it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _size(path: Path) -> int:
    """Bytes on disk, as ``du`` counts them: the bundle's symlinks point into itself."""
    if path.is_symlink():
        return 0
    if path.is_file():
        return path.stat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _timed(args: list[str], runs: int, env: dict[str, str]) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True, env=env)
        out.append(time.perf_counter() - start)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dist", type=Path, help="an existing bundle folder")
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    build_seconds = None
    with tempfile.TemporaryDirectory() as scratch:
        bundle = args.dist
        if bundle is None:
            start = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "PyInstaller",
                    "--noconfirm",
                    "--log-level",
                    "ERROR",
                    "--workpath",
                    f"{scratch}/build",
                    "--distpath",
                    f"{scratch}/dist",
                    str(ROOT / "build_installer.spec"),
                ],
                check=True,
            )
            build_seconds = time.perf_counter() - start
            (bundle,) = Path(scratch, "dist").iterdir()
        internal = bundle / "_internal"
        parts = sorted(((_size(p), p.name) for p in internal.iterdir()), reverse=True)
        exes = sum(_size(p) for p in bundle.iterdir() if p.is_file())
        total = _size(bundle)
        start = time.perf_counter()
        subprocess.run(
            [str(bundle / "station"), "self-test"], check=True, capture_output=True, env=env
        )
        self_test = time.perf_counter() - start
        baseline = _timed([sys.executable, "-c", "pass"], 7, env)
        helps = _timed([str(bundle / "station"), "--help"], 7, env)
    mib = 2**20
    print(f"| bundle ({bundle.name}) | {total / mib:.0f} MiB |")
    if build_seconds is not None:
        print(f"| build (PyInstaller, clean work folder) | {build_seconds:.0f} s |")
    print(f"| three executables (each carries the Python archive) | {exes / mib:.0f} MiB |")
    for size, name in parts[:8]:
        print(f"| `_internal/{name}` | {size / mib:.0f} MiB |")
    print(f"| `station self-test` (12 steps, real Argon2 costs) | {self_test:.1f} s |")
    b, h = statistics.median(baseline), statistics.median(helps)
    print(
        f"| `station --help` from the bundle vs `python -c pass` | "
        f"{h * 1000:.0f} ms vs {b * 1000:.0f} ms: {h / b:.1f}x |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
