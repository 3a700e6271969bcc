"""scripts/dev.py, the README's two commands: an install that is not repeated, and a desk
that either opens or says exactly which system packages are missing."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import dev  # noqa: E402

# What `ldd libqxcb.so` printed on a fresh Debian 12 with only Python installed.
LDD_BARE_DEBIAN = """\
\tlinux-vdso.so.1 (0x00007ffd6b5f2000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-cursor.so.0 => not found
\tlibxkbcommon-x11.so.0 => /lib/x86_64-linux-gnu/libxkbcommon-x11.so.0 (0x00007f1c)
\tlibwhatever.so.9 => not found
"""


def test_missing_libraries_are_read_from_ldd() -> None:
    assert dev.missing_libraries(LDD_BARE_DEBIAN) == [
        "libxcb-cursor.so.0",
        "libxcb-icccm.so.4",
        "libxcb-keysyms.so.1",
        "libwhatever.so.9",
    ]


def test_the_advice_names_the_exact_install_lines() -> None:
    debian, fedora, unknown = dev.packages_for(dev.missing_libraries(LDD_BARE_DEBIAN))
    advice = dev.qt_advice(debian, fedora, unknown, "")
    assert "sudo apt-get install -y libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in advice
    assert "sudo dnf install -y xcb-util-cursor xcb-util-wm xcb-util-keysyms" in advice
    assert "libwhatever.so.9" in advice


def test_the_readme_lists_the_packages_the_desk_needs_on_debian() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in readme


def test_without_a_display_the_demo_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    if sys.platform != "linux" or not dev.PYTHON.exists():
        pytest.skip("the check is for Linux desks set up by dev.py")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    assert dev.qt_can_start(env) is False
    assert "DISPLAY is not set" in capsys.readouterr().out
    assert dev.qt_can_start({**env, "QT_QPA_PLATFORM": "offscreen"}) is True


def test_nothing_is_reinstalled_when_nothing_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = tmp_path / "python"
    python.write_text("")
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(dev, "PYTHON", python)
    monkeypatch.setattr(dev, "STAMP", tmp_path / ".installed.json")
    monkeypatch.setattr(dev, "sh", lambda *a, **_k: calls.append(tuple(map(str, a))) or 0)
    dev.ensure_venv("test")
    dev.ensure_venv("test")
    dev.ensure_venv()  # the test install holds everything the demo needs
    assert len(calls) == 1 and calls[0][-1] == ".[test]"
    monkeypatch.setattr(dev, "_install_key", lambda: "pyproject.toml changed")
    dev.ensure_venv()
    assert len(calls) == 2 and calls[1][-1] == "."
