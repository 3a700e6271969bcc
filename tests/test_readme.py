"""The README matches the program: every ``station`` and ``county`` command line in its code
blocks names a command that exists, its ``--help`` works, and every option it shows is one
that command takes; the read-only ones also run for real on a scratch station."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from station import cli, seeding
from sync import county_cli
from ui.launcher import _extend
from ui.launcher import main as station_main

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PROGRAMS = {"station": lambda: cli.build_parser(_extend), "county": county_cli.build_parser}
ENV_WORD = re.compile(r"^[A-Z_]+=")


def readme_command_lines() -> list[tuple[str, list[str]]]:
    """(program, words) for every command line in the README's code blocks; a line of
    alternatives (``… export --out DIR | list | ack RECEIPT``) counts as one line each."""
    lines: list[tuple[str, list[str]]] = []
    in_block = False
    for raw in README.read_text("utf-8").splitlines():
        if raw.lstrip().startswith("```"):
            in_block = not in_block
            continue
        if not in_block:
            continue
        text = raw.split("  #")[0].strip()
        words = [w for w in text.split() if not ENV_WORD.match(w)]
        if not words:
            continue
        program = Path(words[0]).name.removesuffix(".exe")
        if program not in PROGRAMS:
            continue
        pieces = " ".join(words[1:]).split(" | ")
        first = pieces[0].split()
        lines.append((program, first))
        for alternative in pieces[1:]:
            extra = alternative.split()
            parent = first if extra[0].startswith("-") else _command_path(program, first)[:-1]
            lines.append((program, [*parent, *extra]))
    return lines


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _command_path(program: str, words: list[str]) -> list[str]:
    parser = PROGRAMS[program]()
    path: list[str] = []
    for word in words:
        if word.startswith("-"):
            continue  # a global option before the command
        choices = _subcommands(parser)
        if word not in choices:
            break
        path.append(word)
        parser = choices[word]
    return path


def _parser_for(program: str, path: list[str]) -> argparse.ArgumentParser:
    parser = PROGRAMS[program]()
    for word in path:
        parser = _subcommands(parser)[word]
    return parser


def _options(words: list[str]) -> list[str]:
    found = []
    for word in words:
        for part in re.findall(r"--[a-z][a-z-]*", word):
            found.append(part)
    return found


LINES = readme_command_lines()


def test_the_readme_shows_every_command() -> None:
    shown = {(program, tuple(_command_path(program, words))) for program, words in LINES}
    for program in PROGRAMS:
        for name in _subcommands(PROGRAMS[program]()):
            assert any(p == program and path[:1] == (name,) for p, path in shown), (
                f"`{program} {name}` is not in the README"
            )


@pytest.mark.parametrize(
    ("program", "words"), LINES, ids=[f"{p} {' '.join(w)}"[:60] for p, w in LINES]
)
def test_each_readme_line_names_a_real_command_and_real_options(
    program: str, words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _command_path(program, words)
    assert path, f"no such command: {program} {' '.join(words)}"
    parser = _parser_for(program, path)
    takes = {s for action in parser._actions for s in action.option_strings}
    for option in _options(words):
        assert option in takes, f"`{program} {' '.join(path)}` takes no {option}"
    main = station_main if program == "station" else county_cli.main
    with pytest.raises(SystemExit) as done:
        main([*path, "--help"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("usage:")


SAFE = [
    "station info",
    "station candidate list --state signed --limit 3",
    "station operator list",
    "station audit verify",
    "station batch list",
    "station doctor",
]


@pytest.mark.parametrize("line", SAFE)
def test_the_read_only_lines_run_on_a_scratch_station(
    line: str, station_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program, *words = shlex.split(line)
    assert any(p == program and w[: len(words[:2])] == words[:2] for p, w in LINES), line
    from station import auth

    from .factories import ADMIN

    with auth.login(station_dir, *ADMIN) as ctx:
        seeding.seed(ctx, 3, "signed", rng_seed=9)
    monkeypatch.setenv("STATION_OPERATOR", ADMIN[0])
    monkeypatch.setenv("STATION_PASSWORD", ADMIN[1])
    code = station_main(["--data-dir", str(station_dir), *words])
    assert code == (1 if words == ["doctor"] else 0)  # doctor: no camera or printer here
