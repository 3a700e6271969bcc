"""The county's intake service (县区接收服务): an ASGI app that stations upload batches to.

``county serve`` runs it under uvicorn. ``PUT /stations/{station}/batches/{sequence}`` takes
one batch file's bytes, signed as a request by the station (sync/request_auth.py), and
answers as ``county ingest`` would: the signed receipt (200), the same receipt for a batch
received before, or a refusal with its reason code (docs/batch-format.md) and a status that
says whose move it is: 401/403 who asks, 409 the chain (a held sequence, a gap with the
missing sequence), 413 too large, 422 the batch itself, 429 too fast. Never a 500 for bad
input: an internal error is logged with its traceback and answered 500 with no detail.

The access log is one JSON line per request, without personal data: time, method, path
(station code and sequence only), status, reason code, bytes, milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import threading
import time
from dataclasses import asdict, dataclass
from typing import Annotated, Any

from fastapi import FastAPI, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync import errors as codes
from sync import request_auth
from sync.county import db
from sync.county.home import CountyHome
from sync.county.limits import RateLimit
from sync.county.receive import STATION_DISABLED, Gap, Intake
from sync.errors import BatchRefused

ACCESS = logging.getLogger("county.access")
LOG = logging.getLogger("county.service")
CONFIG_ENV = "COUNTY_SERVE_CONFIG"
STATION_PATTERN = r"^[0-9]{6}-[0-9]{2}$"
TOO_LARGE = "too_large"
RATE_LIMITED = "rate_limited"
INTERNAL = "internal_error"

#: Who moves next, by reason code (anything not here is the batch's own fault: 422).
_STATUS = {
    request_auth.UNSIGNED: 401,
    request_auth.BAD_REQUEST_SIGNATURE: 401,
    request_auth.STALE_REQUEST: 401,
    request_auth.REPEATED_REQUEST: 409,
    codes.UNKNOWN_STATION: 403,
    STATION_DISABLED: 403,
    codes.REPLAYED: 409,
    codes.SEQUENCE_GAP: 409,
    codes.MALFORMED: 400,
    TOO_LARGE: 413,
    RATE_LIMITED: 429,
}


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """What ``county serve`` hands each worker process (through ``COUNTY_SERVE_CONFIG``)."""

    data_dir: str
    db_url: str | None = None
    max_body_bytes: int = 64 * 1024 * 1024
    #: Requests per minute per station (a burst of as many is allowed).
    rate_per_minute: int = 120
    workers: int = 1
    #: The review desk's pages beside the intake API (sync/county/web.py).
    pages: bool = True
    #: Login attempts per client address a minute on the pages.
    logins_per_minute: int = 20

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> ServiceConfig:
        raw = os.environ.get(CONFIG_ENV)
        if not raw:
            raise RuntimeError(f"{CONFIG_ENV} is not set: start the service with `county serve`")
        return cls(**json.loads(raw))


class Refusal(BaseModel):
    """Why a request was not taken: a stable reason code, a sentence, and for a gap the
    sequence the station must send first."""

    code: str
    detail: str
    missing: int | None = None


class Health(BaseModel):
    status: str
    county: str
    database: str


def _refusal(
    code: str, detail: str, *, missing: int | None = None, retry_after: int | None = None
) -> Response:
    body = Refusal(code=code, detail=detail, missing=missing).model_dump(exclude_none=True)
    response = JSONResponse(body, status_code=_STATUS.get(code, 422))
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    response.headers["X-ZK-Code"] = code
    return response


_REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": Refusal, "description": why}
    for status, why in (
        (400, "malformed: not a batch, or not the batch the address names"),
        (401, "the request is not signed, not by this station, or outside the time window"),
        (403, "the station is not registered here, or is disabled"),
        (409, "a sequence held with other bytes, a gap (missing), or a request sent twice"),
        (413, "the body is larger than the service takes"),
        (422, "the batch was refused: its reason code says why"),
        (429, "too many requests from this station: wait Retry-After seconds"),
    )
}


def create_app(config: ServiceConfig, passphrase: str | None = None) -> FastAPI:
    home = CountyHome.resolve(config.data_dir)
    passphrase = passphrase if passphrase is not None else os.environ.get("COUNTY_PASSPHRASE", "")
    keys = home.keys(passphrase)
    engine = db.connect(home.db_url(config.db_url))
    intake = Intake(engine, keys, home)
    limiter = RateLimit(config.rate_per_minute)
    # Refused requests per address: a caller without a station's key gets this many a minute.
    strangers = RateLimit(30)
    app = FastAPI(
        title="县区批次接收服务 / county batch intake",
        version="1",
        description=__doc__,
        docs_url=None,  # the interactive pages load scripts from the internet
        redoc_url=None,
    )
    app.state.intake = intake
    if config.pages:
        from sync.county import web

        web.install(app, engine, keys, home, logins_per_minute=config.logins_per_minute)

    @app.middleware("http")
    async def access_log(request: Request, call_next: Any) -> Response:
        started = time.perf_counter()
        try:
            response: Response = await call_next(request)
        except Exception:  # logged with its traceback; the station is told nothing more
            LOG.exception("internal error on %s %s", request.method, request.url.path)
            response = _refusal(INTERNAL, "internal error: the county's log has the details")
            response.status_code = 500
        ACCESS.info(
            json.dumps(
                {
                    "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "method": request.method,
                    "path": request.url.path,
                    "status": response.status_code,
                    "code": response.headers.get("X-ZK-Code", ""),
                    "bytes_in": int(request.headers.get("content-length") or 0),
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                },
                ensure_ascii=False,
            )
        )
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> Response:
        where = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in error.errors()
        )
        return _refusal(codes.MALFORMED, f"the address is not valid ({where})")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        response = JSONResponse(
            {"code": code, "detail": str(error.detail)}, status_code=error.status_code
        )
        response.headers["X-ZK-Code"] = code
        return response

    @app.get("/health", response_model=Health, summary="服务与数据库是否可用 / liveness")
    def health() -> Any:
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            database = "ok"
        except Exception as exc:
            LOG.warning("health: database unreachable: %s", exc)
            return JSONResponse(
                {"status": "degraded", "county": keys.county, "database": "unreachable"},
                status_code=503,
            )
        return Health(status="ok", county=keys.county, database=database)

    @app.put(
        "/stations/{station}/batches/{sequence}",
        summary="上传一个批次 / upload one batch",
        responses={
            200: {
                "description": "stored, or received before: the county's signed receipt",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            **_REFUSALS,
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            },
            "parameters": [
                {"name": h, "in": "header", "required": False, "schema": {"type": "string"}}
                for h in request_auth.HEADERS
            ],
        },
    )
    async def put_batch(
        request: Request,
        station: Annotated[str, Path(pattern=STATION_PATTERN, max_length=9)],
        sequence: Annotated[int, Path(ge=1, le=10**9)],
    ) -> Response:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > config.max_body_bytes:
            return _refusal(TOO_LARGE, f"the body is over {config.max_body_bytes} bytes")
        # Who asks, from the headers, before the body is read: an unsigned caller neither
        # fills memory nor spends a station's request budget.
        try:
            pending = await run_in_threadpool(
                intake.authenticate_headers,
                dict(request.headers),
                request.method,
                request.url.path,
                station,
            )
        except (request_auth.RequestRefused, BatchRefused) as refused:
            address = request.client.host if request.client else "-"
            if strangers.take(address):
                return _refusal(RATE_LIMITED, "too many refused requests", retry_after=60)
            return _refusal(refused.code, refused.detail)
        wait = limiter.take(station)
        if wait:
            return _refusal(
                RATE_LIMITED,
                f"too many requests from station {station}",
                retry_after=max(1, round(wait)),
            )
        chunks, size, digest = [], 0, hashlib.sha256()
        async for chunk in request.stream():
            size += len(chunk)
            if size > config.max_body_bytes:
                return _refusal(TOO_LARGE, f"the body is over {config.max_body_bytes} bytes")
            digest.update(chunk)
            chunks.append(chunk)
        body, hexdigest = b"".join(chunks), digest.hexdigest()
        try:
            await run_in_threadpool(intake.finish, pending, body, hexdigest)
            received = await run_in_threadpool(intake.receive, station, sequence, body, hexdigest)
        except request_auth.RequestRefused as refused:
            return _refusal(refused.code, refused.detail)
        except Gap as gap:
            return _refusal(gap.code, gap.detail, missing=gap.missing)
        except BatchRefused as refused:
            return _refusal(refused.code, refused.detail)
        return Response(
            received.receipt,
            media_type="application/json",
            headers={"X-ZK-Outcome": received.outcome, "X-ZK-Records": str(received.records)},
        )

    return app


def app_from_env() -> FastAPI:
    """The factory each uvicorn worker calls (``county serve``)."""
    config = ServiceConfig.from_env()
    if config.workers > 1:
        _exit_with_parent()
    return create_app(config)


def _exit_with_parent() -> None:
    """A worker whose supervising process died (killed, not stopped) stops too, instead of
    holding the port so that `county serve` cannot start again."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(2)
        LOG.warning("the supervising process is gone: this worker stops")
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
