#!/usr/bin/env python3
"""Set up and run the project with nothing but Python 3.11+.

    python3 scripts/dev.py demo   # install, create the demo station, open the desk
    python3 scripts/dev.py test   # install with test tools, lint, run the whole suite

Both create ``.venv`` beside pyproject.toml on first use and install the project into it
(editable) from pyproject.toml; nothing is installed outside that folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed.json"  # what the last install was made from


def sh(*args: str | Path, env: dict[str, str] | None = None) -> int:
    print("+", " ".join(str(a) for a in args), flush=True)
    return subprocess.call([str(a) for a in args], cwd=ROOT, env=env)


def _install_key() -> str:
    """What an install depends on: the project's own packaging files and the interpreter."""
    digest = hashlib.sha256(sys.version.encode())
    for name in ("pyproject.toml", "setup.py"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_venv(extras: str = "") -> None:
    """Create ``.venv`` and install the project (editable) unless it is already installed
    from the same pyproject.toml and setup.py with these extras: a second run is instant."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be run by an older python3
        sys.exit("Python 3.11 or newer is required / 需要 Python 3.11 或更高版本")
    if not PYTHON.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = {e for e in extras.split(",") if e}
    try:
        stamp = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        stamp = {}
    if stamp.get("key") == _install_key() and wanted <= set(stamp.get("extras", [])):
        return
    target = f".[{extras}]" if extras else "."
    if (
        sh(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target)
        != 0
    ):
        sys.exit("installing the project failed / 安装失败")
    STAMP.write_text(json.dumps({"key": _install_key(), "extras": sorted(wanted)}))


def demo(args: list[str]) -> int:
    ensure_venv()
    home = os.environ.get("STATION_HOME") or str(ROOT / "demo-station")
    env = {**os.environ, "STATION_HOME": home}
    station = BIN / ("station.exe" if os.name == "nt" else "station")
    if not qt_can_start(env):
        return 1
    if sh(station, "demo", env=env) != 0:
        return 1
    return sh(station, "gui", *args, env=env)


# --- can Qt open a window here? ---------------------------------------------------------------

#: Libraries Qt's xcb platform plugin loads, by soname: (Debian/Ubuntu package, Fedora package).
#: Qt's own message names only libxcb-cursor0; `ldd` on the plugin names the rest.
QT_SYSTEM_LIBS = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
}


def missing_libraries(ldd_output: str) -> list[str]:
    """Sonames that ``ldd`` could not resolve, in its order, each once."""
    found: list[str] = []
    for line in ldd_output.splitlines():
        name, _, where = line.strip().partition(" => ")
        if where.strip() == "not found" and name not in found:
            found.append(name)
    return found


def packages_for(sonames: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(Debian packages, Fedora packages, sonames this table does not know)."""
    debian: list[str] = []
    fedora: list[str] = []
    unknown: list[str] = []
    for soname in sonames:
        if soname not in QT_SYSTEM_LIBS:
            unknown.append(soname)
            continue
        deb, rpm = QT_SYSTEM_LIBS[soname]
        debian += [deb] if deb not in debian else []
        fedora += [rpm] if rpm not in fedora else []
    return debian, fedora, unknown


def _qt_starts(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    probe = "import sys\nfrom PySide6.QtWidgets import QApplication\nQApplication(sys.argv)\n"
    return subprocess.run([str(PYTHON), "-c", probe], env=env, capture_output=True, text=True)


def _xcb_plugin() -> Path:
    out = subprocess.run(
        [
            str(PYTHON),
            "-c",
            "import PySide6, pathlib; print(pathlib.Path(PySide6.__file__).parent)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip()) / "Qt" / "plugins" / "platforms" / "libqxcb.so"


def qt_can_start(env: dict[str, str]) -> bool:
    """Whether the desk's window can open here; if not, say exactly why and what to install
    (and, as root with apt-get, install it)."""
    if sys.platform != "linux" or _qt_starts(env).returncode == 0:
        return True
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        print(
            "没有图形显示，图形界面无法打开：请在桌面上运行，或设置 QT_QPA_PLATFORM=offscreen。\n"
            "There is no display to open the desk on: run this on the desktop (DISPLAY is not "
            "set), or set QT_QPA_PLATFORM=offscreen to run without a screen."
        )
        return False
    plugin = _xcb_plugin()
    ldd = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True).stdout
    debian, fedora, unknown = packages_for(missing_libraries(ldd))
    if debian and os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"+ apt-get install -y {' '.join(debian)}", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", *debian], check=False)
        if _qt_starts(env).returncode == 0:
            return True
    print(qt_advice(debian, fedora, unknown, _qt_starts(env).stderr))
    return False


def qt_advice(debian: list[str], fedora: list[str], unknown: list[str], qt_said: str) -> str:
    lines = [
        "图形界面无法启动：Qt 需要的系统库缺失。/ The desk cannot start: Qt needs system "
        "libraries that are missing."
    ]
    if debian:
        lines.append(f"Debian/Ubuntu:  sudo apt-get install -y {' '.join(debian)}")
    if fedora:
        lines.append(f"Fedora:         sudo dnf install -y {' '.join(fedora)}")
    if unknown:
        lines.append(f"also missing (install the package that provides them): {' '.join(unknown)}")
    if not (debian or fedora or unknown):
        lines.append("Qt said / Qt 的提示：\n" + qt_said.strip())
    return "\n".join(lines)


def test(args: list[str]) -> int:
    ensure_venv("test")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if sh(PYTHON, "-m", "ruff", "check", ".", env=env) != 0:
        return 1
    if sh(PYTHON, "-m", "mypy", env=env) != 0:  # station/, sync/ and ui/ ([tool.mypy] files)
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
