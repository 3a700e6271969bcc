"""Fuzzing: whatever the arguments and whatever the batch bytes, a reason and never a traceback.

* Every ``station`` and ``county`` command (but the desk, the self-test and the ones that make
  stations) with generated arguments: real options, odd values, very long values, values that
  were not valid UTF-8 on the command line, paths to folders, devices and nothing.
* The county's reader over mutated and cut real batches: only refusals with a reason code.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from station import cli, seeding
from sync import batch_format as bf
from sync import county_cli, station_side
from sync.county import db, ingest, registry
from sync.errors import BatchRefused
from sync.keys import read_private_key
from ui.launcher import _extend
from ui.launcher import main as station_main

from .factories import ADMIN
from .sync_fixtures import COUNTY, PASSPHRASE, install, login, make_county, make_station

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = {("gui",), ("self-test",), ("demo",), ("init",), ("seed",), ("restore",), ("keygen",)}


def _leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [(path, parser)]
    out = []
    for name, child in subs[0].choices.items():
        out += _leaves(child, (*path, name))
    return out


STATION_COMMANDS = [
    (p, sp) for p, sp in _leaves(cli.build_parser(_extend)) if p[:1] not in {s[:1] for s in SKIPPED}
]
COUNTY_COMMANDS = [
    (p, sp) for p, sp in _leaves(county_cli.build_parser()) if p[:1] not in {s[:1] for s in SKIPPED}
]

ODD = st.one_of(
    st.sampled_from(
        [
            "",
            "-",
            "0",
            "-1",
            "99999999999999999999",
            "/dev/zero",
            "/",
            "/nonexistent/x",
            ".",
            "\udcff\udcfe",
            "名" * 5000,
            "x" * 100_000,
            "--",
            "=1+1",
            "\x00",
            "../../etc/passwd",
        ]
    ),
    st.text(max_size=30),
)


def _args(parser: argparse.ArgumentParser) -> st.SearchStrategy[list[str]]:
    options = [s for a in parser._actions for s in a.option_strings if s not in ("-h", "--help")]
    word = st.one_of(st.sampled_from(options or ["--x"]), ODD)
    return st.lists(word, max_size=6)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_station(tmp_path_factory.mktemp("fuzz"), 15)


def _no_traceback(run, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = run()
    except SystemExit as stop:  # argparse: usage errors (2) and --help (0)
        code = stop.code
    err = capsys.readouterr().err
    assert code in (0, 1, 2, 130), code
    assert "Traceback" not in err and "内部错误" not in err and "internal error" not in err, err


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_station_commands_never_end_in_a_traceback(
    data: st.DataObject, scratch: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    path, parser = data.draw(st.sampled_from(STATION_COMMANDS))
    args = data.draw(_args(parser))
    monkeypatch.setenv("STATION_OPERATOR", ADMIN[0])
    monkeypatch.setenv("STATION_PASSWORD", ADMIN[1])
    monkeypatch.chdir(scratch.parent)
    _no_traceback(lambda: station_main(["--data-dir", str(scratch), *path, *args]), capsys)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_county_commands_never_end_in_a_traceback(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory, capsys, monkeypatch
) -> None:
    path, parser = data.draw(st.sampled_from(COUNTY_COMMANDS))
    args = data.draw(_args(parser))
    home = tmp_path_factory.getbasetemp() / "fuzz-county"
    if not home.exists():
        make_county(home)
    monkeypatch.setenv("COUNTY_PASSPHRASE", PASSPHRASE)
    monkeypatch.chdir(home)
    # `county serve` runs until stopped: its options are checked, the server is not started.
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: None)
    _no_traceback(lambda: county_cli.main(["--data-dir", str(home), *path, *args]), capsys)


def test_arguments_that_are_not_valid_utf8_get_a_reason(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STATION_", "COUNTY_"))}
    env |= {"STATION_HOME": str(tmp_path), "COUNTY_HOME": str(tmp_path / "c")}
    for program, args in (
        ("ui.launcher", [b"photo", b"check", b"\xff\xfe.jpg"]),
        ("ui.launcher", [b"--data-dir", b"\xff", b"info"]),
        ("sync.county_cli", [b"verify", b"\xff.zkb"]),
    ):
        done = subprocess.run(
            [sys.executable.encode(), b"-m", program.encode(), *args],
            capture_output=True,
            env=env,
            cwd=ROOT,
        )
        err = done.stderr.decode("utf-8", "replace")
        assert done.returncode in (1, 2) and "Traceback" not in err, err


@pytest.fixture(scope="module")
def real_batch(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("batch")
    _keys, public = make_county(root / "county")
    keys = read_private_key(root / "county" / "county-key.json", PASSPHRASE)
    engine = db.connect(db.default_url(root / "county"))
    station = make_station(root, 16)
    install(station, public)
    (root / "usb").mkdir()
    with login(station) as ctx:
        registry.register_station(engine, station_side.station_public_key(ctx), COUNTY)
        seeding.seed(ctx, 2, "signed", rng_seed=1)
        (batch,) = station_side.export_batches(ctx, root / "usb")
    yield batch.read_bytes(), engine, keys, root
    engine.dispose()


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    cut=st.integers(min_value=0, max_value=10**6),
    flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(1, 255)), max_size=4),
    tail=st.binary(max_size=16),
)
def test_the_county_reader_refuses_mutated_batches_with_a_reason(
    real_batch, cut: int, flips: list[tuple[int, int]], tail: bytes
) -> None:
    data, engine, keys, root = real_batch
    mutated = bytearray(data[: max(1, len(data) - cut % len(data))] if cut else data)
    for position, mask in flips:
        mutated[position % len(mutated)] ^= mask
    mutated += tail
    path = root / "mutated.zkb"
    path.write_bytes(bytes(mutated))
    # A changed length is always caught by the framing; a flipped byte perhaps only later.
    changed_length = len(mutated) != len(data)
    with pytest.raises(BatchRefused) if changed_length else contextlib.suppress(BatchRefused):
        bf.parse(bytes(mutated))
    (outcome,) = ingest.verify_files(engine, keys, [path])
    if bytes(mutated) != data:
        assert outcome.status == "refused" and outcome.code, outcome
