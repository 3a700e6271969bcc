"""The ``station`` console script: the core's commands (``station.cli``), the county
exchange's (``sync.station_commands``: keys, batches, review results) and ``gui``.

It lives here, above both layers, because ``station`` may not import ``sync`` nor either of
them Qt. With no command, or ``station gui``, the desk opens; every other command runs
without importing Qt.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any


def _add_gui(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("gui", run_gui, "打开图形界面（默认）/ open the desk application (default)")
    p.add_argument("--kiosk", action="store_true", help="全屏模式 / full screen")


def run_gui(args: argparse.Namespace) -> int:
    from station.settings import data_dir

    try:
        from ui.app import run
    except ImportError as exc:
        from station.errors import UsageError

        raise UsageError(f"无法启动图形界面：{exc}", f"cannot start the GUI: {exc}") from None
    return run(data_dir(args.data_dir), kiosk=getattr(args, "kiosk", False))


def _extend(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    from sync import station_commands

    station_commands.extend(sub, add)
    _add_gui(sub, add)


def main(argv: Sequence[str] | None = None) -> int:
    from station import cli

    return cli.main(argv, extend=_extend, default=run_gui)


if __name__ == "__main__":
    sys.exit(main())
