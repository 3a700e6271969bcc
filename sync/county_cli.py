"""The ``county`` command (县区端): keys, station registration, verify, ingest, review, roster.

Exit codes as the station's: 0 success; 1 the command ran and found a problem (a refused
batch); 2 usage or unusable input. ``verify`` and ``ingest`` print one line per file, with
the reason code of a refused one (docs/batch-format.md).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from station.cli_parser import (
    BilingualParser,
    closed_pipe,
    global_options,
    positive_int,
    robust_streams,
)
from station.errors import StationError, UsageError


def _secret(env: str, prompt: str, *, confirm: bool, differ: tuple[str, str]) -> str:
    """From ``env``, else asked on the terminal (twice with ``confirm``), else UsageError."""
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise UsageError(f"请设置环境变量 {env}", f"set {env}: no terminal to prompt on")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("再输入一次 / again: ") != first:
        raise UsageError(*differ)
    return first


def _passphrase(confirm: bool = False) -> str:
    return _secret(
        "COUNTY_PASSPHRASE",
        "县区私钥口令 / passphrase: ",
        confirm=confirm,
        differ=("两次输入的口令不一致", "the passphrases differ"),
    )


def _home(args: argparse.Namespace) -> Any:
    from sync.county.home import CountyHome

    return CountyHome.resolve(args.data_dir)


def _engine(args: argparse.Namespace) -> Any:
    from sync.county import db

    home = _home(args)
    url = home.db_url(args.db)
    if url == db.default_url(home.root) and not home.root.is_dir():
        raise UsageError(
            f"县区数据目录 {home.root} 不存在，请先运行 county keygen",
            f"no county data folder {home.root}; run `county keygen` first",
        )
    if url == db.default_url(home.root) and not home.is_county():
        raise home.not_a_county()  # before a county database is made in the wrong folder
    return db.connect(url)


def _paths(files: Sequence[str]) -> list[Path]:
    paths = [Path(f) for f in files]
    for p in paths:
        if not p.is_file():
            raise UsageError(f"文件 {p} 不存在", f"no file {p}")
    return paths


def cmd_keygen(args: argparse.Namespace) -> int:
    from station.setup import require_county
    from sync.keys import CountyKeys

    require_county(args.county)
    home = _home(args)
    existing = home.key_file()  # said before the passphrase is asked
    if existing is not None:
        raise UsageError(f"{existing} 已存在，不能覆盖", f"{existing} exists already")
    keys = CountyKeys.generate(args.county, args.name, training=args.training)
    home.write_keys(keys, _passphrase(confirm=True))
    print(f"县区公钥 / county public key: {home.public_key}")
    print(f"指纹 / fingerprint: {keys.public.fingerprint}")
    if args.training:
        print("培训县区：只接收培训报名点的批次 / a training county: training batches only")
    return 0


def cmd_station_add(args: argparse.Namespace) -> int:
    from sync.county.registry import register_station
    from sync.keys import read_county_public, read_station_public

    home = _home(args)
    county = read_county_public(home.public_key).county if home.public_key.exists() else None
    if county is None:
        raise UsageError("请先运行 county keygen", "run `county keygen` first")
    key = read_station_public(Path(args.file))
    new = register_station(_engine(args), key, county, replace=args.replace)
    print(f"报名点 {key.station}（{key.name}）{'已登记' if new else '早已登记'} / registered")
    print(f"请与报名点电话核对指纹 / confirm by phone, fingerprint: {key.fingerprint}")
    return 0


def cmd_station_list(args: argparse.Namespace) -> int:
    from sync.county.registry import list_stations

    for s in list_stations(_engine(args)):
        off = f"  已停用 / disabled: {s['disabled']}" if s["disabled"] is not None else ""
        print(f"{s['station']}  {s['fingerprint']}  {s['name']}{off}")
    return 0


def _report(outcomes: list[Any], *, stored: bool = True) -> int:
    """One line a file, in both languages; the reason code (``ok``, ``already``, or why it
    was refused) stays the line's first word after the path, for scripts."""
    from sync.errors import MEANING_ZH

    done = ("已入库", "stored") if stored else ("核验通过，未入库", "verified, not stored")
    bad = 0
    for o in outcomes:
        if o.status == "ok":
            line = (
                f"{o.path}: ok {done[0]} / {done[1]} {o.station} #{o.sequence}"
                f"（{o.records} 条记录 / records）"
            )
            if o.receipt:
                line += f" 回执 / receipt {o.receipt}"
            print(line)
            for id_number, here, other in o.duplicates:
                print(
                    f"  duplicate 重复报名：身份证 / ID {id_number[:6]}…{id_number[-4:]}"
                    f" 同时在 / at {here} 和 / and {other}",
                    file=sys.stderr,
                )
        elif o.status == "already":
            print(
                f"{o.path}: already 早已入库，未重复存储 / stored before, nothing stored again"
                f" {o.station} #{o.sequence}（回执 / receipt {o.receipt}）"
            )
        else:
            bad += 1
            print(f"{o.path}: {o.code} {MEANING_ZH.get(o.code, '')} / {o.detail}")
    return 1 if bad else 0


def cmd_verify(args: argparse.Namespace) -> int:
    from sync.county.ingest import verify_files

    paths = _paths(args.files)
    keys = _home(args).keys(_passphrase())
    return _report(verify_files(_engine(args), keys, paths), stored=False)


def cmd_ingest(args: argparse.Namespace) -> int:
    from sync.county.ingest import ingest_files

    paths = _paths(args.files)
    home = _home(args)
    engine = _engine(args)
    if engine.dialect.name == "sqlite" and args.jobs > 1:
        raise UsageError(
            "SQLite 一次只能写入一个批次（--jobs 1）；多个报名点同时入库请用 PostgreSQL"
            "（--db postgresql://…）",
            "SQLite stores one batch at a time (--jobs 1); use PostgreSQL for several",
        )
    keys = home.keys(_passphrase())
    receipts = Path(args.receipts) if args.receipts else home.receipts
    outcomes = ingest_files(
        engine, keys, paths, pending_dir=home.pending, receipts_dir=receipts, jobs=args.jobs
    )
    return _report(outcomes)


def cmd_review_decide(args: argparse.Namespace) -> int:
    from sync.county.review import decide

    version = decide(
        _engine(args),
        args.station,
        args.registration_no,
        args.decision,
        reason=args.reason or "",
        allocation=args.allocation,
    )
    print(f"{args.registration_no} v{version}: {args.decision}")
    return 0


def cmd_station_state(args: argparse.Namespace) -> int:
    from sync.county.registry import station_state

    keys = _home(args).keys(_passphrase())
    doc = station_state(_engine(args), keys, args.station, Path(args.out))
    print(
        f"报名点 {args.station}：已接收到第 {doc['last_sequence']} 号批次，"
        f"{len(doc['records'])} 个记录版本 / last batch #{doc['last_sequence']}, "
        f"{len(doc['records'])} versions: {args.out}"
    )
    print("交报名点运行 station resync / give it to the station for `station resync`")
    return 0


def cmd_review_export(args: argparse.Namespace) -> int:
    from sync.county.review import export_review

    keys = _home(args).keys(_passphrase())
    count = export_review(_engine(args), keys, args.station, Path(args.out))
    print(f"已导出 {count} 条审核结果 / {count} results: {args.out}")
    return 0


def cmd_roster_export(args: argparse.Namespace) -> int:
    from sync.county.roster import export_roster

    count, dups = export_roster(_engine(args), Path(args.out))
    print(
        f"已导出 {count} 名考生，跨报名点重复 {dups} / {count} candidates, {dups} duplicates: {args.out}"
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from sync.county import db
    from sync.county.service import CONFIG_ENV, ServiceConfig

    home = _home(args)
    url = home.db_url(args.db)
    engine = _engine(args)
    if engine.dialect.name == "sqlite" and args.workers > 1:
        raise UsageError(
            "SQLite 只能用一个工作进程（--workers 1）；多个工作进程请用 PostgreSQL（--db postgresql://…）",
            "SQLite takes one worker (--workers 1); use PostgreSQL for several",
        )
    engine.dispose()
    if bool(args.tls_cert) != bool(args.tls_key):
        raise UsageError(
            "--tls-cert 与 --tls-key 须同时给出", "give both --tls-cert and --tls-key, or neither"
        )
    for name in (args.tls_cert, args.tls_key):
        if name and not Path(name).is_file():
            raise UsageError(f"文件 {name} 不存在", f"no file {name}")
    os.environ["COUNTY_PASSPHRASE"] = _passphrase()
    home.keys(os.environ["COUNTY_PASSPHRASE"])  # a wrong passphrase stops here, not per worker
    config = ServiceConfig(
        data_dir=str(home.root),
        db_url=url if url != db.default_url(home.root) else None,
        max_body_bytes=args.max_mb * 1024 * 1024,
        rate_per_minute=args.rate,
        workers=args.workers,
    )
    os.environ[CONFIG_ENV] = config.to_env()
    scheme = "https" if args.tls_cert else "http"
    print(
        f"县区接收服务 / county intake: {scheme}://{args.host}:{args.port}  "
        f"（{args.workers} 个工作进程 / workers；Ctrl+C 停止 / to stop）",
        flush=True,
    )
    uvicorn.run(
        "sync.county.service:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        ssl_certfile=args.tls_cert,
        ssl_keyfile=args.tls_key,
        access_log=False,  # the service writes its own, without the client's address
        log_config=_serve_logging(),
        timeout_graceful_shutdown=args.grace,
        limit_concurrency=args.max_connections,  # above it: 503, which a station retries
        server_header=False,
    )
    return 0


def _serve_logging() -> dict[str, Any]:
    """uvicorn's own messages and the service's access lines on stderr (and, through the
    root logger, in the county's log file)."""
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(message)s"}},
        "handlers": {"stderr": {**handler, "formatter": "plain"}},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": "INFO"},
            "county.access": {"handlers": ["stderr"], "level": "INFO"},
            "county.service": {"handlers": ["stderr"], "level": "INFO"},
        },
    }


def cmd_station_disable(args: argparse.Namespace) -> int:
    from sync.county.receive import disable_station

    disable_station(_engine(args), args.station, args.reason)
    print(f"报名点 {args.station} 已停用：其上传将被拒绝 / disabled")
    return 0


def cmd_station_enable(args: argparse.Namespace) -> int:
    from sync.county.receive import enable_station

    was = enable_station(_engine(args), args.station)
    print(f"报名点 {args.station} {'已恢复' if was else '本未停用'} / enabled")
    return 0


def _new_user_password() -> str:
    return _secret(
        "COUNTY_USER_PASSWORD",
        "新用户密码 / password: ",
        confirm=True,
        differ=("两次输入的密码不一致", "the passwords differ"),
    )


def cmd_user_add(args: argparse.Namespace) -> int:
    from sync.county.accounts import add_user

    user = add_user(_engine(args), args.login, args.name, args.role, _new_user_password())
    print(f"已添加用户 {user.login}（{user.name}，{user.role.label_zh}）/ user added")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    from sync.county.accounts import CountyRole, list_users

    for u in list_users(_engine(args)):
        flags = (
            "  已停用 / disabled" if u["disabled"] else "  已锁定 / locked" if u["locked"] else ""
        )
        role = CountyRole(str(u["role"])).label_zh
        print(f"{u['login']}  {u['name']}  {role}{flags}")
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    from sync.county.accounts import disable_user

    disable_user(_engine(args), args.login)
    print(f"用户 {args.login} 已停用，其登录已结束 / disabled, sessions ended")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = BilingualParser(
        prog="county",
        description="县区端：批次验证、入库、回执、审核结果 / county intake of station batches.",
        epilog="环境变量: COUNTY_HOME, COUNTY_PASSPHRASE, COUNTY_DB. 退出码: 0 成功, 1 有文件被拒绝, 2 用法或输入不可用.",
    )
    options = (
        ("--data-dir", "县区数据目录 (默认 $COUNTY_HOME) / county data folder"),
        ("--db", "数据库 URL (默认 data-dir 下的 SQLite; postgresql://…) / database URL"),
    )
    for flag, help_ in options:
        parser.add_argument(flag, help=help_)
    common = global_options(*options)  # also after the subcommand
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, handler: Any, help_: str, parent: Any = sub) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_, description=help_, parents=[common])
        p.set_defaults(handler=handler)
        return p

    p = add("keygen", cmd_keygen, "生成县区密钥对 / make the county key pair")
    p.add_argument("--county", required=True, help="县区行政区划代码 (6 位)")
    p.add_argument("--name", required=True, help="县区教育局名称")
    p.add_argument(
        "--training",
        action="store_true",
        help="培训用县区：只接收培训报名点（station demo / init --training）的批次",
    )

    st = add("station", None, "报名点登记 / stations")
    st_sub = st.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    p = add("add", cmd_station_add, "登记报名点公钥", st_sub)
    p.add_argument("file")
    p.add_argument(
        "--replace",
        action="store_true",
        help="换用新公钥（先与报名点电话核对指纹；例如报名点从密钥交接前的备份恢复后）",
    )
    add("list", cmd_station_list, "列出已登记报名点", st_sub)
    p = add(
        "disable", cmd_station_disable, "停用报名点：拒绝其上传（电脑丢失、报名点撤销）", st_sub
    )
    p.add_argument("station", metavar="STATION")
    p.add_argument("--reason", required=True, help="原因（记入数据库，拒绝时告知报名点）")
    p = add("enable", cmd_station_enable, "恢复已停用的报名点", st_sub)
    p.add_argument("station", metavar="STATION")
    p = add(
        "state",
        cmd_station_state,
        "写出本县区所持该报名点状态 (签名)，供恢复后的报名点 station resync",
        st_sub,
    )
    p.add_argument("station", metavar="STATION")
    p.add_argument("--out", required=True, metavar="FILE")

    p = add("verify", cmd_verify, "验证批次文件 (不入库)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p = add("ingest", cmd_ingest, "验证并入库，写回执")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--receipts", help="回执目录 (默认 data-dir/receipts)")
    p.add_argument(
        "--jobs",
        type=positive_int,
        default=1,
        metavar="N",
        help="同时入库 N 个报名点的批次 (默认 1，至多 6；多于 1 需 PostgreSQL；每个报名点仍按序号)",
    )

    us = add("user", None, "审核工作台用户 / county users of the review pages")
    us_sub = us.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    p = add("add", cmd_user_add, "添加用户 (密码: COUNTY_USER_PASSWORD 或提示输入)", us_sub)
    p.add_argument("login", metavar="LOGIN")
    p.add_argument("--name", required=True, help="用户的真实姓名（显示在审核记录中）")
    p.add_argument(
        "--role",
        required=True,
        choices=["clerk", "reviewer", "admin"],
        help="clerk 经办人 / reviewer 审核人 / admin 管理员",
    )
    add("list", cmd_user_list, "列出用户", us_sub)
    p = add("disable", cmd_user_disable, "停用用户 (其登录立即结束)", us_sub)
    p.add_argument("login", metavar="LOGIN")

    p = add("serve", cmd_serve, "运行接收服务：报名点联网上传批次 / run the intake service")
    p.add_argument(
        "--host", default="127.0.0.1", help="监听地址 (默认 127.0.0.1；局域网用 0.0.0.0)"
    )
    p.add_argument("--port", type=positive_int, default=8440, help="端口 (默认 8440)")
    p.add_argument("--tls-cert", metavar="PEM", help="TLS 证书 (报名点设置时核对其指纹)")
    p.add_argument("--tls-key", metavar="PEM", help="TLS 私钥")
    p.add_argument(
        "--workers", type=positive_int, default=1, help="工作进程数 (默认 1；多于 1 需 PostgreSQL)"
    )
    p.add_argument("--max-mb", type=positive_int, default=64, help="单个请求上限 MB (默认 64)")
    p.add_argument(
        "--rate", type=positive_int, default=120, help="每个报名点每分钟请求上限 (默认 120)"
    )
    p.add_argument(
        "--grace", type=positive_int, default=30, help="停止时等待进行中请求的秒数 (默认 30)"
    )
    p.add_argument(
        "--max-connections",
        type=positive_int,
        default=100,
        help="每个工作进程同时处理的连接上限，超出答 503 (默认 100)",
    )

    rv = add("review", None, "资格审核 / review")
    rv_sub = rv.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    p = add("decide", cmd_review_decide, "记录审核结论", rv_sub)
    p.add_argument("--station", required=True)
    p.add_argument("registration_no")
    p.add_argument("decision", choices=["approved", "rejected"])
    p.add_argument("--reason")
    p.add_argument("--allocation", choices=["granted", "denied"], help="分配生资格结论")
    p = add("export", cmd_review_export, "导出签名的审核结果", rv_sub)
    p.add_argument("--station", required=True)
    p.add_argument("--out", required=True)

    ro = add("roster", None, "县区名册 / roster")
    ro_sub = ro.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    p = add("export", cmd_roster_export, "导出名册 (.xlsx)", ro_sub)
    p.add_argument("--out", required=True, metavar="FILE.xlsx")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    robust_streams()
    parser = build_parser()
    given = sys.argv[1:] if argv is None else list(argv)
    if any("\x00" in a for a in given):  # only an in-process caller can pass one
        print("错误：参数中含有空字符（\\0），无法使用", file=sys.stderr)
        print("error: an argument contains a NUL character", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    log_path = _configure_logging(args)
    try:
        return int(handler(args))
    except StationError as exc:
        print(f"错误：{exc.message_zh}", file=sys.stderr)
        if exc.message_en != exc.message_zh:
            print(f"error: {exc.message_en}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # `county … | head`: the reader has all it wanted
        return closed_pipe()
    except OSError as exc:
        print(f"错误：文件操作失败：{exc}", file=sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已取消 / cancelled", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line for the clerk, the traceback in the log
        import logging

        logging.getLogger("sync.county_cli").exception("internal error in `%s`", args.command)
        where = f"，详情已写入 {log_path}" if log_path else ""
        print(f"错误：程序内部错误（{type(exc).__name__}）{where}", file=sys.stderr)
        print(f"error: internal error {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _configure_logging(args: argparse.Namespace) -> Path | None:
    """``logs/county.log`` in the county's data folder, when one is given."""
    from station import logs

    chosen = getattr(args, "data_dir", None) or os.environ.get("COUNTY_HOME")
    try:
        unusable = not chosen or (Path(chosen).exists() and not Path(chosen).is_dir())
    except OSError:  # a name too long: the command itself says what is wrong
        unusable = True
    if unusable:
        return None  # the command itself says what is wrong with the folder
    assert chosen is not None  # unusable otherwise
    return logs.configure(Path(chosen), "county")


if __name__ == "__main__":
    sys.exit(main())
