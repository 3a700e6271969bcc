"""Upload through a network that misbehaves: every batch acknowledged once, every record once.

A proxy between the stations and a real ``county serve`` process cuts requests half sent,
swallows answers after the county has stored the batch, answers 503 itself, delays past the
client's timeout, and kills the service with SIGKILL in the middle of a request (then starts
it again on the same port). Two stations upload at once through it, on SQLite and on
PostgreSQL with two worker processes. At the end every batch is acknowledged at its station
exactly once, and the county holds every batch and every record once.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from station.models import AuditEvent, Candidate
from sync import station_side, upload
from sync.county import db

from .sync_fixtures import _free_port, login, postgres_or_skip
from .upload_fixtures import (
    Service,
    make_county_home,
    start_service,
    station_with_batches,
    stop_service,
)

pytestmark = pytest.mark.slow


class FaultyProxy:
    """A TCP proxy that applies one planned fault per connection (then passes traffic)."""

    def __init__(self, upstream: int, plan: list[str], on_kill: Callable[[], None]) -> None:
        self.upstream = upstream
        self.plan = deque(plan)
        self.on_kill = on_kill
        self.applied: list[str] = []
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self.closed = True
        self.listener.close()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                action = self.plan.popleft() if self.plan else "pass"
                self.applied.append(action)
            threading.Thread(target=self._serve, args=(client, action), daemon=True).start()

    def _serve(self, client: socket.socket, action: str) -> None:
        try:
            if action == "503":
                _read_request(client)
                client.sendall(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                    b"Connection: close\r\n\r\n"
                )
                return
            if action == "delay":
                time.sleep(2.5)  # past the client's read timeout; then passed on regardless
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream), timeout=30)
            except OSError:
                return  # the service is down (being restarted): the client sees a reset
            with upstream:
                if action == "cut_request":
                    upstream.sendall(client.recv(4096))  # headers and a little of the body
                    return
                if action == "kill":
                    upstream.sendall(_read_request(client))
                    time.sleep(random.uniform(0.0, 0.05))  # before, during or after the ingest
                    self.on_kill()
                    return
                swallow = action == "cut_response"
                _relay(client, upstream, swallow_answer=swallow)
        finally:
            client.close()


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _relay(client: socket.socket, upstream: socket.socket, *, swallow_answer: bool) -> None:
    def pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    forward = threading.Thread(target=pump, args=(client, upstream), daemon=True)
    forward.start()
    if swallow_answer:
        # The county has the whole request and answers; the answer never arrives.
        with contextlib.suppress(OSError):
            upstream.recv(1)
        client.shutdown(socket.SHUT_RDWR)
        forward.join(5)
        return
    pump(upstream, client)
    forward.join(5)


PLAN = [
    "pass",
    "cut_request",
    "cut_response",
    "503",
    "pass",
    "delay",
    "kill",
    "cut_response",
    "503",
    "cut_request",
    "pass",
    "kill",
    "delay",
    "cut_response",
]


def _upload_until_done(directory: Path, url: str, rng: random.Random) -> int:
    """Upload runs as the desk would make them, until every batch is acknowledged."""
    runs = 0
    with login(directory) as ctx:
        while station_side.waiting_sequences(ctx):
            runs += 1
            assert runs < 60, "the uploader never finished"
            client = httpx.Client(
                base_url=url,
                timeout=httpx.Timeout(connect=2.0, read=2.0, write=5.0, pool=2.0),
                limits=httpx.Limits(max_keepalive_connections=0),  # one connection per request
                trust_env=False,
            )
            with client:
                report = upload.upload(ctx, upload.Target(url), client=client, attempts=3, rng=rng)
            assert report.refused is None, report.words()
    return runs


def _run(tmp_path: Path, db_url: str | None, workers: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upload, "BACKOFF_BASE", 0.05)
    county = make_county_home(tmp_path, db_url)
    stations = [
        station_with_batches(tmp_path, county, number, 14, per_batch=2) for number in (3, 4)
    ]
    port = _free_port()
    extra = ("--workers", str(workers)) if workers > 1 else ()
    current: list[Service] = [start_service(county, *extra, port=port)]
    restarting = threading.Lock()

    def kill_and_restart() -> None:
        with restarting:
            stop_service(current[0], kill=True)

            def again() -> None:
                time.sleep(0.5)
                current[0] = start_service(county, *extra, port=port)

            threading.Thread(target=again, daemon=True).start()

    proxy = FaultyProxy(port, PLAN, kill_and_restart)
    try:
        url = f"http://127.0.0.1:{proxy.port}"
        errors: list[str] = []

        def station_run(directory: Path, seed: int) -> None:
            try:
                _upload_until_done(directory, url, random.Random(seed))
            except BaseException:
                errors.append(traceback.format_exc())

        threads = [
            threading.Thread(target=station_run, args=(d, n)) for n, d in enumerate(stations)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        assert not errors, "\n".join(errors)
        assert {"cut_request", "cut_response", "503", "delay", "kill"} <= set(proxy.applied)
    finally:
        proxy.close()
        time.sleep(0.6)  # a restart in flight
        stop_service(current[0])

    # Every batch acknowledged once at its station; every record acknowledged once.
    engine = county.engine()
    for directory in stations:
        with login(directory) as ctx, ctx.store.read() as s:
            batches = station_side.list_batches(ctx)
            assert len(batches) == 7 and {b["state"] for b in batches} == {"acknowledged"}
            assert {c.state for c in s.scalars(select(Candidate))} == {"acknowledged"}
            acks = s.scalar(select(func.count()).where(AuditEvent.action == "acknowledge"))
            assert acks == 14
            code = station_side.station_public_key(ctx).station
        with engine.connect() as conn:
            count = lambda t, code=code: conn.scalar(  # noqa: E731
                select(func.count()).select_from(t).where(t.c.station == code)
            )
            assert (count(db.batches), count(db.versions), count(db.candidates)) == (7, 14, 14)
            sequences = conn.scalars(
                select(db.batches.c.sequence).where(db.batches.c.station == code)
            ).all()
            assert sorted(sequences) == list(range(1, 8))
    engine.dispose()


def test_faults_on_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _run(tmp_path, None, 1, monkeypatch)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_or_skip() as url:
        yield url


def test_faults_on_postgresql_with_two_workers(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(tmp_path, postgres_url, 2, monkeypatch)


def test_workers_stop_when_their_supervisor_is_killed(tmp_path: Path, postgres_url: str) -> None:
    """SIGKILL to `county serve` alone: its workers notice and stop, and the port is free for
    the service to start again."""
    import signal

    county = make_county_home(tmp_path, postgres_url)
    port = _free_port()
    service = start_service(county, "--workers", "2", port=port)
    service.process.send_signal(signal.SIGKILL)
    service.process.wait(10)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
        except httpx.HTTPError:
            break
        time.sleep(0.5)
    else:
        raise AssertionError("the workers went on serving without their supervisor")
    again = start_service(county, port=port)
    stop_service(again)
