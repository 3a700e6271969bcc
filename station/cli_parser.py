"""The command line's parser, shared by ``station`` and ``county``.

Two things argparse does not do for us:

* **Usage errors in both languages** (exit 2): argparse speaks English only, so
  :class:`BilingualParser` prints a Chinese line (argparse's common messages translated,
  the rest summarised) above argparse's own English one.
* **Global options anywhere**: ``--data-dir`` (and the county's ``--db``) work before or
  after the subcommand, because :func:`global_options` makes a parent parser that every
  subcommand takes with a default that never overwrites what was given earlier.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from typing import NoReturn

_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"the following arguments are required: (.+)"), "缺少必需的参数：{0}"),
    (re.compile(r"unrecognized arguments: (.+)"), "无法识别的参数：{0}"),
    (
        re.compile(r"argument (\S+): invalid choice: '?(.*?)'? \(choose from (.+)\)"),
        "参数 {0} 的值 {1} 无效，可选：{2}",
    ),
    (re.compile(r"argument (\S+): invalid int value: '?(.*?)'?$"), "参数 {0} 应为整数，而不是 {1}"),
    (re.compile(r"argument (\S+): expected one argument"), "参数 {0} 后面需要一个值"),
    (re.compile(r"argument (\S+): (.+)"), "参数 {0} 不对：{1}"),
]


def chinese(message: str) -> str:
    """A Chinese line for an argparse error message."""
    for pattern, template in _MESSAGES:
        match = pattern.fullmatch(message.strip())
        if match:
            return template.format(*match.groups())
    return "用法不对（见下方英文说明）"


class BilingualParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"错误：{chinese(message)}", file=sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        print(f"（{self.prog} --help 查看用法 / see {self.prog} --help）", file=sys.stderr)
        sys.exit(2)


def global_options(*options: tuple[str, str]) -> argparse.ArgumentParser:
    """A parent parser of ``(flag, help)`` options accepted after any subcommand."""
    parent = argparse.ArgumentParser(add_help=False)
    for flag, help_ in options:
        parent.add_argument(flag, default=argparse.SUPPRESS, help=help_)
    return parent


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def closed_pipe() -> int:
    """End quietly when stdout's reader has gone (``station … | head``): nothing more can be
    written there, and Python's own flush at exit must not complain either."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 0


def robust_streams() -> None:
    """Print what cannot be encoded as escapes instead of failing: an argument that was not
    valid UTF-8 on the command line (a file name from another system) comes back in messages."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a closed or odd stream: leave it
                reconfigure(errors="backslashreplace")
