"""Builders for the upload tests: a county with its intake service running as a real
``county serve`` process on loopback, and stations with sealed batches (no tests here)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import Engine

from station import seeding
from sync import station_side
from sync.county import db, registry

from .sync_fixtures import PASSPHRASE, _free_port, install, login, make_county, make_station


@dataclass
class County:
    home: Path
    public: Path
    db_url: str

    def engine(self) -> Engine:
        return db.connect(self.db_url)


def make_county_home(root: Path, db_url: str | None = None) -> County:
    home = root / "county"
    _keys, public = make_county(home)
    return County(home, public, db_url or db.default_url(home))


def station_with_batches(
    root: Path, county: County, number: int, records: int, *, per_batch: int | None = 5
) -> Path:
    """A registered station whose ``records`` signed records are sealed into batches of
    ``per_batch`` (None: not exported yet)."""
    directory = make_station(root, number)
    install(directory, county.public)
    with login(directory) as ctx:
        seeding.seed(ctx, records, "signed", rng_seed=number)
        engine = county.engine()
        registry.register_station(engine, station_side.station_public_key(ctx), "410105")
        engine.dispose()
    if per_batch is not None:
        seal(directory, per_batch)
    return directory


def seal(directory: Path, per_batch: int) -> None:
    outbox = directory.parent / f"{directory.name}-outbox"
    outbox.mkdir(exist_ok=True)
    with login(directory) as ctx:
        station_side.export_batches(ctx, outbox, max_records=per_batch)


@dataclass
class Service:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")


def _env() -> dict[str, str]:
    env = {**os.environ, "COUNTY_PASSPHRASE": PASSPHRASE, "PYTHONUNBUFFERED": "1"}
    env.pop("COUNTY_HOME", None)
    return env


def start_service(
    county: County, *extra: str, port: int | None = None, log: Path | None = None
) -> Service:
    """``county serve`` as its own process; returns once /health answers."""
    port = port or _free_port()
    log = log or county.home / f"serve-{port}.log"
    args = [sys.executable, "-m", "sync.county_cli", "--data-dir", str(county.home)]
    if county.db_url != db.default_url(county.home):
        args += ["--db", county.db_url]
    args += ["serve", "--port", str(port), *extra]
    out = log.open("ab")
    # A session of its own: a SIGKILL to the service reaches its worker processes too.
    process = subprocess.Popen(
        args, stdout=out, stderr=subprocess.STDOUT, env=_env(), start_new_session=True
    )
    out.close()
    scheme = "https" if "--tls-cert" in extra else "http"
    service = Service(f"{scheme}://127.0.0.1:{port}", port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"county serve exited {process.returncode}:\n{service.output()}")
        try:
            if httpx.get(service.url + "/health", verify=False, timeout=2).status_code == 200:
                return service
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_service(service, kill=True)
    raise AssertionError(f"county serve did not answer /health:\n{service.output()}")


def stop_service(service: Service, *, kill: bool = False) -> int:
    """SIGTERM (a graceful stop) or SIGKILL to the whole service, workers included."""
    if service.process.poll() is None:
        if kill:
            _signal_group(service.process.pid, signal.SIGKILL)
        else:
            service.process.send_signal(signal.SIGTERM)
    try:
        code = service.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        _signal_group(service.process.pid, signal.SIGKILL)
        code = service.process.wait(timeout=10)
    _signal_group(service.process.pid, signal.SIGKILL)  # any worker left behind
    return code


def _signal_group(pid: int, sig: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


@contextmanager
def running(county: County, *extra: str) -> Iterator[Service]:
    service = start_service(county, *extra)
    try:
        yield service
    finally:
        stop_service(service)


def certificate(path: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as a county might make."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = path / f"{name}.pem", path / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
