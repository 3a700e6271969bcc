"""A county with two stations' records ingested and its review-desk users (no tests here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from station import seeding
from sync import station_side
from sync.county import accounts, db, ingest, registry
from sync.county.home import CountyHome
from sync.keys import read_private_key

from .sync_fixtures import COUNTY, PASSPHRASE, install, login, make_county, make_station

PASSWORDS = {
    "clerk1": "clerk-password-1",
    "clerk2": "clerk-password-2",
    "review1": "review-password-1",
    "admin1": "admin-password-1",
}


@dataclass
class CountyDesk:
    home: Path
    engine: Engine
    stations: list[Path]

    def candidates(self) -> list[dict[str, str]]:
        with self.engine.connect() as conn:
            return [
                dict(r._mapping)
                for r in conn.execute(
                    select(
                        db.candidates.c.station,
                        db.candidates.c.registration_no,
                        db.candidates.c.name,
                        db.candidates.c.id_number,
                        db.candidates.c.state,
                    ).order_by(db.candidates.c.station, db.candidates.c.registration_no)
                )
            ]


def make_desk(
    root: Path, counts: tuple[int, int] = (12, 8), db_url: str | None = None
) -> CountyDesk:
    """Stations 3 and 4 with signed records (some 分配生), exported and ingested; users of
    every role (a cheap Argon2 cost: the tests' own)."""
    accounts.hasher(1, 256, 1)
    home = root / "county"
    _keys, public = make_county(home)
    keys = read_private_key(home / "county-key.json", PASSPHRASE)
    engine = db.connect(db_url or db.default_url(home))
    inbox = root / "inbox"
    inbox.mkdir()
    stations, files = [], []
    for number, count in zip((3, 4), counts, strict=True):
        directory = make_station(root, number)
        install(directory, public)
        with login(directory) as ctx:
            seeding.seed(ctx, count, "signed", rng_seed=number)
            registry.register_station(engine, station_side.station_public_key(ctx), COUNTY)
            files += station_side.export_batches(ctx, inbox)
        stations.append(directory)
    outcomes = ingest.ingest_files(
        engine, keys, files, pending_dir=home / "pending", receipts_dir=home / "receipts"
    )
    assert {o.status for o in outcomes} == {"ok"}
    for name, password in PASSWORDS.items():
        role = {"c": "clerk", "r": "reviewer", "a": "admin"}[name[0]]
        accounts.add_user(engine, name, f"{role}-{name}", role, password)
    return CountyDesk(CountyHome(home).root, engine, stations)
