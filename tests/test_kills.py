"""A station killed at random moments (SIGKILL: no cleanup, like a power cut for the process)
while it saves records, imports a roster, makes backups and exports batches.

After every kill: every save that returned is there, the audit chain verifies, every batch
file under its final name is complete and is the batch the station recorded, every backup
under its final name verifies whole. At the end one clean run finishes the work: every
sealed batch is written and every signed record exported.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from station import audit, backup, records
from station.lifecycle import State
from station.models import Batch, Candidate
from sync import batch_format as bf
from sync import station_side

from .factories import ADMIN, record_for
from .sync_fixtures import install, login, make_county, make_station
from .test_roster import write_roster

ROOT = Path(__file__).resolve().parent.parent
KILLS = int(os.environ.get("STATION_KILLS", "200"))
pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="SIGKILL")]

WORKER = """
import os, random, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from station import auth, backup, records, roster, seeding
from sync import station_side
from tests.factories import ADMIN, record_for

directory, usb, journal, roster_file = map(Path, sys.argv[1:5])
rng = random.Random(int(sys.argv[5]))
start = int(sys.argv[6])
with auth.login(directory, *ADMIN) as ctx:
    print("ready", flush=True)
    i = start
    while True:
        action = rng.random()
        if action < 0.55:
            saved = records.create(ctx, record_for(i))
            i += 1
            with journal.open("a") as f:  # only what create returned
                f.write(saved.registration_no + "\\n")
                f.flush()
                os.fsync(f.fileno())
        elif action < 0.7:
            seeding.seed(ctx, 2, "signed", rng_seed=rng.randrange(10**6))
        elif action < 0.8:
            roster.import_roster(ctx, roster_file)
        elif action < 0.9:
            backup.make_backup(ctx, directory / "backups" / f"k{{rng.randrange(10**6)}}.zkbackup")
        else:
            station_side.export_batches(ctx, usb, max_records=3)
"""


def _check(directory: Path, usb: Path, journal: Path) -> None:
    returned = journal.read_text().split() if journal.exists() else []
    with login(directory) as ctx:
        with ctx.store.read() as s:
            assert audit.verify(s).ok
            stored = set(s.scalars(select(Candidate.registration_no)))
            batches = {b.file_name: b.hash for b in s.scalars(select(Batch))}
            signing = station_side.station_row(s).signing_key
        missing = [r for r in returned if r not in stored]
        assert missing == [], f"saves that returned but are gone: {missing}"
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    public = Ed25519PrivateKey.from_private_bytes(signing).public_key().public_bytes_raw()
    for path in usb.glob("*.zkb"):
        data = path.read_bytes()
        bf.verify_signature(bf.parse(data), public)  # complete and signed
        assert batches.get(path.name) == bf.sha256_hex(data), f"{path.name} is not recorded"
    for path in (directory / "backups").glob(f"*{backup.SUFFIX}"):
        backup.verify(path, *ADMIN)  # every byte of every backup under its final name


def test_kills_lose_nothing_and_the_next_run_finishes(tmp_path: Path) -> None:
    _keys, public = make_county(tmp_path / "county")
    directory = make_station(tmp_path, 12)
    install(directory, public)
    (directory / "backups").mkdir()
    usb = tmp_path / "usb"
    usb.mkdir()
    journal = tmp_path / "journal.txt"
    roster_file = write_roster(tmp_path / "roster.xlsx", [record_for(i) for i in range(1, 31)])
    rng = random.Random(20261130)
    script = WORKER.format(root=str(ROOT))
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATION_")}
    for kill in range(KILLS):
        worker = subprocess.Popen(
            [
                sys.executable,
                "-c",
                script,
                str(directory),
                str(usb),
                str(journal),
                str(roster_file),
                str(kill),
                str(100 + kill * 5),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        assert worker.stdout is not None
        line = worker.stdout.readline().strip()
        if line != "ready":
            worker.kill()
            raise AssertionError(f"kill {kill}: the station did not open: {worker.stderr.read()}")
        time.sleep(rng.uniform(0.0, 0.5))
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        if kill % 20 == 19 or kill == KILLS - 1:
            _check(directory, usb, journal)

    _check(directory, usb, journal)
    with login(directory) as ctx:
        station_side.export_batches(ctx, usb)  # the next run finishes the work
        with ctx.store.read() as s:
            assert s.scalar(select(Batch).where(Batch.written_at.is_(None))) is None
            assert records.count_by_state(s).get(State.SIGNED.value, 0) == 0
    _check(directory, usb, journal)
    assert len(journal.read_text().split()) > KILLS // 4  # the kills did land mid-work
