"""Shared fixtures: a small encrypted station per test, logged-in contexts per role."""

from __future__ import annotations

import os

# Before anything imports Qt: the suite runs without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest

from station import auth
from station.auth import Context
from station.roles import Role
from station.settings import save
from station.setup import init_station

from .factories import ADMIN, OPERATOR, SUPERVISOR, fast_settings


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
