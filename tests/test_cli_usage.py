"""The command line keeps its word: usage errors in both languages with exit 2, choices that
are checked, global options before or after the subcommand, a closed pipe that ends quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from station import cli
from station.cli_parser import chinese
from station.lifecycle import State
from sync import county_cli
from ui.launcher import main as station_main


def _usage_error(capsys: pytest.CaptureFixture[str], *argv: str, county: bool = False) -> str:
    with pytest.raises(SystemExit) as stop:
        (county_cli.main if county else station_main)(list(argv))
    assert stop.value.code == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    chinese_line = next(line for line in lines if line.startswith("错误："))
    english_line = next(line for line in lines if line.startswith("error: "))
    assert lines.index(chinese_line) + 1 == lines.index(english_line)
    assert "Traceback" not in err
    return chinese_line


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["candidate", "list", "--state", "bogus"], "参数 --state 的值 bogus 无效"),
        (["seed", "--count", "3", "--state", "bogus"], "参数 --state 的值 bogus 无效"),
        (["candidate", "list", "--limit", "0"], "参数 --limit 不对"),
        (["candidate", "list", "--limit", "x"], "参数 --limit 应为整数"),
        (["operator", "add", "li", "--name", "李", "--role", "boss"], "参数 --role 的值 boss 无效"),
        (["init", "--name", "x"], "缺少必需的参数：--county, --number"),
        (["info", "--bogus"], "无法识别的参数：--bogus"),
        (["nosuchcommand"], "参数 COMMAND 的值 nosuchcommand 无效"),
        (["photo", "check"], "缺少必需的参数：IMAGE"),
    ],
)
def test_station_usage_errors_in_both_languages(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert expected in _usage_error(capsys, *argv)


def test_county_usage_errors_in_both_languages(capsys: pytest.CaptureFixture[str]) -> None:
    line = _usage_error(capsys, "review", "decide", "--station", "x", "1", "maybe", county=True)
    assert "maybe" in line and "无效" in line
    assert "缺少必需的参数" in _usage_error(capsys, "keygen", county=True)


def test_unknown_argparse_messages_still_get_a_chinese_line() -> None:
    assert chinese("something argparse never said") == "用法不对（见下方英文说明）"


def test_the_states_offered_are_the_lifecycle_states() -> None:
    assert set(cli.STATES) == {s.value for s in State}


def test_global_options_work_before_or_after_the_subcommand(tmp_path: Path) -> None:
    for argv in (["--data-dir", str(tmp_path), "doctor"], ["doctor", "--data-dir", str(tmp_path)]):
        assert _parse_station(argv).data_dir == str(tmp_path)
    assert _parse_station(["operator", "list", "--data-dir", "/z"]).data_dir == "/z"
    before = county_cli.build_parser().parse_args(["--db", "sqlite://", "ingest", "a.zkb"])
    after = county_cli.build_parser().parse_args(["ingest", "a.zkb", "--db", "sqlite://"])
    assert before.db == after.db == "sqlite://"
    nested = county_cli.build_parser().parse_args(["station", "list", "--data-dir", "/x"])
    assert nested.data_dir == "/x"
    # Given first and not again: the subcommand's default does not overwrite it.
    assert (
        county_cli.build_parser().parse_args(["--data-dir", "/y", "verify", "f"]).data_dir == "/y"
    )


def _parse_station(argv: list[str]) -> object:
    from ui.launcher import _extend

    return cli.build_parser(_extend).parse_args(argv)


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    # `station … | head`: a command whose output outgrows the pipe while the reader has gone.
    flood = tmp_path / "flood.py"
    flood.write_text(
        "import sys\n"
        "import station.cli as c\n"
        "def info(_args):\n"
        "    for _ in range(20000):\n"
        "        print('x' * 80)\n"
        "    return 0\n"
        "c.cmd_info = info\n"
        "sys.exit(c.main(['info']))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATION_")}
    env |= {"STATION_HOME": str(tmp_path / "st")}
    done = subprocess.run(
        ["sh", "-c", f'"{sys.executable}" "{flood}" | head -n 1'],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.stdout == "x" * 80 + "\n"
    assert done.stderr == ""  # no "Broken pipe", no "Exception ignored"


def test_an_argument_with_a_nul_character_is_refused_in_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Found by tests/test_fuzz.py: `key export --out "\0"` ended in an internal error.
    from station.cli import main as station_main
    from sync.county_cli import main as county_main

    assert station_main(["key", "export", "--out", "\x00"]) == 2
    assert county_main(["station", "list", "--db", "a\x00b"]) == 2
    err = capsys.readouterr().err
    assert "空字符" in err and "Traceback" not in err


def test_a_folder_without_a_station_is_said_before_any_login_is_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STATION_OPERATOR", raising=False)
    monkeypatch.delenv("STATION_PASSWORD", raising=False)
    nowhere = tmp_path / "nowhere"
    try:
        code = station_main(["--data-dir", str(nowhere), "info"])
    except SystemExit as stop:
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err
    assert f"{nowhere} 中没有报名点" in err and "STATION_HOME" in err
    assert "STATION_OPERATOR" not in err  # not a missing login: a wrong folder


def test_a_station_folder_given_to_the_county_is_named_and_left_as_it_was(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The newcomer's slip (the demo's station and county folders lie side by side): the
    county had advised `county keygen` in the station's folder and left a county.db there."""
    from .sync_fixtures import make_station

    station = make_station(tmp_path, 1)
    batch = tmp_path / "a.zkb"
    batch.write_bytes(b"batch")
    before = sorted(p.name for p in station.iterdir())
    assert county_cli.main(["ingest", str(batch), "--data-dir", str(station)]) == 2
    said = capsys.readouterr().err
    assert "是报名点的数据目录，不是县区的" in said and "county-key.json" in said
    assert sorted(p.name for p in station.iterdir()) == before  # no county.db made
    empty = tmp_path / "empty"
    empty.mkdir()
    assert county_cli.main(["station", "list", "--data-dir", str(empty)]) == 2
    said = capsys.readouterr().err
    assert "没有县区密钥" in said and "county keygen" in said
    assert [p.name for p in empty.iterdir()] == []


def test_a_county_whose_private_key_is_kept_offline_still_works_and_keeps_its_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .sync_fixtures import PASSPHRASE, make_county

    home = tmp_path / "county"
    make_county(home)
    (home / "county-key.json").rename(tmp_path / "offline-key.json")
    public = (home / "county-public.json").read_bytes()
    assert county_cli.main(["station", "list", "--data-dir", str(home)]) == 0
    batch = tmp_path / "a.zkb"
    batch.write_bytes(b"batch")
    monkeypatch.setenv("COUNTY_PASSPHRASE", PASSPHRASE)
    assert county_cli.main(["ingest", str(batch), "--data-dir", str(home)]) == 2
    assert "可能离线保存" in capsys.readouterr().err
    # and `county keygen` there would have written a new public key over the county's
    keygen = ["keygen", "--county", "410105", "--name", "x", "--data-dir", str(home)]
    assert county_cli.main(keygen) == 2
    assert "已存在" in capsys.readouterr().err
    assert (home / "county-public.json").read_bytes() == public
    assert not (home / "county-key.json").exists()
