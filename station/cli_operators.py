"""``station operator``: adding, listing, disabling operators and changing passwords; a
disabled operator takes the database key and the signing key with them (both rotated).
Split from ``station.cli``, which builds the parser and runs them."""

from __future__ import annotations

import argparse
import sys

from station.cli_support import login_from_env as _login
from station.cli_support import new_password, print_json, report_rotation


def cmd_operator_add(args: argparse.Namespace) -> int:
    from station import auth
    from station.roles import Role

    with _login(args) as ctx:
        password = new_password("STATION_NEW_PASSWORD", args.login)
        info = auth.add_operator(ctx, args.login, args.display_name, Role(args.role), password)
    print(f"已添加操作员 {info.login}（{info.role.label_zh}）/ operator added")
    return 0


def cmd_operator_list(args: argparse.Namespace) -> int:
    from station import auth

    with _login(args, read_only=True) as ctx:
        rows = auth.list_operators(ctx)
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            state = "停用" if r["disabled"] else "启用"
            print(f"{r['login']:<16} {r['role']:<11} {state}  {r['display_name']}")
    return 0


def cmd_operator_disable(args: argparse.Namespace) -> int:
    from station import auth, rekey, signing
    from station.errors import StoreError, UsageError

    with _login(args) as ctx:
        auth.disable_operator(ctx, args.login)
        print(f"已停用 {args.login} / disabled")
        # An old copy of keyslots.json would still open the database with the disabled
        # password: the key changes with the disabling.
        try:
            rekey.rotate_database_key(
                ctx, reason=f"operator {args.login} disabled", notify=report_rotation
            )
        except StoreError as exc:
            print(
                f"错误：{args.login} 已停用，但数据库密钥未能更换：{exc.message_zh}\n"
                '请处理后运行 station key rotate --signing --reason "停用操作员"（管理员）\n'
                f"error: {args.login} is disabled, but the database key did not change: "
                f'{exc.message_en}; then run `station key rotate --signing --reason "…"`',
                file=sys.stderr,
            )
            return 1
        print("数据库密钥已更换 / the database key is new")
        # Old copies of the database (backups) hold the signing key: a new one, handed over.
        try:
            signing.rotate_signing_key(ctx, reason=f"operator {args.login} disabled")
        except UsageError as exc:
            print(f"注意 / note: {exc.message_zh} / {exc.message_en}", file=sys.stderr)
            return 1
        print(
            "签名密钥已更换，交接声明随下一个批次交县区 / a new signing key; the hand-over "
            "goes to the county with the next batch"
        )
    return 0


def cmd_operator_passwd(args: argparse.Namespace) -> int:
    from station import auth

    with _login(args) as ctx:
        password = new_password("STATION_NEW_PASSWORD", args.login)
        auth.set_password(ctx, args.login, password)
    print(f"{args.login} 的密码已更改 / password changed")
    return 0
