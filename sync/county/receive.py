"""Receiving one uploaded batch (在线接收): what ``PUT /stations/{s}/batches/{n}`` does.

The same verification and ingest as ``county ingest`` (sync/county/ingest.py), on bytes that
arrived over the network instead of a file on a USB stick, and the same answers: the signed
receipt for a stored batch, the same receipt again for a batch received before, a reason code
for a refused one, and the missing sequence for one that arrived early (it waits in
``pending/`` like a file would, and is taken in when the gap is filled).

Also the request checks that need the county database: the station's key (or its hand-over's
new key), whether the station is disabled, and the nonce seen once per replay window.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, exc, select

from station.errors import UsageError
from sync import batch_format as bf
from sync import request_auth
from sync.county import db, ingest, intake
from sync.county.home import CountyHome
from sync.errors import MALFORMED, SEQUENCE_GAP, UNKNOWN_STATION, BatchRefused
from sync.keys import CountyKeys

STATION_DISABLED = "station_disabled"
#: How often (in requests) nonces older than two windows are pruned.
_PRUNE_EVERY = 200


@dataclass(frozen=True, slots=True)
class Received:
    """A stored batch (``stored``) or one received before (``already``), with its receipt."""

    outcome: str
    receipt: bytes
    records: int


@dataclass(slots=True)
class Pending:
    """A request whose headers were read; ``accepted`` once its signature stands."""

    claimed: request_auth.Claimed
    row: Any
    method: str
    path: str
    accepted: bool = False


class Gap(BatchRefused):
    """The batch came before its predecessor: it waits; ``missing`` is the one to send."""

    def __init__(self, missing: int, sequence: int) -> None:
        super().__init__(
            SEQUENCE_GAP, f"batch #{missing} is missing: send it first (#{sequence} waits for it)"
        )
        self.missing = missing


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Intake:
    """The county's intake on one database, shared by the requests of one worker process."""

    def __init__(self, engine: Engine, keys: CountyKeys, home: CountyHome) -> None:
        self.engine = engine
        self.keys = keys
        self.home = home
        # SQLite takes one writer at a time: one ingest at a time in this process (the service
        # refuses several workers on SQLite). PostgreSQL takes them side by side.
        self._write_lock = threading.Lock() if engine.dialect.name == "sqlite" else None
        self._requests = 0
        self._count_lock = threading.Lock()

    # --- who is asking ----------------------------------------------------------------------

    def authenticate_headers(
        self, headers: dict[str, str], method: str, path: str, station: str
    ) -> Pending:
        """Who asks, from the headers alone, before any of the body is read: the claims, the
        station, and the signature over the claimed body hash checked with the registered
        key. A request signed by a hand-over's new key can only be checked with the batch
        in hand (:meth:`finish`). Raises RequestRefused or BatchRefused."""
        claimed = request_auth.claimed(headers)
        if claimed.station != station:
            raise request_auth.RequestRefused(
                request_auth.BAD_REQUEST_SIGNATURE,
                f"signed for station {claimed.station}, sent for station {station}",
            )
        with self.engine.connect() as conn:
            row = db.station_row(conn, station)
        if row is None:  # station codes are printed on paper: not a secret to keep
            raise BatchRefused(UNKNOWN_STATION, f"station {station} is not registered here")
        pending = Pending(claimed, row, method, path)
        registered = bytes(row.ed25519)
        if claimed.key_hash == hashlib.sha256(registered).hexdigest():
            self._accept(pending, registered)
        return pending

    def finish(self, pending: Pending, body: bytes, digest: str) -> None:
        """The body against its claimed hash, and a hand-over's signature with the batch."""
        if digest != pending.claimed.digest:
            raise request_auth.RequestRefused(
                request_auth.BAD_REQUEST_SIGNATURE, "the body does not match its hash"
            )
        if not pending.accepted:
            self._accept(pending, self._request_key(pending.row, pending.claimed, body))

    def _accept(self, pending: Pending, key: bytes) -> None:
        c = pending.claimed
        request_auth.verify(c, key, pending.method, pending.path, b"", digest=c.digest)
        # Only a station that proved who it is learns that it is disabled, and why.
        with self.engine.connect() as conn:
            blocked = conn.execute(
                select(db.station_access.c.reason).where(db.station_access.c.code == c.station)
            ).first()
        if blocked is not None:
            raise BatchRefused(
                STATION_DISABLED, f"station {c.station} is disabled here: {blocked.reason}"
            )
        self._remember_nonce(c)
        pending.accepted = True

    def _request_key(self, row: object, claimed: request_auth.Claimed, body: bytes) -> bytes:
        """The registered key; or, for a batch that carries a hand-over signed by the
        registered key, the new key it hands over to (that batch's request is signed by it)."""
        registered = bytes(row.ed25519)  # type: ignore[attr-defined]
        if claimed.key_hash == hashlib.sha256(registered).hexdigest():
            return registered
        try:
            manifest = bf.parse(body).manifest
        except BatchRefused:
            return registered  # not a batch: only the registered key can sign it
        if manifest.get("key_handover") is None:
            return registered
        new = intake.signer_of(row, manifest)  # raises unless the registered key signed it
        return new if hashlib.sha256(new).hexdigest() == claimed.key_hash else registered

    def _remember_nonce(self, claimed: request_auth.Claimed) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    db.request_nonces.insert().values(
                        station=claimed.station, nonce=claimed.nonce, seen_at=_now()
                    )
                )
        except exc.IntegrityError:
            raise request_auth.RequestRefused(
                request_auth.REPEATED_REQUEST, "this request was received before (same nonce)"
            ) from None
        with self._count_lock:
            self._requests += 1
            prune = self._requests % _PRUNE_EVERY == 0
        if prune:
            cutoff = _now() - dt.timedelta(seconds=2 * request_auth.WINDOW_SECONDS)
            with self.engine.begin() as conn:
                conn.execute(delete(db.request_nonces).where(db.request_nonces.c.seen_at < cutoff))

    # --- the batch --------------------------------------------------------------------------

    def receive(
        self, station: str, sequence: int, body: bytes, digest: str | None = None
    ) -> Received:
        """Verify and ingest one batch; raises BatchRefused (``Gap`` for an early one).
        ``digest``: the body's SHA-256, computed once for the request and the batch."""
        parsed = bf.parse(body, digest)
        named = (parsed.manifest["station"], parsed.manifest["sequence"])
        if named != (station, sequence):
            raise BatchRefused(
                MALFORMED,
                f"the address names station {station} #{sequence}, "
                f"the batch is station {named[0]} #{named[1]}",
            )
        return self._ingest(Path(bf.batch_file_name(station, sequence)), parsed, body)

    def _ingest(self, path: Path, parsed: bf.Parsed, body: bytes) -> Received:
        for attempt in range(3):
            try:
                if self._write_lock is None:
                    return self._ingest_once(path, parsed, body)
                with self._write_lock:
                    return self._ingest_once(path, parsed, body)
            except exc.IntegrityError:
                # Two workers stored the same batch at once (a retry racing its original):
                # the other one won, and the next attempt finds it received ("already").
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _ingest_once(self, path: Path, parsed: bf.Parsed, body: bytes) -> Received:
        home = self.home
        outcome = ingest.ingest_one(
            self.engine, self.keys, path, parsed, home.pending, home.receipts, body
        )
        if outcome.status == "refused":
            raise BatchRefused(outcome.code, outcome.detail)
        if outcome.status == "waiting":
            with self.engine.connect() as conn:
                missing = intake.chain_state(conn, outcome.station).next_sequence
            raise Gap(missing, outcome.sequence)
        if outcome.status == "ok":
            ingest.drain_pending(
                self.engine, self.keys, outcome.station, home.pending, home.receipts
            )
        assert outcome.receipt is not None
        receipt = outcome.receipt.read_bytes()
        return Received("stored" if outcome.status == "ok" else "already", receipt, outcome.records)


def disable_station(engine: Engine, station: str, reason: str) -> None:
    """Refuse this station's requests from now on (``county station disable``)."""
    with engine.begin() as conn:
        if (
            conn.execute(select(db.stations.c.code).where(db.stations.c.code == station)).first()
            is None
        ):
            raise UsageError(f"报名点 {station} 未登记", f"station {station} is not registered")
        conn.execute(delete(db.station_access).where(db.station_access.c.code == station))
        conn.execute(
            db.station_access.insert().values(code=station, disabled_at=_now(), reason=reason)
        )


def enable_station(engine: Engine, station: str) -> bool:
    """Take this station's requests again; False if it was not disabled."""
    with engine.begin() as conn:
        gone = conn.execute(delete(db.station_access).where(db.station_access.c.code == station))
    return bool(gone.rowcount)
