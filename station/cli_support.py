"""What every ``station`` command shares: where the data is, who is logged in, JSON out."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from station.auth import Context


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def data_dir_of(args: argparse.Namespace) -> Path:
    from station.settings import data_dir

    return data_dir(args.data_dir)


def credential(env: str, prompt: str, secret: bool) -> str:
    from station.errors import UsageError

    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise UsageError(
            f"请设置环境变量 {env}（非交互运行时不能提示输入）",
            f"set {env}: there is no terminal to prompt on",
        )
    if secret:
        import getpass

        return getpass.getpass(prompt)
    return input(prompt)


def login_from_env(args: argparse.Namespace, *, read_only: bool = False) -> Context:
    """Log in with the operator from the environment (or a prompt). ``read_only``: the
    command only reads the station, so it works on a full disk (:func:`station.auth.login`)."""
    from station import auth

    auth.require_station(data_dir_of(args))
    login = credential("STATION_OPERATOR", "登录名 / login: ", secret=False)
    password = credential("STATION_PASSWORD", "密码 / password: ", secret=True)
    ctx = auth.login(data_dir_of(args), login, password, read_only=read_only)
    if ctx.login_unrecorded:
        print(
            "注意：磁盘已满，本次登录未能记入审计日志；只读的命令照常运行，请尽快清理磁盘\n"
            "note: the disk is full, so this login is not in the audit log; reading goes on, "
            "but free some space soon",
            file=sys.stderr,
        )
    return ctx


def new_password(env: str, login: str) -> str:
    from station.errors import UsageError

    value = os.environ.get(env)
    if value:
        return value
    first = credential(env, f"{login} 的新密码 / new password: ", secret=True)
    second = credential(env, "再输入一次 / again: ", secret=True)
    if first != second:
        raise UsageError("两次输入的密码不一致", "the passwords differ")
    return first


def report_rotation(rotation: Any) -> None:
    """What a database key rotation (station/rekey.py) leaves an admin to do: said before
    the copy starts, so that a power cut during the copy cannot swallow it."""
    print("正在更换数据库密钥 / rotating the database key", flush=True)
    if rotation.reset_logins:
        logins = ", ".join(rotation.reset_logins)
        print(
            f"以下账号的密钥槽来自旧版本，未能随之更换，请为其重设密码（station operator "
            f"passwd）：{logins}\n"
            f"these logins need a new password from an admin (`station operator passwd`): "
            f"{logins}",
            flush=True,
        )
    if rotation.recovery_code:
        print("新的恢复码（旧恢复码已作废；请抄写并封存，仅显示一次）：")
        print(
            f"new recovery code (the old one no longer works; shown once): {rotation.recovery_code}",
            flush=True,
        )


def audit_unmasked(ctx: Any, args: argparse.Namespace) -> None:
    """Full ID numbers on screen are personal data taken away: a supervisor's act, audited."""
    from station import audit
    from station.roles import Permission

    ctx.require(Permission.TAKE_PERSONAL_DATA)
    with ctx.store.session() as s:
        audit.append(
            s,
            ctx.operator.login,
            "unmasked_list",
            detail={"state": args.state, "school": args.school, "limit": args.limit},
        )


def require_training(ctx: Any) -> None:
    """Synthetic records belong on a training station only: a real one would sign them."""
    from station.errors import UsageError
    from station.models import Station

    with ctx.store.read() as s:
        station = s.get(Station, 1)
        training = station is not None and station.is_demo
    if not training:
        raise UsageError(
            "这是正式报名点：演示数据只能在培训报名点生成（station demo 或 station init --training）",
            "this is a real station: demo data only on a training station (demo, init --training)",
        )
