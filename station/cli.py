"""The ``station`` command: every headless job of the station over the core functions.

Exit codes: 0 success; 1 the command ran and found a problem (invalid data, broken chain,
refused login); 2 usage or unusable input. Errors are one line on stderr, never a traceback.

Imports of the core happen inside the handlers so that ``station --help`` stays instant.
"""

from __future__ import annotations

import argparse
import errno
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from station import cli_records as records_cli
from station import fields, jsonio
from station.cli_files import (
    cmd_archive_list,
    cmd_backup,
    cmd_form_print,
    cmd_form_verify,
    cmd_photo_check,
    cmd_photo_crop,
    cmd_report_daily,
    cmd_restore,
    cmd_roster_export,
    cmd_roster_import,
    cmd_roster_template,
    cmd_schedule,
)
from station.cli_operators import (
    cmd_operator_add,
    cmd_operator_disable,
    cmd_operator_list,
    cmd_operator_passwd,
)
from station.cli_parser import (
    BilingualParser,
    closed_pipe,
    global_options,
    positive_int,
    robust_streams,
)
from station.cli_support import (
    audit_unmasked,
    credential,
    data_dir_of,
    new_password,
    print_json,
    require_training,
)
from station.cli_support import (
    login_from_env as _login,
)

if TYPE_CHECKING:
    pass

#: Record states (station/lifecycle.py), spelled out here so that `--help` imports nothing.
STATES = (
    "draft",
    "ready",
    "confirmed",
    "signed",
    "exported",
    "acknowledged",
    "approved",
    "rejected",
)

DEMO_ACCOUNTS = (
    ("admin", "管理员（演示）", "admin", "demo-admin-2027"),
    ("shenhe", "审核员（演示）", "supervisor", "demo-supervisor-2027"),
    ("caiji", "采集员（演示）", "operator", "demo-operator-2027"),
)
DEMO_NAME, DEMO_COUNTY, DEMO_NUMBER = "演示报名点（郑州市金水区）", "410105", 1


# --- handlers -----------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from station.setup import init_station

    login = credential("STATION_OPERATOR", "管理员登录名 / admin login: ", secret=False)
    password = new_password("STATION_PASSWORD", login)
    result = init_station(
        data_dir_of(args),
        name=args.name,
        county_code=args.county,
        number=args.number,
        admin_login=login,
        admin_password=password,
        demo=args.training,
    )
    if args.training:
        print(
            "培训报名点：批次只能交培训县区 / a training station: its batches go to a training county"
        )
    print(f"报名点 {result.station_code} 已创建 / station created: {data_dir_of(args)}")
    print("恢复码（请抄写并封存，仅显示一次；所有密码遗失时用它登录 __recovery__）：")
    print(f"recovery code (write it down and seal it; shown once): {result.recovery_code}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from station import auth, seeding
    from station import settings as settings_mod
    from station.keyslots import KeySlots
    from station.models import Station
    from station.roles import Role
    from station.setup import init_station

    directory = data_dir_of(args)
    admin = DEMO_ACCOUNTS[0]
    if args.count < 0:
        from station.errors import UsageError

        raise UsageError("--count 不能为负", "--count must not be negative")
    if KeySlots(directory).exists():
        with auth.login(directory, admin[0], admin[3]) as ctx, ctx.store.session() as s:
            station = s.get(Station, 1)
            assert station is not None
            if not station.is_demo:
                from station.errors import UsageError

                raise UsageError(f"{directory} 是正式报名点，不是演示站", "not a demo station")
        print(f"演示报名点已存在 / demo station exists: {directory}")
    else:
        demo_settings = settings_mod.load(directory)
        demo_settings.card_reader = demo_settings.card_reader or "demo"  # sample ID cards
        demo_settings.camera = demo_settings.camera or "demo"  # a sample portrait
        if not demo_settings.printer:  # forms as PDF files to open (settings: a real printer)
            printed = directory.resolve() / "printed-forms"
            printed.mkdir(parents=True, exist_ok=True)
            demo_settings.printer = f"pdf:{printed}"
        init_station(
            directory,
            admin_login=admin[0],
            admin_password=admin[3],
            demo=True,
            settings=demo_settings,
            name=DEMO_NAME,
            county_code=DEMO_COUNTY,
            number=DEMO_NUMBER,
        )
        with auth.login(directory, admin[0], admin[3]) as ctx:
            for login, display, role, password in DEMO_ACCOUNTS[1:]:
                auth.add_operator(ctx, login, display, Role(role), password)
            seeding.seed(ctx, args.count // 2, "ready", rng_seed=1)
            seeding.seed(ctx, args.count - args.count // 2, "signed", rng_seed=2)
        print(f"演示报名点已创建 / demo station created: {directory}")
    print("演示账号（仅供演示）/ demo accounts:")
    for login, display, _role, password in DEMO_ACCOUNTS:
        print(f"  {display:<12} 登录名 {login:<8} 密码 {password}")
    return 0


def _read_record_args(args: argparse.Namespace) -> dict[str, Any]:
    from station.errors import UsageError

    raw: dict[str, Any] = {}
    if args.json_file:
        try:
            text = (
                sys.stdin.read()
                if args.json_file == "-"
                else Path(args.json_file).read_text("utf-8")
            )
            raw = jsonio.loads(text)
        except (OSError, ValueError) as exc:
            raise UsageError(f"无法读取 JSON：{exc}", f"cannot read JSON: {exc}") from None
        if not isinstance(raw, dict):
            raise UsageError("JSON 应为一个对象", "the JSON must be an object")
    for name in fields.NAMES:
        value = getattr(args, name, None)
        if value is not None:
            raw[name] = value
    return raw


def cmd_candidate_add(args: argparse.Namespace) -> int:
    from station import records

    raw = _read_record_args(args)
    with _login(args) as ctx:
        saved = records.create(ctx, raw, source="cli")
    if args.json:
        print_json({"id": saved.id, "registration_no": saved.registration_no, "state": saved.state})
    else:
        print(f"已保存 / saved: 编号 {saved.id} 报名号 {saved.registration_no} 状态 {saved.state}")
    for w in saved.warnings:
        if not w.is_error:
            print(f"提示 / warning: {w.label_zh}：{w.message_zh}", file=sys.stderr)
    return 0


def cmd_candidate_show(args: argparse.Namespace) -> int:
    from station import blockers, records
    from station.lifecycle import State

    with _login(args, read_only=True) as ctx, ctx.store.read() as s:
        c = records.lookup(s, args.key)
        info = records.detail(c)
        info["versions"] = [
            {"version": v.version, "digest": v.digest, "frozen_at": v.frozen_at.isoformat()}
            for v in records.versions(s, c.id)
        ]
        standing = blockers.why_in(s, ctx, c)
    if args.json:
        print_json(info | standing.as_dict())
        return 0
    print(
        f"报名号 {info['registration_no']}  状态 {State(info['state']).label_zh}  第 {info['version']} 版"
    )
    for name, value in info["record"].items():
        print(f"  {fields.label_zh(name):<8} {value}")
    records_cli.print_why(standing)
    return 0


def cmd_candidate_list(args: argparse.Namespace) -> int:

    with _login(args, read_only=True) as ctx:
        if args.unmasked:
            audit_unmasked(ctx, args)
        return _list_candidates(ctx, args)


def _list_candidates(ctx: Any, args: argparse.Namespace) -> int:
    from station import records

    with ctx.store.read() as s:
        if args.search:
            rows = records.search_name_prefix(s, args.search, limit=args.limit or 50)
        else:
            rows = records.list_candidates(
                s, state=args.state, school_code=args.school, limit=args.limit
            )
        out = [records.summary(c, masked=not args.unmasked) for c in rows]
    if args.json:
        print_json(out)
    else:
        for r in out:
            print(f"{r['registration_no']}  {r['state']:<12} {r['id_number']}  {r['name']}")
        print(f"共 {len(out)} 条 / {len(out)} records", file=sys.stderr)
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from station import seeding

    def progress(done: int, total: int) -> None:
        print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)

    with _login(args) as ctx:
        require_training(ctx)
        ids = seeding.seed(ctx, args.count, args.state, rng_seed=args.seed, progress=progress)
    print(file=sys.stderr)
    print(f"已生成 {len(ids)} 条演示考生（状态 {args.state}）/ seeded {len(ids)} demo candidates")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from station import anchor

    with _login(args, read_only=True) as ctx:
        result = anchor.verify_chain(ctx)
    if args.json:
        print_json(
            {
                "ok": result.ok,
                "events": result.count,
                "bad_seq": result.bad_seq,
                "problem": result.problem,
            }
        )
    elif result.ok:
        print(f"审计链完好，共 {result.count} 条事件 / audit chain intact: {result.count} events")
    else:
        print(f"审计链被改动：{result.message_zh}", file=sys.stderr)
        print(f"audit chain broken: {result.message_en}", file=sys.stderr)
    return 0 if result.ok else 1


def cmd_integrity(args: argparse.Namespace) -> int:
    """The photo check now: the rest of the pass under way (or a new one), or with
    ``--full`` the whole ``PRAGMA integrity_check``; what ``station doctor`` shows, finished."""
    from station import integrity

    def progress(done: int, total: int) -> None:
        if not args.json:
            print(
                f"\r照片检查 / photos checked: {done}/{total}", end="", file=sys.stderr, flush=True
            )

    with _login(args) as ctx:
        if args.full:
            print("完整检查整个数据库，请稍候 / checking the whole database…", file=sys.stderr)
            state = integrity.full_check(ctx)
        else:
            state = integrity.finish_now(ctx, progress, restart=args.restart)
            if not args.json:
                print(file=sys.stderr)
        found = integrity.status(ctx.store)
    if args.json:
        print_json(
            {
                "ok": not state.failed,
                "complete": state.complete,
                "photos": found.photos,
                "checked": state.checked,
                "started": state.started,
                "finished": state.finished,
                "trigger": state.trigger,
                "failed_at": state.failed_at or None,
                "failed_photo": state.failed_photo or None,
                "problem": state.problem or None,
                "detail": state.detail or None,
            }
        )
    elif state.failed:
        zh, en = state.problem_words()
        when = integrity.local_time(state.failed_at)
        print(
            f"数据库检查发现损坏（{when}，{zh}）：请从备份恢复（station restore）", file=sys.stderr
        )
        print(f"the check found damage ({when}, {en}): restore from a backup", file=sys.stderr)
    else:
        ended = integrity.local_time(state.finished)
        print(f"数据库完好，{ended} 查完 / the database is intact, checked {ended}")
    return 1 if state.failed else 0


def cmd_info(args: argparse.Namespace) -> int:
    from station import database, records
    from station.models import Station

    with _login(args, read_only=True) as ctx, ctx.store.read() as s:
        station = s.get(Station, 1)
        assert station is not None
        info = {
            "station": station.code,
            "name": station.name,
            "county_code": station.county_code,
            "demo": station.is_demo,
            "data_dir": str(ctx.data_dir),
            "schema": database.revision_in(s),
            "candidates_by_state": records.count_by_state(s),
            "operator": ctx.operator.login,
        }
    print_json(info)
    return 0


# --- parser -------------------------------------------------------------------------------


Extension = Callable[[Any, Callable[..., argparse.ArgumentParser]], None]


def build_parser(extend: Extension | None = None) -> argparse.ArgumentParser:
    """The parser; ``extend(subparsers, add)`` lets the desk launcher add its ``gui`` command
    without this core module knowing about Qt."""
    parser = BilingualParser(
        prog="station",
        description="中考报名点采集站 / registration-point station.",
        epilog="环境变量: STATION_HOME (数据目录), STATION_OPERATOR, STATION_PASSWORD, "
        "STATION_NEW_PASSWORD. 退出码: 0 成功, 1 发现问题, 2 用法或输入不可用.",
    )
    data_dir_help = "数据目录 (默认 $STATION_HOME 或用户数据目录) / data folder"
    parser.add_argument("--data-dir", help=data_dir_help)
    common = global_options(("--data-dir", data_dir_help))  # also after the subcommand
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(
        name: str, handler: Callable[[argparse.Namespace], int], help_: str, parent: Any = sub
    ) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_, description=help_, parents=[common])
        p.set_defaults(handler=handler)
        return p

    p = add(
        "init",
        cmd_init,
        "创建报名点 / create the station (admin from STATION_OPERATOR/STATION_PASSWORD)",
    )
    p.add_argument("--name", required=True, help="报名点名称")
    p.add_argument("--county", required=True, help="县区行政区划代码 (6 位)")
    p.add_argument("--number", type=int, required=True, help="报名点编号 1–99")
    p.add_argument(
        "--training",
        action="store_true",
        help="培训用报名点：可生成演示数据，批次只有培训县区接收",
    )

    p = add("demo", cmd_demo, "创建内置演示报名点 / create the built-in demo station")
    p.add_argument("--count", type=int, default=200, help="演示考生数量 (默认 200)")

    p = add("info", cmd_info, "报名点概况 / station overview (JSON)")

    arc = add("archive", lambda a: _missing(a, arc), "纸质登记表存档 / the paper archive")
    arc_sub = arc.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    p = add(
        "list",
        cmd_archive_list,
        "存档清单：每份已签字登记表所在的盒与页，按盒打印 (审核员)",
        arc_sub,
    )
    p.add_argument("--box", help="只列一个存档盒，如 盒003")
    p.add_argument("--out", required=True, metavar="FILE.pdf|FILE.xlsx")

    rep = add("report", lambda a: _missing(a, rep), "报表 / reports")
    rep_sub = rep.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    p = add(
        "daily",
        cmd_report_daily,
        "工作日报：当日工作、各操作员、更正与异常 (审核员) / the daily report",
        rep_sub,
    )
    p.add_argument("--date", help="日期 YYYY-MM-DD (默认今天)")
    p.add_argument("--out", required=True, metavar="FILE.xlsx|FILE.pdf")

    p = add(
        "schedule",
        cmd_schedule,
        "预约安排：按工位和开放时间给各校各班排时段 / appointment schedule (0 all placed, 1 not)",
    )
    p.add_argument("--desks", type=positive_int, required=True, help="工位数")
    p.add_argument("--minutes", type=positive_int, required=True, help="每名考生所需分钟数")
    p.add_argument("--days", required=True, help="开放日期，如 2027-03-01..2027-03-05")
    p.add_argument(
        "--hours",
        default="08:30-11:30,14:00-17:00",
        help="每天开放时间段 (默认 08:30-11:30,14:00-17:00)",
    )
    p.add_argument("--slot", type=positive_int, default=30, help="时段长度，分钟 (默认 30)")
    p.add_argument("--buffer", type=int, default=10, help="每个时段预留的比例 %% (默认 10)")
    p.add_argument(
        "--groups",
        metavar="FILE.xlsx",
        help="各校各班人数表 (学校代码、学校、班级、人数)；默认取本报名点未采集的记录，按学校",
    )
    p.add_argument("--point", help="通知上的报名点名称 (默认本报名点名称)")
    p.add_argument(
        "--no-save",
        action="store_true",
        help="只写文件，不作为本报名点执行中的预约安排 (看板的“现在应到”)",
    )
    p.add_argument("--out", required=True, metavar="FILE.xlsx|FILE.pdf")

    op = add("operator", lambda a: _missing(a, op), "操作员管理 / operators")
    op_sub = op.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    p = add("add", cmd_operator_add, "添加操作员 (新密码取自 STATION_NEW_PASSWORD 或提示)", op_sub)
    p.add_argument("login")
    p.add_argument("--name", dest="display_name", required=True, help="姓名")
    p.add_argument("--role", choices=["operator", "supervisor", "admin"], default="operator")
    p = add("list", cmd_operator_list, "列出操作员", op_sub)
    p.add_argument("--json", action="store_true")
    p = add("disable", cmd_operator_disable, "停用操作员", op_sub)
    p.add_argument("login")
    p = add("passwd", cmd_operator_passwd, "更改密码", op_sub)
    p.add_argument("login")

    cand = add("candidate", lambda a: _missing(a, cand), "考生记录 / candidate records")
    cand_sub = cand.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    p = add("add", cmd_candidate_add, "新增考生", cand_sub)
    p.add_argument("--json-file", help="从 JSON 文件读取字段 (- 为标准输入)")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    for field in fields.FIELDS:
        p.add_argument(field.option, dest=field.name, help=field.cli_help)
    p = add("show", cmd_candidate_show, "查看考生 (报名号、证件号码或编号)", cand_sub)
    p.add_argument("key")
    p.add_argument("--json", action="store_true")
    p = add("list", cmd_candidate_list, "列出考生", cand_sub)
    p.add_argument("--state", choices=STATES, help="记录状态")
    p.add_argument("--school", help="学校代码")
    p.add_argument("--search", help="姓名前缀")
    p.add_argument("--limit", type=positive_int)
    p.add_argument("--unmasked", action="store_true", help="显示完整证件号码")
    p.add_argument("--json", action="store_true")
    records_cli.add_commands(add, cand_sub)  # confirm, sign, unlock, release-card-fields

    p = add("seed", cmd_seed, "生成演示考生 / synthetic demo candidates")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--state", choices=STATES, default="signed", help="目标状态 (默认 signed)")
    p.add_argument("--seed", type=int, help="随机种子")

    ros = add("roster", lambda a: _missing(a, ros), "花名册导入导出 / roster import and export")
    ros_sub = ros.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    p = add("template", cmd_roster_template, "生成花名册模板 (.xlsx)", ros_sub)
    p.add_argument("out", metavar="OUT.xlsx")
    p = add(
        "import", cmd_roster_import, "导入花名册: 0 全部导入, 1 有行被拒绝, 2 文件不可用", ros_sub
    )
    p.add_argument("file", metavar="FILE.xlsx")
    p.add_argument("--errors", metavar="OUT.xlsx", help="把被拒绝的行写入此文件 (改正后可再次导入)")
    p.add_argument("--dry-run", action="store_true", help="只检查，不保存")
    p.add_argument("--json", action="store_true", help="以 JSON 输出汇总")
    p = add("export", cmd_roster_export, "导出全部考生 (.xlsx)", ros_sub)
    p.add_argument("out", metavar="OUT.xlsx")

    p = add(
        "backup",
        cmd_backup,
        "备份整个报名点 (加密、可校验) / back up the whole station (encrypted, authenticated)",
    )
    p.add_argument("--out", metavar="FILE", help="备份文件 (默认: 数据目录 backups/ 下，自动轮换)")
    p = add(
        "restore",
        cmd_restore,
        "从备份恢复 (账号取自 STATION_OPERATOR/STATION_PASSWORD 或提示) / restore a backup",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--replace", action="store_true", help="数据目录已有报名点时替换它 (原数据另存，不删除)"
    )

    aud = add("audit", lambda a: _missing(a, aud), "审计链 / audit chain")
    aud_sub = aud.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    p = add("verify", cmd_audit_verify, "校验审计链", aud_sub)
    p.add_argument("--json", action="store_true")

    p = add(
        "integrity",
        cmd_integrity,
        "数据库检查：立即查完今天的照片数据检查 (station doctor 显示进度) / finish the "
        "photo data check now: 0 intact, 1 damage found",
    )
    p.add_argument(
        "--restart", action="store_true", help="从第一张照片重新检查 / check every photo again"
    )
    p.add_argument(
        "--full",
        action="store_true",
        help="一次完整的 PRAGMA integrity_check (较慢，含空闲页) / the whole integrity_check at once",
    )
    p.add_argument("--json", action="store_true")

    photo = add("photo", lambda a: _missing(a, photo), "照片检查与裁剪 / photo checks and crop")
    photo_sub = photo.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    profile_help = "照片规格名称 (默认: resources/photo_profiles.json 中的第一个)"
    p = add(
        "check",
        cmd_photo_check,
        "检查照片: 0 合格, 1 不合格, 2 文件不可读或规格不存在",
        photo_sub,
    )
    p.add_argument("image", metavar="IMAGE")
    p.add_argument("--profile", help=profile_help)
    p.add_argument("--json", action="store_true", help="以 JSON 输出 {ok, problems, metrics}")
    p = add(
        "crop",
        cmd_photo_crop,
        "按规格裁剪并压缩为 JPEG: 0 已写入, 1 无法裁剪 (如没有人脸), 2 文件不可读",
        photo_sub,
    )
    p.add_argument("image", metavar="IMAGE")
    p.add_argument("--out", required=True, metavar="OUT.jpg", help="输出 JPEG 文件")
    p.add_argument("--profile", help=profile_help)
    form = add("form", lambda a: _missing(a, form), "报名登记表 / registration forms")
    form_sub = form.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    p = add(
        "print",
        cmd_form_print,
        "打印登记表 PDF (报名号、证件号码或编号): 0 已打印, 1 不能打印, 2 输入不可用",
        form_sub,
    )
    p.add_argument("key", metavar="KEY")
    p.add_argument("--out", required=True, metavar="FILE.pdf", help="输出 PDF 文件")
    p = add(
        "verify",
        cmd_form_verify,
        "核验登记表二维码: 0 当前有效, 1 旧版(已作废)或本站没有, 2 内容格式不对",
        form_sub,
    )
    p.add_argument("text", metavar="QR_TEXT", help="ZK1|报名号|版本|摘要")
    p.add_argument("--json", action="store_true")
    if extend is not None:
        extend(sub, add)
    return parser


def _missing(_args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def main(
    argv: Sequence[str] | None = None,
    *,
    extend: Extension | None = None,
    default: Callable[[argparse.Namespace], int] | None = None,
) -> int:
    """Run one command. Without a command: ``default`` (the desk opens it), else help."""
    robust_streams()
    parser = build_parser(extend)
    given = sys.argv[1:] if argv is None else list(argv)
    if any("\x00" in a for a in given):
        # A shell cannot pass one; a caller in-process can, and no file name may hold one.
        print("错误：参数中含有空字符（\\0），无法使用", file=sys.stderr)
        print("error: an argument contains a NUL character", file=sys.stderr)
        return 2
    if any(_not_utf8(a) for a in given):
        # Bytes of another encoding on the command line (a GBK-named file, say): names,
        # searches, logins and the audit log all need text.
        print(
            "错误：参数中有无法识别的字符（不是 UTF-8 文本），请改用 UTF-8 的名称", file=sys.stderr
        )
        print("error: an argument is not valid UTF-8 text", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None) or default
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    from station.errors import StationError

    log_path = _configure_logging(args)
    import logging

    command = " ".join(filter(None, (args.command, getattr(args, "subcommand", None))))
    logging.getLogger("station.cli").info("station %s", command or "gui")
    try:
        return handler(args)
    except StationError as exc:
        print(f"错误：{exc.message_zh}", file=sys.stderr)
        if exc.message_en != exc.message_zh:
            print(f"error: {exc.message_en}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("已取消 / cancelled", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `station … | head`: the reader has all it wanted
        return closed_pipe()
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            where = f"（{exc.filename}）" if exc.filename else ""
            print(f"错误：磁盘已满{where}，请清理磁盘后再试；本次操作没有完成", file=sys.stderr)
            print(f"error: the disk is full{where}: free some space and try again", file=sys.stderr)
            return 1
        print(f"错误：文件或设备操作失败：{exc}", file=sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: one line for the operator, the traceback for us
        logging.getLogger("station.cli").exception("internal error in `%s`", args.command)
        print(f"错误：程序内部错误（{type(exc).__name__}），详情已写入 {log_path}", file=sys.stderr)
        print(f"error: internal error {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _not_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _configure_logging(args: argparse.Namespace) -> Path:
    """The data folder's log file at the station's log level (INFO when it has none yet).

    A folder that holds no station (a mistyped ``--data-dir``) gets nothing written into it:
    such runs log to the user's log folder instead.
    """
    from station import logs
    from station import settings as settings_mod

    directory = data_dir_of(args)
    try:
        station_here = (directory / "keyslots.json").exists()
    except OSError:  # a name too long or otherwise unusable: the command will say so
        station_here = False
    if not station_here and args.command not in ("init", "demo"):
        from platformdirs import user_log_dir

        return logs.configure(Path(user_log_dir(settings_mod.APP_NAME, appauthor=False)))
    try:
        level = settings_mod.load(directory).log_level
    except Exception:  # a broken settings file is the command's to report, not the log's
        level = "INFO"
    return logs.configure(directory, "station", level)


if __name__ == "__main__":
    sys.exit(main())
