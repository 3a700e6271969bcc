"""Upload to the county's intake service: a real ``county serve`` process on loopback.

What the service answers (receipt, the same receipt again, 409 for a held sequence or a gap,
4xx with the reason code for a bad batch or request, never a 500), what the uploader does with
each answer, pinned TLS, and that the access log carries no personal data.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from station import seeding
from station.models import Candidate
from sync import county_cli, request_auth, station_side, upload
from sync.county import db, registry

from .sync_fixtures import install, login, make_station
from .upload_fixtures import (
    County,
    certificate,
    make_county_home,
    running,
    seal,
    start_service,
    station_with_batches,
    stop_service,
)

pytestmark = pytest.mark.slow


def _put(
    url: str,
    station: str,
    sequence: int,
    body: bytes,
    key: Ed25519PrivateKey | None,
    **sign_options: object,
) -> httpx.Response:
    path = f"/stations/{station}/batches/{sequence}"
    headers = request_auth.sign(key, station, "PUT", path, body, **sign_options) if key else {}  # type: ignore[arg-type]
    return httpx.put(url + path, content=body, headers=headers, timeout=30)


def _outgoing(directory: Path) -> tuple[str, Ed25519PrivateKey, list[SimpleNamespace]]:
    """The station's code and key, and its batches without a receipt (sequence, data)."""
    with login(directory) as ctx:
        code, key = station_side.request_signer(ctx)
        batches = [
            SimpleNamespace(sequence=n, data=station_side.batch_bytes(ctx, n))
            for n in station_side.waiting_sequences(ctx)
        ]
        return code, key, batches


def _county_counts(county: County, station: str) -> tuple[int, int, int]:
    engine = county.engine()
    try:
        with engine.connect() as conn:
            one = lambda t: conn.scalar(  # noqa: E731
                select(func.count()).select_from(t).where(t.c.station == station)
            )
            return one(db.batches), one(db.versions), one(db.candidates)
    finally:
        engine.dispose()


def test_the_service_answers_as_county_ingest_does(tmp_path: Path) -> None:
    county = make_county_home(tmp_path)
    directory = station_with_batches(tmp_path, county, 3, 12, per_batch=None)
    # A copy of the station made before its export: the same key, other batches (#1 holds
    # 2 records there, 5 here), as a station restored from an old backup might send.
    twin = tmp_path / "twin"
    shutil.copytree(directory, twin)
    seal(directory, 5)
    seal(twin, 2)
    twin_first = _outgoing(twin)[2][0].data
    code, key, batches = _outgoing(directory)
    assert [b.sequence for b in batches] == [1, 2, 3]
    with running(county) as service:
        url = service.url
        health = httpx.get(url + "/health").json()
        assert health == {"status": "ok", "county": "410105", "database": "ok"}
        spec = httpx.get(url + "/openapi.json").json()
        assert "/stations/{station}/batches/{sequence}" in spec["paths"]

        # Not signed, signed by another key, stale, for another station: refused, 401.
        first = batches[0]
        unsigned = _put(url, code, 1, first.data, None)
        assert (unsigned.status_code, unsigned.json()["code"]) == (401, "unsigned_request")
        stranger = _put(url, code, 1, first.data, Ed25519PrivateKey.generate())
        assert (stranger.status_code, stranger.json()["code"]) == (401, "bad_request_signature")
        stale = _put(url, code, 1, first.data, key, now=time.time() - 3600)
        assert (stale.status_code, stale.json()["code"]) == (401, "stale_request")
        unknown = _put(url, "410105-77", 1, first.data, key)
        assert (unknown.status_code, unknown.json()["code"]) == (403, "unknown_station")

        # A gap: #2 before #1 waits, and the answer names the one to send first.
        early = _put(url, code, 2, batches[1].data, key)
        assert early.status_code == 409
        assert early.json() == {
            "code": "sequence_gap",
            "detail": early.json()["detail"],
            "missing": 1,
        }

        # Garbage, a batch under another address, a tampered batch: 4xx with the reason.
        garbage = _put(url, code, 1, b"not a batch", key)
        assert (garbage.status_code, garbage.json()["code"]) == (400, "malformed")
        misaddressed = _put(url, code, 3, first.data, key)
        assert (misaddressed.status_code, misaddressed.json()["code"]) == (400, "malformed")
        tampered = bytearray(first.data)
        tampered[-100] ^= 0xFF
        bad = _put(url, code, 1, bytes(tampered), key)
        assert bad.status_code == 422 and bad.json()["code"] in {"bad_signature", "hash_mismatch"}

        # The batch itself: stored, with the signed receipt; the same request again (same
        # nonce) is refused; the same batch again returns the same receipt, byte for byte.
        nonce = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
        stored = _put(url, code, 1, first.data, key, nonce=nonce)
        assert stored.status_code == 200 and stored.headers["X-ZK-Outcome"] == "stored"
        repeated = _put(url, code, 1, first.data, key, nonce=nonce)
        assert (repeated.status_code, repeated.json()["code"]) == (409, "repeated_request")
        again = _put(url, code, 1, first.data, key)
        assert again.status_code == 200 and again.headers["X-ZK-Outcome"] == "already"
        assert again.content == stored.content
        # #2 waited in pending/ and went in with #1.
        assert _county_counts(county, code)[0] == 2

        # The station's uploader takes it from here: #1's receipt, #2 received before, #3.
        with login(directory) as ctx:
            report = upload.upload(ctx, upload.Target(url))
            assert report.done and sorted(report.acknowledged + report.already) == [1, 2, 3]
            assert {b["state"] for b in station_side.list_batches(ctx)} == {"acknowledged"}
            with ctx.store.read() as s:
                assert {c.state for c in s.scalars(select(Candidate))} == {"acknowledged"}
                names = [c.name for c in s.scalars(select(Candidate))]
        assert _county_counts(county, code) == (3, 12, 12)

        # Different bytes under a held sequence: 409 replayed (the twin's #1).
        conflict = _put(url, code, 1, twin_first, key)
        assert (conflict.status_code, conflict.json()["code"]) == (409, "replayed")

        # A disabled station is refused, and the uploader says so in words.
        assert (
            county_cli.main(
                ["--data-dir", str(county.home), "station", "disable", code, "--reason", "电脑丢失"]
            )
            == 0
        )
        refused = _put(url, code, 4, first.data, key)
        assert (refused.status_code, refused.json()["code"]) == (403, "station_disabled")
        assert "电脑丢失" in refused.json()["detail"]
        assert county_cli.main(["--data-dir", str(county.home), "station", "enable", code]) == 0
    log = service.output()
    assert '"path": "/stations/410105-03/batches/1"' in log
    for name in names:
        assert name not in log  # no personal data in the access log
    assert "Traceback" not in log


def test_limits_of_size_and_rate(tmp_path: Path) -> None:
    county = make_county_home(tmp_path)
    directory = station_with_batches(tmp_path, county, 3, 2)
    code, key, _ = _outgoing(directory)
    with running(county, "--max-mb", "1", "--rate", "3") as service:
        big = _put(service.url, code, 1, b"\0" * (2 * 1024 * 1024), key)
        assert (big.status_code, big.json()["code"]) == (413, "too_large")
        answers = [_put(service.url, code, 9, b"x", key).status_code for _ in range(4)]
        assert answers[-1] == 429
        limited = _put(service.url, code, 9, b"x", key)
        assert int(limited.headers["Retry-After"]) >= 1
        # Another station is not held up by this one's limit.
        other = _put(service.url, "410105-04", 1, b"x", key)
        assert other.status_code == 403
        # Refused requests from one address run out (30 a minute), whoever they claim to be.
        answers = [_put(service.url, code, 1, b"x", None).status_code for _ in range(31)]
        assert answers[0] == 401 and answers[-1] == 429


def test_only_a_signed_request_learns_why_a_station_is_disabled(tmp_path: Path) -> None:
    county = make_county_home(tmp_path)
    directory = station_with_batches(tmp_path, county, 3, 1)
    code, key, batches = _outgoing(directory)
    engine = county.engine()
    from sync.county.receive import disable_station

    disable_station(engine, code, "电脑被盗")
    engine.dispose()
    with running(county) as service:
        stranger = _put(service.url, code, 1, batches[0].data, Ed25519PrivateKey.generate())
        assert stranger.status_code == 401 and "电脑被盗" not in stranger.text
        owner = _put(service.url, code, 1, batches[0].data, key)
        assert owner.status_code == 403 and "电脑被盗" in owner.json()["detail"]


def test_tls_with_the_county_certificate_pinned(tmp_path: Path) -> None:
    county = make_county_home(tmp_path)
    directory = station_with_batches(tmp_path, county, 3, 6)
    cert, key = certificate(tmp_path, "county")
    service = start_service(county, "--tls-cert", str(cert), "--tls-key", str(key))
    try:
        pem = upload.fetch_certificate(service.url)
        pin = upload.pin_of(pem)
        assert pin == upload.pin_of(cert.read_text())
        with login(directory) as ctx:
            # A pin that is not the server's: nothing is saved.
            with pytest.raises(Exception, match="不一致"):
                upload.configure(ctx, service.url, "ab" * 32, pem)
            assert upload.target_of(ctx) is None
            target = upload.configure(ctx, service.url, upload.shown_pin(pin), pem)
            assert target.county == "410105"
        with login(directory) as ctx:  # the settings were saved: a new login finds them
            report = upload.upload(ctx)
            assert report.done and report.acknowledged == [1, 2]
    finally:
        stop_service(service)
    # The county's server now presents another certificate (a machine in between, or a new
    # server nobody checked): the station refuses to send, and says why.
    cert2, key2 = certificate(tmp_path, "impostor")
    with login(directory) as ctx:
        seeding.seed(ctx, 1, "signed", rng_seed=99)
        station_side.export_batches(ctx, tmp_path)
    impostor = start_service(county, "--tls-cert", str(cert2), "--tls-key", str(key2))
    try:
        with login(directory) as ctx:
            ctx.settings.intake_url = impostor.url  # same pin, another server
            report = upload.upload(ctx, attempts=1)
            assert report.refused is not None and report.refused[1] == "pin"
            assert "证书" in report.words()[0]
            assert [b["state"] for b in station_side.list_batches(ctx)][-1] == "exported"
    finally:
        stop_service(impostor)


def test_the_uploader_says_what_blocks_it(tmp_path: Path) -> None:
    county = make_county_home(tmp_path)
    directory = station_with_batches(tmp_path, county, 3, 3)
    with login(directory) as ctx:
        # Not set up: the message says how.
        with pytest.raises(Exception, match="station intake set"):
            upload.upload(ctx)
        # An address in capitals is https all the same: it needs the certificate's pin.
        assert upload.normal_url("HTTPS://County.Example:8440/") == "https://county.example:8440"
        with pytest.raises(Exception, match="指纹"):
            upload.configure(ctx, "HTTPS://127.0.0.1:9", None, None)
        # Runs that failed before make the next wait longer (the desk counts them).
        waits = [
            upload.upload(
                ctx, upload.Target("http://127.0.0.1:9"), attempts=1, failed_before=n
            ).retry_in
            for n in (0, 6)
        ]
        assert waits[0] is not None and waits[1] is not None and waits[1] > 4 * waits[0]
        # Nothing listening: waits to retry, loses nothing.
        report = upload.upload(ctx, upload.Target("http://127.0.0.1:9"), attempts=1)
        assert report.waiting == [1] and report.retry_in is not None
        assert "连不上" in report.words()[0]
    engine = county.engine()
    with engine.begin() as conn:
        conn.execute(db.stations.delete().where(db.stations.c.code == "410105-03"))
    engine.dispose()
    with running(county) as service, login(directory) as ctx:
        report = upload.upload(ctx, upload.Target(service.url))
        assert report.refused is not None and report.refused[1] == "unknown_station"
        assert "登记" in report.words()[0]
        with login(directory) as again:
            registry.register_station(
                county.engine(), station_side.station_public_key(again), "410105"
            )
        assert upload.upload(ctx, upload.Target(service.url)).done


def test_a_new_station_key_is_taken_with_its_hand_over(tmp_path: Path) -> None:
    """After `station key rotate --signing` the requests are signed by the new key, which
    the county learns from the hand-over inside the batch."""
    from station import signing

    county = make_county_home(tmp_path)
    directory = make_station(tmp_path, 3)
    install(directory, county.public)
    with login(directory) as ctx:
        seeding.seed(ctx, 2, "signed", rng_seed=1)
        registry.register_station(county.engine(), station_side.station_public_key(ctx), "410105")
        signing.rotate_signing_key(ctx, "操作员离职")
        station_side.export_batches(ctx, tmp_path)
    with running(county) as service, login(directory) as ctx:
        assert upload.upload(ctx, upload.Target(service.url)).done


def test_stopping_the_service_finishes_the_request_in_flight(tmp_path: Path) -> None:
    """SIGTERM while a batch is half sent: the service takes the rest, stores it, answers
    with the receipt, and only then exits (cleanly)."""
    import signal
    import socket

    county = make_county_home(tmp_path)
    directory = station_with_batches(tmp_path, county, 3, 5)
    code, key, batches = _outgoing(directory)
    body = batches[0].data
    path = f"/stations/{code}/batches/1"
    headers = request_auth.sign(key, code, "PUT", path, body)
    service = start_service(county)
    head = (
        f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        + "\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", service.port), timeout=30) as conn:
        conn.sendall(head + body[: len(body) // 2])
        time.sleep(0.5)
        service.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        conn.sendall(body[len(body) // 2 :])
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    # uvicorn ends by re-raising the signal it was stopped with, after the shutdown.
    assert service.process.wait(timeout=60) in (0, -signal.SIGTERM)
    assert "Finished server process" in service.output()
    with login(directory) as ctx:
        receipt = answer.partition(b"\r\n\r\n")[2]
        assert station_side.ack_receipt_data(ctx, receipt).acknowledged == 5


def test_the_commands_a_supervisor_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`station intake set|show|off` and `station batch upload` (0 all acknowledged, 1 some
    wait), in-process; `county serve` refuses several workers on SQLite."""
    from station.cli import main
    from sync.station_commands import extend

    from .factories import ADMIN

    county = make_county_home(tmp_path)
    directory = station_with_batches(tmp_path, county, 3, 4, per_batch=2)
    monkeypatch.setenv("STATION_HOME", str(directory))
    monkeypatch.setenv("STATION_OPERATOR", ADMIN[0])
    monkeypatch.setenv("STATION_PASSWORD", ADMIN[1])
    station = lambda *args: main(list(args), extend=extend)  # noqa: E731

    assert station("batch", "upload") == 2
    assert "station intake set" in capsys.readouterr().err
    cert, key = certificate(tmp_path, "county")
    service = start_service(county, "--tls-cert", str(cert), "--tls-key", str(key))
    try:
        # No terminal and no --pin: the fingerprint is shown, nothing is stored.
        assert station("intake", "set", service.url) == 2
        captured = capsys.readouterr()
        pin = upload.shown_pin(upload.pin_of(cert.read_text()))
        assert pin in captured.out and "--pin" in captured.err
        assert station("intake", "set", service.url, "--pin", pin.replace(" ", ":")) == 0
        assert "410105" in capsys.readouterr().out
        assert station("intake", "show") == 0
        shown = capsys.readouterr().out
        assert pin in shown and "是 / yes" in shown
        assert station("batch", "upload") == 0
        out = capsys.readouterr().out
        assert "#1 acknowledged" in out and "#2 acknowledged" in out
    finally:
        stop_service(service)
    with login(directory) as ctx:
        seeding.seed(ctx, 1, "signed", rng_seed=7)
        station_side.export_batches(ctx, tmp_path)
    assert station("batch", "upload", "--attempts", "1") == 1
    captured = capsys.readouterr()
    assert "#3 waiting" in captured.out and "等待重试" in captured.err
    assert station("intake", "off") == 0
    assert station("intake", "show") == 0
    assert "U 盘" in capsys.readouterr().out

    assert county_cli.main(["--data-dir", str(county.home), "serve", "--workers", "2"]) == 2
    assert "PostgreSQL" in capsys.readouterr().err
