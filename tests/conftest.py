"""Shared fixtures: a small encrypted station per test, logged-in contexts per role."""

from __future__ import annotations

import os
import re
import threading

# Before anything imports Qt: the suite runs without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest

from station import auth
from station import passwords as passwords_mod
from station import settings as settings_mod
from station.auth import Context
from station.roles import Role
from station.settings import save
from station.setup import init_station

from .factories import ADMIN, FAST_KDF, OPERATOR, SUPERVISOR, fast_settings

# Stations made in this process may use a cheap Argon2 (FAST_KDF) to keep the suite fast.
# The product's floor is untouched: a CLI started as a subprocess refuses such a settings
# file, so those tests write factories.cli_settings().
settings_mod.KDF_FLOOR = FAST_KDF
passwords_mod.FINGERPRINT_COST = FAST_KDF  # likewise: the product's cost is ~30 ms each


@pytest.fixture
def station_dir(tmp_path: Path) -> Path:
    """An initialised station with an admin, a supervisor and an operator."""
    directory = tmp_path / "station"
    directory.mkdir()
    save(directory, fast_settings())
    init_station(
        directory,
        name="测试报名点",
        county_code="410105",
        number=3,
        admin_login=ADMIN[0],
        admin_password=ADMIN[1],
    )
    with auth.login(directory, *ADMIN) as ctx:
        auth.add_operator(ctx, SUPERVISOR[0], "审核员甲", Role.SUPERVISOR, SUPERVISOR[1])
        auth.add_operator(ctx, OPERATOR[0], "采集员乙", Role.OPERATOR, OPERATOR[1])
    return directory


def desk_work_ended() -> None:
    """The desk's operations still running end before their store closes."""
    import sys

    operations = sys.modules.get("ui.operations")
    if operations is not None:
        operations.wait_all(30)


@pytest.fixture(autouse=True)
def _desk_work_ends_before_its_store_closes(monkeypatch: pytest.MonkeyPatch) -> None:
    # As the desk's logout does (ui/app.py): a test that closes its context while a window
    # it opened is still reading or writing waits for that work first.
    close = Context.close

    def closing(self: Context) -> None:
        if threading.current_thread() is threading.main_thread():  # (the desk's own logout
            desk_work_ended()  # closes it in its worker, after the rest of the work ended)
        close(self)

    monkeypatch.setattr(Context, "close", closing)


class _NoPrinters:
    """The machine running the tests has no printer, whatever is installed on it."""

    @staticmethod
    def defaultPrinter() -> object:
        from PySide6.QtPrintSupport import QPrinterInfo

        return QPrinterInfo()

    @staticmethod
    def printerInfo(_name: str) -> object:
        from PySide6.QtPrintSupport import QPrinterInfo

        return QPrinterInfo()

    @staticmethod
    def defaultPrinterName() -> str:
        return ""


@pytest.fixture(autouse=True)
def _no_real_printer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's own printer must not print test forms: only "pdf:FOLDER" prints here.
    if "qtbot" in request.fixturenames or "qapp" in request.fixturenames:
        monkeypatch.setattr("ui.printing.QPrinterInfo", _NoPrinters)


@pytest.fixture
def admin_ctx(station_dir: Path) -> Iterator[Context]:
    with auth.login(station_dir, *ADMIN) as ctx:
        yield ctx


@pytest.fixture
def operator_ctx(station_dir: Path) -> Iterator[Context]:
    with auth.login(station_dir, *OPERATOR) as ctx:
        yield ctx


@pytest.fixture
def supervisor_ctx(station_dir: Path) -> Iterator[Context]:
    with auth.login(station_dir, *SUPERVISOR) as ctx:
        yield ctx


# --- no personal data in any log the suite wrote ---------------------------------------------

_HAN_PAIR = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]{2}")
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def personal_data_in_logs(root: Path) -> list[str]:
    """Lines of log files under ``root`` that hold a name (two Han characters in a row: the
    logs' own texts are English), a valid ID number or a mobile number."""
    from station import idnumber

    found = []
    for path in sorted(root.rglob("logs/*.log*")):
        for number, line in enumerate(path.read_text("utf-8", "replace").splitlines(), 1):
            ids = [
                m for m in _ID_LIKE.findall(line) if idnumber.check_char(m[:17]) == m[-1].upper()
            ]
            if _HAN_PAIR.search(line) or ids or _MOBILE.search(line):
                found.append(f"{path}:{number}: {line[:200]}")
    return found


@pytest.fixture(scope="session", autouse=True)
def _logs_hold_no_personal_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    yield
    from station import logs

    logs.stop()
    found = personal_data_in_logs(tmp_path_factory.getbasetemp())
    assert found == [], "personal data in log files:\n" + "\n".join(found[:20])
