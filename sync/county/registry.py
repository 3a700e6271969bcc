"""Registration of a station at the county (报名点登记): its public signing key, once checked.

The fingerprint printed here is read out over the phone against the one the station prints
(``station key export``); only then may its batches be trusted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select

from station.errors import UsageError
from sync.county import db
from sync.keys import StationPublicKey


def register_station(engine: Engine, key: StationPublicKey, county: str) -> bool:
    """Store the station's key; True if new. A different key for a known station is refused:
    replacing a key is a deliberate act (remove the station first), never a side effect."""
    if key.county != county or not key.station.startswith(county + "-"):
        raise UsageError(
            f"报名点 {key.station} 不属于本县区 {county}",
            f"station {key.station} is not in county {county}",
        )
    with engine.begin() as conn:
        row = conn.execute(select(db.stations).where(db.stations.c.code == key.station)).first()
        if row is not None:
            if row.ed25519 != key.ed25519:
                raise UsageError(
                    f"报名点 {key.station} 已登记了另一把公钥",
                    f"station {key.station} is registered with another key",
                )
            return False
        conn.execute(
            db.stations.insert().values(
                code=key.station,
                county=key.county,
                name=key.name,
                ed25519=key.ed25519,
                fingerprint=key.fingerprint,
                registered_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            )
        )
    return True


def list_stations(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [
            {"station": r.code, "name": r.name, "fingerprint": r.fingerprint}
            for r in conn.execute(select(db.stations).order_by(db.stations.c.code))
        ]
