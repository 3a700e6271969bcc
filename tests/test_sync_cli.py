"""``station key|batch|review`` and ``county …`` as a user runs them: real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from station import seeding

from .factories import ADMIN, OPERATOR
from .sync_fixtures import login, make_station

STATION = (
    "import sys; from station.cli import main; from sync.station_commands import extend; "
    "sys.exit(main(sys.argv[1:], extend=extend))"
)
ADMIN_ENV = {"STATION_OPERATOR": ADMIN[0], "STATION_PASSWORD": ADMIN[1]}


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STATION_", "COUNTY_"))}
    return env | extra


def station(
    home: Path, *args: str, who: dict[str, str] = ADMIN_ENV
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", STATION, *args],
        capture_output=True,
        text=True,
        env=_env({"STATION_HOME": str(home), **who}),
        timeout=120,
    )


def county(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync.county_cli", *args],
        capture_output=True,
        text=True,
        env=_env({"COUNTY_HOME": str(home), "COUNTY_PASSPHRASE": "county-passphrase-2027"}),
        timeout=120,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_whole_exchange_on_the_command_line(tmp_path: Path) -> None:
    home = make_station(tmp_path, 3)
    with login(home) as ctx:
        seeding.seed(ctx, 6, "signed", rng_seed=5)
    chome = tmp_path / "county"
    out = ok(county(chome, "keygen", "--county", "410105", "--name", "金水区教育局"))
    county_fp = out.splitlines()[-1].split(": ")[1]

    assert "fingerprint" in ok(station(home, "key", "export", "--out", str(tmp_path / "st.json")))
    assert "已登记" in ok(county(chome, "station", "add", str(tmp_path / "st.json")))
    refused = station(
        home,
        "key",
        "county",
        str(chome / "county-public.json"),
        who={"STATION_OPERATOR": OPERATOR[0], "STATION_PASSWORD": OPERATOR[1]},
    )
    assert refused.returncode == 1 and refused.stderr.startswith("错误：")
    assert county_fp in ok(station(home, "key", "county", str(chome / "county-public.json")))

    outbox = tmp_path / "outbox"
    outbox.mkdir()
    exported = station(home, "batch", "export", "--out", str(outbox), "--max-records", "4")
    written = ok(exported).split()  # only the paths on stdout
    assert len(written) == 2 and all(Path(p).exists() for p in written)
    assert "station batch ack" in exported.stderr  # and what to do next
    assert "nothing to export" in ok(station(home, "batch", "export", "--out", str(outbox)))

    assert ok(county(chome, "verify", *written)).count(": ok") == 2
    bad = tmp_path / "bad.zkb"
    data = bytearray(Path(written[0]).read_bytes())
    data[-10] ^= 0xFF
    bad.write_bytes(bytes(data))
    result = county(chome, "verify", str(bad))
    assert result.returncode == 1 and "bad_signature" in result.stdout
    missing = county(chome, "verify", str(tmp_path / "nope.zkb"))
    assert (
        missing.returncode == 2
        and missing.stderr.startswith("错误：")
        and "Traceback" not in missing.stderr
    )

    ingested = ok(county(chome, "ingest", *written))
    receipts = sorted((chome / "receipts").glob("*.json"))
    assert len(receipts) == 2 and ingested.count(": ok") == 2
    # The receipts folder taken whole, a batch picked with it by mistake: the receipts are
    # taken, the batch is said (exit 1).
    taken = station(home, "batch", "ack", *map(str, receipts), written[0])
    assert taken.returncode == 1 and taken.stdout.count("acknowledged") == 2
    assert "不是县区回执" in taken.stderr and Path(written[0]).name in taken.stderr
    listed = json.loads(ok(station(home, "batch", "list", "--json")))
    assert [b["state"] for b in listed] == ["acknowledged", "acknowledged"]

    with login(home) as ctx, ctx.store.read() as s:
        from station.models import Candidate

        regno = s.query(Candidate.registration_no).order_by(Candidate.id).first()[0]
    ok(
        county(
            chome,
            "review",
            "decide",
            "--station",
            "410105-03",
            regno,
            "rejected",
            "--reason",
            "照片不合格",
        )
    )
    ok(
        county(
            chome, "review", "export", "--station", "410105-03", "--out", str(tmp_path / "rv.json")
        )
    )
    assert "rejected 1" in ok(station(home, "review", "import", str(tmp_path / "rv.json")))
    assert "6" in ok(county(chome, "roster", "export", "--out", str(tmp_path / "roster.xlsx")))


def test_usage_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    result = county(tmp_path / "empty", "verify", __file__)
    assert result.returncode == 2 and "county keygen" in result.stderr
    assert county(tmp_path, "station").returncode == 2
    # 周口市 412701 was abolished in 2000: no county key is made for it, and nothing is left.
    result = county(tmp_path / "old", "keygen", "--county", "412701", "--name", "周口市教育局")
    assert result.returncode == 2 and "不是现行的行政区划代码" in result.stderr
    assert not (tmp_path / "old").exists()
    home = make_station(tmp_path, 4)
    result = station(home, "batch", "export", "--out", str(tmp_path))
    assert result.returncode == 2 and "station key county" in result.stderr


def test_station_init_installs_the_county_key_through_the_real_command(tmp_path: Path) -> None:
    from station.settings import save

    from .factories import cli_settings

    chome = tmp_path / "county"
    ok(county(chome, "keygen", "--county", "410105", "--name", "金水区教育局"))
    public = next(chome.glob("*public*.json"))
    home = tmp_path / "new-station"
    home.mkdir()
    save(home, cli_settings())
    result = subprocess.run(
        [sys.executable, "-m", "ui.launcher", "init", "--name", "新报名点", "--county", "410105",
         "--number", "9", "--county-key", str(public)],
        capture_output=True, text=True, timeout=120,
        env=_env({"STATION_HOME": str(home), **ADMIN_ENV}),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "恢复码" in result.stdout and "指纹" in result.stdout
    wrong = tmp_path / "other-county"
    ok(county(wrong, "keygen", "--county", "410102", "--name", "中原区教育局"))
    refused = station(home, "key", "county", str(next(wrong.glob("*public*.json"))))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
