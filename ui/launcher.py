"""The ``station`` console script: the core's commands (``station.cli``), the county
exchange's (``sync.station_commands``: keys, batches, review results), ``gui`` and
``self-test``; ``station-desk`` (no console window on Windows) only opens the desk.

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


def run_self_test(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sync import selftest

    steps = list(selftest.CORE_STEPS)
    if not args.no_gui:
        from ui.selftest_gui import GUI_STEPS

        steps += GUI_STEPS
    from station import __version__

    print(f"报名点采集站自检 / station self-test, version {__version__}", flush=True)
    keep = Path(args.keep) if args.keep else None
    ok = selftest.run(steps, emit=lambda line: print(line, flush=True), root=keep)
    print("自检通过 / all steps passed" if ok else "自检未通过 / the self-test failed")
    return 0 if ok else 1


def _add_self_test(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add(
        "self-test",
        run_self_test,
        "自检：在临时目录里走完一次完整报名流程 / run the whole registration path in a scratch "
        "folder: 0 every step passed, 1 a step failed",
    )
    p.add_argument("--no-gui", action="store_true", help="不检查图形界面 / skip the desk's steps")
    p.add_argument("--keep", metavar="EMPTY_DIR", help="保留自检数据于此目录 / keep the files here")


def _extend(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    from sync import station_commands

    station_commands.extend(sub, add)
    _add_gui(sub, add)
    _add_self_test(sub, add)


def main(argv: Sequence[str] | None = None) -> int:
    from station import cli

    return cli.main(argv, extend=_extend, default=run_gui)


def desk() -> int:
    """``station-desk``: the desk alone (a windowed program: no console to print to)."""
    return main(["gui", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
