"""The demo station's training county (演示县区): so that a newcomer can try the whole
exchange on the built-in demo station (export a batch, verify and ingest it at the county,
bring the receipt back) without making and trading keys by hand.

``station demo`` makes it once, in the folder beside the demo station's (``NAME-county``):
a *training* county key pair (a training county takes only a training or demo station's
batches, and a real county never takes theirs), its public key installed in the demo
station, and the demo station registered in the county's SQLite database. Its passphrase is
printed with the demo accounts: it guards nothing real.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from station.auth import Context
from station.errors import UsageError
from sync.keys import CountyKeys, CountyPublicKey, StationPublicKey

PASSPHRASE = "demo-county-2027"  # printed with the demo accounts (station demo)
NAME = "演示县区（培训）"
USB = "usb"  # the folder that stands for the USB stick between the two


@dataclass(frozen=True, slots=True)
class DemoCounty:
    home: Path
    key: CountyPublicKey
    made: bool  # False: it was there already

    @property
    def usb(self) -> Path:
        return self.home / USB


def home_for(station_dir: Path) -> Path:
    """The demo county's folder: beside the demo station's, named after it."""
    station_dir = station_dir.resolve()  # "." has no name to add to
    return station_dir.with_name(station_dir.name + "-county")


def ensure(ctx: Context, home: Path) -> DemoCounty:
    """The demo county in ``home``, made if it is not there, its key installed in the demo
    station (``ctx``, an admin's) and the station registered with it. A demo county that
    holds another key for this station (the demo station was made again) is put aside and
    made anew: it holds the old station's training batches, which the new one cannot
    continue."""
    from sync import station_side
    from sync.county import db
    from sync.county.home import CountyHome
    from sync.county.registry import register_station
    from sync.keys import read_county_public

    county_home = CountyHome(home)
    station_key = station_side.station_public_key(ctx)
    if county_home.private_key.exists() and _holds_another(home, station_key):
        if read_county_public(county_home.public_key).name != NAME:
            raise UsageError(
                f"{home} 是另一个县区的数据目录，演示报名点不能使用",
                f"{home} holds another county, not the demo's",
            )
        home.rename(home.with_name(f"{home.name}.old-{dt.datetime.now():%Y%m%d-%H%M%S}"))
    made = not county_home.private_key.exists()
    if made:
        with ctx.store.read() as s:
            county = station_side.station_row(s).county_code
        county_home.write_keys(CountyKeys.generate(county, NAME, training=True), PASSPHRASE)
    key = read_county_public(county_home.public_key)
    with ctx.store.read() as s:
        installed = station_side.station_row(s).county_public_key
    if installed != key.raw:  # once: each install is an event in the station's audit chain
        station_side.install_county_key(ctx, county_home.public_key)
    engine = db.connect(db.default_url(home))
    try:
        register_station(engine, station_key, key.county)
    finally:
        engine.dispose()
    (home / USB).mkdir(exist_ok=True)
    return DemoCounty(home, key, made)


def _holds_another(home: Path, station_key: StationPublicKey) -> bool:
    """Whether the county in ``home`` has registered another key for this station."""
    from sync.county import db

    engine = db.connect(db.default_url(home))
    try:
        with engine.connect() as conn:
            row = db.station_row(conn, station_key.station)
    finally:
        engine.dispose()
    return row is not None and row.ed25519 != station_key.ed25519
