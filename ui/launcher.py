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


def run_doctor(args: argparse.Namespace) -> int:
    import json

    from station import auth, health
    from station import settings as settings_mod
    from station.cli_support import login_from_env
    from station.errors import StationError
    from station.settings import data_dir
    from ui.health_checks import printer

    directory = data_dir(args.data_dir)
    auth.require_station(directory)
    settings = settings_mod.load(directory)
    findings: list[health.Finding] = []

    def show(found: health.Finding) -> None:
        findings.append(found)
        if not args.json:
            print(found.line(), flush=True)

    checks = [*health.device_checks(directory, settings), lambda: printer(settings.printer)]
    for found in health.run(checks):
        show(found)
    try:
        with login_from_env(args) as ctx:
            for found in health.run(health.store_checks(ctx)):
                show(found)
    except StationError as exc:
        show(health.not_logged_in(exc.message_zh, exc.message_en))
    attention = health.needs_attention(findings)
    if args.json:
        print(json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=1))
    elif attention:
        print("有需要处理的事项（见上） / something needs attention (see above)")
    else:
        print("一切正常 / all is well")
    return 1 if attention else 0


def _add_doctor(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add(
        "doctor",
        run_doctor,
        "健康检查：磁盘、数据库、审计链、摄像头、读卡器、打印机、县区公钥、导出与回执 / "
        "health check: 0 all is well, 1 something needs attention",
    )
    p.add_argument("--json", action="store_true")


def _extend(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    from sync import station_commands

    station_commands.extend(sub, add)
    _add_gui(sub, add)
    _add_self_test(sub, add)
    _add_doctor(sub, add)


def main(argv: Sequence[str] | None = None) -> int:
    from station import cli

    return cli.main(argv, extend=_extend, default=run_gui)


def desk() -> int:
    """``station-desk``: the desk alone (a windowed program: no console to print to)."""
    return main(["gui", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
