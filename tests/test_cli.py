"""The ``station`` command as a user runs it: real processes, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from station.models import AuditEvent
from station.settings import save

from .factories import cli_settings, valid_record

ADMIN_ENV = {"STATION_OPERATOR": "admin", "STATION_PASSWORD": "demo-admin-2027"}


def run(
    home: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("STATION_")}
    full_env |= {"STATION_HOME": str(home), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "ui.launcher", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=stdin if stdin is not None else "",
        timeout=120,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("错误：")
    assert len(result.stderr.strip().splitlines()) <= 2  # Chinese line + English line


@pytest.fixture
def home(tmp_path: Path) -> Path:
    directory = tmp_path / "home"
    directory.mkdir()
    save(directory, cli_settings())
    return directory


@pytest.fixture
def demo_home(home: Path) -> Path:
    result = run(home, "demo", "--count", "10")
    assert result.returncode == 0, result.stderr
    return home


def test_demo_creates_a_ready_station_and_prints_accounts(demo_home: Path) -> None:
    info = run(demo_home, "info", env=ADMIN_ENV)
    assert info.returncode == 0, info.stderr
    data = json.loads(info.stdout)
    assert data["demo"] is True and data["station"] == "410105-01"
    assert data["candidates_by_state"] == {"ready": 5, "signed": 5}
    settings = json.loads((demo_home / "settings.json").read_text())
    assert settings["card_reader"] == "demo" and settings["kdf"]["memory_cost"] == 19 * 1024
    # Forms print as PDF files to open (a demo needs no printer; `doctor` finds it set up).
    assert settings["printer"] == f"pdf:{(demo_home / 'printed-forms').resolve()}"
    assert (demo_home / "printed-forms").is_dir()
    again = run(demo_home, "demo")
    assert (
        again.returncode == 0 and "已存在" in again.stdout and "demo-operator-2027" in again.stdout
    )


def test_the_demo_exchanges_batches_with_its_training_county(demo_home: Path) -> None:
    """What ``station demo`` prints to try: export to the demo county's stand-in USB
    folder, ingest there with the printed passphrase, take the receipt back."""
    from station import auth
    from sync import demo_county, station_side
    from sync.county import db
    from sync.county.home import CountyHome
    from sync.county.ingest import ingest_files

    home = CountyHome(demo_county.home_for(demo_home))
    printed = run(demo_home, "demo").stdout  # again: the county is there already
    assert f"demo training county: {home.root}" in printed and demo_county.PASSPHRASE in printed
    with auth.login(demo_home, ADMIN_ENV["STATION_OPERATOR"], ADMIN_ENV["STATION_PASSWORD"]) as ctx:
        exported = station_side.export_batches(ctx, home.root / demo_county.USB)
        assert exported
        engine = db.connect(db.default_url(home.root))
        try:
            outcomes = ingest_files(
                engine,
                home.keys(demo_county.PASSPHRASE),
                exported,
                pending_dir=home.pending,
                receipts_dir=home.receipts,
            )
        finally:
            engine.dispose()
        assert [o.status for o in outcomes] == ["ok"] * len(exported)
        assert sum(o.records for o in outcomes) == 5  # the five signed records
        for outcome in outcomes:
            assert outcome.receipt is not None
            assert station_side.ack_receipt(ctx, outcome.receipt).acknowledged == outcome.records
    assert home.keys(demo_county.PASSPHRASE).training  # takes no real station's batches
    with auth.login(demo_home, ADMIN_ENV["STATION_OPERATOR"], ADMIN_ENV["STATION_PASSWORD"]) as ctx:
        with ctx.store.read() as s:
            installs = s.scalars(
                select(AuditEvent).where(AuditEvent.action == "county_key_install")
            ).all()
        assert len(installs) == 1  # the second `station demo` installed nothing again


def test_a_demo_station_made_again_gets_a_new_demo_county(demo_home: Path) -> None:
    """The old county holds the old station's key and batches, which the new station cannot
    continue: it is put aside (training data) and made anew."""
    from sync import demo_county

    county = demo_county.home_for(demo_home)
    old_key = (county / "county-public.json").read_text("utf-8")
    for path in demo_home.iterdir():
        if path.name != "settings.json":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    again = run(demo_home, "demo", "--count", "2")
    assert again.returncode == 0, again.stderr
    assert "demo training county" in again.stdout
    assert (county / "county-public.json").read_text("utf-8") != old_key
    assert [p.name for p in county.parent.glob(county.name + ".old-*")]


def test_seed_list_and_verify(demo_home: Path) -> None:
    seeded = run(demo_home, "seed", "--count", "40", "--state", "signed", env=ADMIN_ENV)
    assert seeded.returncode == 0, seeded.stderr
    listed = run(demo_home, "candidate", "list", "--json", env=ADMIN_ENV)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert len(rows) == 50
    assert all(r["id_number"].startswith("**************") for r in rows)
    assert sum(r["state"] == "signed" for r in rows) == 45
    signed = run(demo_home, "candidate", "list", "--json", "--state", "ready", env=ADMIN_ENV)
    assert len(json.loads(signed.stdout)) == 5
    verified = run(demo_home, "audit", "verify", env=ADMIN_ENV)
    assert verified.returncode == 0 and "完好" in verified.stdout


def test_tampered_audit_row_makes_verify_exit_1_and_name_it(demo_home: Path) -> None:
    from sqlalchemy import text

    from station import auth

    with auth.login(demo_home, "admin", "demo-admin-2027") as ctx, ctx.store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_events_no_update"))
        conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 7"))
    result = run(demo_home, "audit", "verify", env=ADMIN_ENV)
    assert result.returncode == 1
    assert "#7" in result.stderr and "mallory" in result.stderr
    as_json = run(demo_home, "audit", "verify", "--json", env=ADMIN_ENV)
    assert as_json.returncode == 1 and json.loads(as_json.stdout)["bad_seq"] == 7


def test_init_and_operator_commands(home: Path) -> None:
    env = {"STATION_OPERATOR": "boss", "STATION_PASSWORD": "boss-password-1"}
    created = run(
        home, "init", "--name", "金水区一中报名点", "--county", "410105", "--number", "7", env=env
    )
    assert created.returncode == 0, created.stderr
    assert "恢复码" in created.stdout
    added = run(
        home,
        "operator",
        "add",
        "wang",
        "--name",
        "王老师",
        "--role",
        "supervisor",
        env={**env, "STATION_NEW_PASSWORD": "wang-password-1"},
    )
    assert added.returncode == 0, added.stderr
    listed = run(home, "operator", "list", "--json", env=env)
    assert {r["login"]: r["role"] for r in json.loads(listed.stdout)} == {
        "boss": "admin",
        "wang": "supervisor",
    }
    wang = {"STATION_OPERATOR": "wang", "STATION_PASSWORD": "wang-password-1"}
    assert run(home, "info", env=wang).returncode == 0
    refused = run(home, "operator", "disable", "boss", env=wang)
    assert_one_line_error(refused, 1)
    assert run(home, "operator", "disable", "wang", env=env).returncode == 0
    assert_one_line_error(run(home, "info", env=wang), 1)
    assert_one_line_error(
        run(home, "init", "--name", "x", "--county", "410105", "--number", "1", env=env), 2
    )


def test_candidate_add_show_and_refusals(demo_home: Path) -> None:
    record = valid_record()
    added = run(
        demo_home,
        "candidate",
        "add",
        "--json-file",
        "-",
        "--json",
        env=ADMIN_ENV,
        stdin=json.dumps(record),
    )
    assert added.returncode == 0, added.stderr
    regno = json.loads(added.stdout)["registration_no"]
    shown = run(demo_home, "candidate", "show", regno, "--json", env=ADMIN_ENV)
    assert json.loads(shown.stdout)["record"]["name"] == "张三"
    dup = run(
        demo_home, "candidate", "add", "--json-file", "-", env=ADMIN_ENV, stdin=json.dumps(record)
    )
    assert_one_line_error(dup, 1)
    assert "已有考生记录" in dup.stderr
    bad = run(
        demo_home,
        "candidate",
        "add",
        "--json-file",
        "-",
        "--name",
        "张3",
        "--phone",
        "12",
        env=ADMIN_ENV,
        stdin=json.dumps({**record, "id_number": "110105491231002"}),
    )
    assert_one_line_error(bad, 1)
    assert "姓名" in bad.stderr and "15 位" in bad.stderr and "联系电话" in bad.stderr
    assert_one_line_error(run(demo_home, "candidate", "show", "nobody", env=ADMIN_ENV), 1)
    broken_json = run(
        demo_home, "candidate", "add", "--json-file", "-", env=ADMIN_ENV, stdin="{oops"
    )
    assert_one_line_error(broken_json, 2)


def test_login_problems_are_one_line(demo_home: Path, tmp_path: Path) -> None:
    wrong = run(demo_home, "info", env={"STATION_OPERATOR": "admin", "STATION_PASSWORD": "nope"})
    assert_one_line_error(wrong, 1)
    no_env = run(demo_home, "info")  # no terminal to prompt on
    assert_one_line_error(no_env, 2)
    empty = tmp_path / "empty"
    empty.mkdir()
    uninitialised = run(empty, "candidate", "list", env=ADMIN_ENV)
    assert_one_line_error(uninitialised, 2)
    assert "station init" in uninitialised.stderr
    assert not any(empty.iterdir())  # nothing was created


def test_usage_errors_exit_2(home: Path) -> None:
    assert run(home, "frobnicate").returncode == 2
    assert_one_line_error(run(home, "demo", "--count", "-1"), 2)
    assert not (home / "keyslots.json").exists()
    assert run(home, "seed").returncode == 2  # --count missing
    assert run(home, "candidate").returncode == 2


def test_help_is_light() -> None:
    # `station --help` must not pull in Qt, OpenCV or the database layer.
    code = (
        "import sys\n"
        "from ui import launcher as cli\n"
        "try:\n"
        "    cli.main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('PySide6', 'cv2', 'sqlalchemy', 'alembic', 'argon2', 'cryptography') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_internal_error_is_one_line_and_logged(demo_home: Path) -> None:
    from sqlalchemy import text

    from station import auth

    with auth.login(demo_home, "admin", "demo-admin-2027") as ctx, ctx.store.engine.begin() as conn:
        conn.execute(text("UPDATE candidates SET state = 'bogus' WHERE id = 1"))
    regno = json.loads(run(demo_home, "candidate", "list", "--json", env=ADMIN_ENV).stdout)[0][
        "registration_no"
    ]
    result = run(demo_home, "candidate", "show", regno, env=ADMIN_ENV)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "内部错误" in result.stderr
    log = (demo_home / "logs" / "station.log").read_text()
    assert "Traceback" in log and "internal error in `candidate`" in log


def test_bad_settings_file_is_unusable_input(demo_home: Path) -> None:
    settings = json.loads((demo_home / "settings.json").read_text())
    for bad in (
        {"age_rules": {"fresh": "not a pair"}},
        {"lockout_attempts": "five"},
        {"colour": "red"},
        # An edited file must not make new password hashes cheap to guess (nor too dear).
        {"kdf": {"time_cost": 1, "memory_cost": 256, "parallelism": 1}},
        {"kdf": {"time_cost": 3, "memory_cost": 2**32, "parallelism": 1}},
        {"kdf": {"time_cost": 3, "memory": 65536}},
    ):
        (demo_home / "settings.json").write_text(json.dumps({**settings, **bad}))
        assert_one_line_error(run(demo_home, "info", env=ADMIN_ENV), 2)
