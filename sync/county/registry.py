"""Registration of a station at the county (报名点登记): its public signing key, once checked.

The fingerprint printed here is read out over the phone against the one the station prints
(``station key export``); only then may its batches be trusted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from station.errors import UsageError
from station.fileio import atomic_write_bytes, check_output
from sync.county import db, intake
from sync.keys import CountyKeys, StationPublicKey, sign_document

#: The signed document a restored station resyncs from (``station resync``).
STATION_STATE = "zk-station-state"


def register_station(
    engine: Engine, key: StationPublicKey, county: str, *, replace: bool = False
) -> bool:
    """Store the station's key; True if new or replaced. A different key for a known station
    is refused unless ``replace``: a deliberate act after the fingerprint was read out over
    the phone (``county station add --replace``), e.g. for a station restored from a backup
    made before its signing-key hand-over (docs/batch-format.md §7b). The batches held stay;
    the next batch must be signed by the new key and continue the chain as before."""
    if key.county != county or not key.station.startswith(county + "-"):
        raise UsageError(
            f"报名点 {key.station} 不属于本县区 {county}",
            f"station {key.station} is not in county {county}",
        )
    with engine.begin() as conn:
        row = db.station_row(conn, key.station)
        if row is not None:
            if row.ed25519 == key.ed25519:
                return False
            if not replace:
                raise UsageError(
                    f"报名点 {key.station} 已登记了另一把公钥（与报名点电话核对指纹后，"
                    "可用 county station add --replace 换用新公钥）",
                    f"station {key.station} is registered with another key (after checking "
                    "the fingerprint by phone: county station add --replace)",
                )
            conn.execute(
                db.stations.update()
                .where(db.stations.c.code == key.station)
                .values(ed25519=key.ed25519, fingerprint=key.fingerprint, name=key.name)
            )
            return True
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
        disabled = dict(
            conn.execute(select(db.station_access.c.code, db.station_access.c.reason)).all()
        )
        return [
            {
                "station": r.code,
                "name": r.name,
                "fingerprint": r.fingerprint,
                "disabled": disabled.get(r.code),
            }
            for r in conn.execute(select(db.stations).order_by(db.stations.c.code))
        ]


def station_state(engine: Engine, keys: CountyKeys, station: str, out: Path) -> dict[str, Any]:
    """Write the county's signed view of one station (报名点状态): the last batch accepted,
    the audit head held, and every (报名号, version) held, for ``station resync``."""
    check_output(out)
    with engine.connect() as conn:
        if (
            conn.execute(select(db.stations.c.code).where(db.stations.c.code == station)).first()
            is None
        ):
            raise UsageError(f"报名点 {station} 未登记", f"station {station} is not registered")
        chain = intake.chain_state(conn, station)
        audit_last = conn.scalar(
            select(func.max(db.audit_events.c.seq)).where(db.audit_events.c.station == station)
        )
        held = conn.execute(
            select(db.versions.c.registration_no, db.versions.c.version)
            .where(db.versions.c.station == station)
            .order_by(db.versions.c.registration_no, db.versions.c.version)
        ).all()
    document = {
        "type": STATION_STATE,
        "version": 1,
        "county": keys.county,
        "station": station,
        "last_sequence": chain.next_sequence - 1,
        "last_hash": chain.last_hash,
        "audit_last_seq": audit_last or 0,
        "audit_head": chain.audit_head,
        "records": [[r.registration_no, r.version] for r in held],
        "issued_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    atomic_write_bytes(out, sign_document(keys.ed25519, document))
    return document
