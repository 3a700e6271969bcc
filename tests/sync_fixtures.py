"""Shared builders for the sync tests: stations, a county, keys (no tests of its own)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, func, select

from station import auth
from station.auth import Context
from station.roles import Role
from station.settings import save
from station.setup import init_station
from sync import station_side
from sync.county import db
from sync.keys import CountyKeys, Kdf, private_key_json

from .factories import ADMIN, SUPERVISOR, cli_settings

COUNTY = "410105"
PASSPHRASE = "county-passphrase-2027"
FAST = Kdf(time_cost=1, memory_cost=256, parallelism=1)


def make_station(root: Path, number: int) -> Path:
    directory = root / f"station{number}"
    directory.mkdir(parents=True)
    save(directory, cli_settings())
    init_station(
        directory,
        name=f"测试报名点{number}",
        county_code=COUNTY,
        number=number,
        admin_login=ADMIN[0],
        admin_password=ADMIN[1],
    )
    with auth.login(directory, *ADMIN) as ctx:
        auth.add_operator(ctx, SUPERVISOR[0], "审核员甲", Role.SUPERVISOR, SUPERVISOR[1])
    return directory


@contextmanager
def login(directory: Path, who: tuple[str, str] = ADMIN) -> Iterator[Context]:
    with auth.login(directory, *who) as ctx:
        yield ctx


def make_county(root: Path) -> tuple[CountyKeys, Path]:
    """Keys (fast KDF) written like ``county keygen`` does, in ``root``."""
    keys = CountyKeys.generate(COUNTY, "郑州市金水区教育局")
    root.mkdir(parents=True, exist_ok=True)
    (root / "county-key.json").write_text(private_key_json(keys, PASSPHRASE, FAST), "utf-8")
    (root / "county-public.json").write_text(keys.public.to_json(), "utf-8")
    return keys, root / "county-public.json"


def install(directory: Path, county_public: Path) -> None:
    with login(directory) as ctx:
        station_side.install_county_key(ctx, county_public)


def county_beside(root: Path, *stations: Path) -> tuple[CountyKeys, Engine]:
    """A county in ``root / "county"`` (keys, database) whose key each of ``stations`` has
    installed and where each is registered: the exchange's starting point."""
    from sync.county import registry

    keys, public = make_county(root / "county")
    engine = db.connect(db.default_url(root / "county"))
    for directory in stations:
        install(directory, public)
        with login(directory) as ctx:
            registry.register_station(engine, station_side.station_public_key(ctx), COUNTY)
    return keys, engine


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.scalar(select(func.count()).select_from(t)) or 0
            for t in db.metadata.sorted_tables
        }


# --- a throwaway PostgreSQL cluster --------------------------------------------------------


def postgres_bindir() -> Path | None:
    import shutil
    import subprocess

    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        if out and (Path(out) / "initdb").exists():
            return Path(out)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return found[0].parent if found else None


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def postgres_cluster(bindir: Path) -> Iterator[str]:
    """initdb + pg_ctl in a temporary folder, 127.0.0.1 only; yields a SQLAlchemy URL."""
    import os
    import pwd
    import shutil
    import subprocess
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="county-pg-"))
    data = root / "data"
    prefix: list[str] = []
    if os.geteuid() == 0:
        # initdb refuses to run as root: run the cluster as an unprivileged account.
        user = "postgres" if _has_user("postgres") else "nobody"
        pw = pwd.getpwnam(user)
        os.chown(root, pw.pw_uid, pw.pw_gid)
        prefix = ["runuser", "-u", user, "--"]
    port = _free_port()
    log = root / "server.log"
    run = lambda *cmd: subprocess.run([*prefix, *cmd], check=True, capture_output=True, timeout=60)  # noqa: E731
    run(
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        "county",
        "--auth=trust",
        "-E",
        "UTF8",
        "--no-instructions",
    )
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start")
    try:
        yield f"postgresql+psycopg://county@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


def _has_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@contextmanager
def postgres_or_skip() -> Iterator[str]:
    """A throwaway cluster's URL; the test is skipped without the server binaries, and
    fails instead when CI is set (.ci/run installs them)."""
    import os

    import pytest

    bindir = postgres_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but no PostgreSQL server binaries (initdb, pg_ctl) were found")
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    with postgres_cluster(bindir) as url:
        yield url
