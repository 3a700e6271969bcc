"""The station CLI's exchange commands (``station key|batch|review``), added via ``extend``.

``ui/launcher.py`` passes :func:`extend` to ``station.cli.main`` beside its ``gui``
command; ``station`` itself never imports ``sync``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from station.cli_parser import positive_int


def _login(args: argparse.Namespace, *, read_only: bool = False) -> Any:
    from station.cli_support import login_from_env

    return login_from_env(args, read_only=read_only)


def _help(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    def show(_args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    return show


def cmd_key_export(args: argparse.Namespace) -> int:
    from sync import station_side

    with _login(args, read_only=True) as ctx:
        key = station_side.export_station_key(ctx, Path(args.out))
    print(f"报名点公钥 / station public key: {args.out}")
    print(f"指纹 / fingerprint: {key.fingerprint}")
    return 0


def cmd_key_county(args: argparse.Namespace) -> int:
    from sync import station_side

    with _login(args) as ctx:
        key = station_side.install_county_key(ctx, Path(args.file))
    print(f"已安装县区公钥（{key.county} {key.name}）/ county key installed")
    print(f"请与县区电话核对指纹 / confirm by phone, fingerprint: {key.fingerprint}")
    return 0


def cmd_key_rotate(args: argparse.Namespace) -> int:
    from station import rekey, signing
    from station.cli_support import report_rotation
    from station.roles import Permission

    with _login(args) as ctx:
        if args.signing:
            ctx.require(Permission.MANAGE_KEYS)
            with ctx.store.read() as s:
                signing.check_can_rotate(s)  # before anything changes
        rekey.rotate_database_key(ctx, reason=args.reason, notify=report_rotation)
        print("数据库密钥已更换 / the database key is new")
        if args.signing:
            signing.rotate_signing_key(ctx, reason=args.reason)
            report_signing(ctx)
    return 0


def report_signing(ctx: Any) -> None:
    from sync import station_side

    key = station_side.station_public_key(ctx)
    print(
        f"签名密钥已更换，新指纹 {key.fingerprint}；交接声明随下一个批次交县区，县区回执后生效\n"
        f"new signing key, fingerprint {key.fingerprint}; the hand-over goes to the county "
        "with the next batch and holds once its receipt is imported"
    )


def cmd_batch_export(args: argparse.Namespace) -> int:
    from sync import station_side

    with _login(args) as ctx:
        paths = station_side.export_batches(
            ctx,
            Path(args.out),
            max_records=args.max_records,
            max_bytes=args.max_mb * 1024 * 1024,
        )
    for p in paths:
        print(p)  # only the paths on stdout, for scripts; what to do next on stderr
    if not paths:
        print("没有需要导出的记录 / nothing to export")
    else:
        print(
            f"已写出并校验 {len(paths)} 个批次：交县区入库后，用 station batch ack 回执文件…"
            "（或桌面“批次与回执 → 导入回执…”）导入县区回执\n"
            f"{len(paths)} batch file(s) written and checked: once the county has them, take"
            " its receipts back with `station batch ack RECEIPT…` (desk: Batches → Take"
            " receipts…)",
            file=sys.stderr,
        )
    return 0


def cmd_batch_list(args: argparse.Namespace) -> int:
    import json

    from sync import station_side

    with _login(args, read_only=True) as ctx:
        rows = station_side.list_batches(ctx)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            state = r["state"] if r["written"] else "not written"
            print(f"#{r['sequence']:<5} {state:<13} {r['records']:>5}  {r['file_name']}")
    return 0


def cmd_batch_resend(args: argparse.Namespace) -> int:
    from sync import station_side

    with _login(args) as ctx:
        path = station_side.write_batch(ctx, args.sequence, Path(args.out))
    print(path)
    print(f"已按原样重新写出第 {args.sequence} 号批次 / batch #{args.sequence} written again")
    return 0


def cmd_resync(args: argparse.Namespace) -> int:
    from sync import resync

    with _login(args) as ctx:
        result = resync.resync(ctx, Path(args.file))
    if args.json:
        print(resync.summary(result))
        return 0
    words = {
        "in_step": ("与县区一致", "in step with the county"),
        "ahead": ("本机有县区尚未收到的批次", "this station has batches the county lacks"),
        "rebased": ("已接续县区的批次链", "continues after the county's last batch"),
    }[result.status]
    print(f"{words[0]}（县区最后接收第 {result.county_sequence} 号）/ {words[1]}")
    if result.resend:
        numbers = " ".join(str(n) for n in result.resend)
        print(f"请重发批次 / resend: station batch resend SEQ --out DIR  (SEQ: {numbers})")
    print(
        f"县区已持有、现标记为已接收的记录 / acknowledged from the county's state: {result.acknowledged}"
    )
    for regno in result.missing_here:
        print(f"本机没有、县区有的考生（请核对）/ held by the county, not here: {regno}")
    for regno in result.newer_at_county:
        print(f"县区有更新版本的考生（请核对）/ the county has a later version: {regno}")
    return 0


def cmd_batch_ack(args: argparse.Namespace) -> int:
    from sync import station_side

    with _login(args) as ctx:
        taken = station_side.ack_receipt_files(ctx, [Path(r) for r in args.receipt])
    if len(taken) == 1 and taken[0].refused is not None:
        raise taken[0].refused  # one file: its own refusal, and its own exit code
    for one in taken:
        result, refused = one.result, one.refused
        if refused is not None and one.stopped:  # what was taken is said above; then why not more
            print(f"{one.path}: 已停止 / stopped: {refused}", file=sys.stderr)
            return refused.exit_code
        if refused is not None:
            print(f"{one.path}: {refused}", file=sys.stderr)
        elif result is not None and result.already:
            print(f"批次 #{result.sequence} 早已确认 / batch already acknowledged")
        elif result is not None:
            print(f"批次 #{result.sequence}：{result.acknowledged} 条记录县区已接收 / acknowledged")
    return 1 if any(one.refused is not None for one in taken) else 0


def cmd_batch_upload(args: argparse.Namespace) -> int:
    """Exit 0 when every batch is acknowledged, 1 when some still wait (or were refused)."""
    from sync import upload

    with _login(args) as ctx:
        target = upload.target_of(ctx, args.url)
        if target is None:
            upload.upload(ctx)  # raises the message that says how to set it up
        assert target is not None

        def show(done: int, total: int) -> None:
            print(f"上传 {done}/{total} / uploading", file=sys.stderr, flush=True)

        report = upload.upload(ctx, target, attempts=args.attempts, progress=show)
    zh, en = report.words()
    for seq in report.acknowledged:
        print(f"#{seq} acknowledged")
    for seq in report.already:
        print(f"#{seq} acknowledged (received before)")
    for seq in report.waiting:
        print(f"#{seq} waiting")
    print(f"{zh} / {en}", file=sys.stderr if not report.done else sys.stdout)
    return 0 if report.done else 1


def cmd_intake_set(args: argparse.Namespace) -> int:
    from station.errors import UsageError
    from sync import upload

    with _login(args) as ctx:
        url = args.url
        certificate = pin = None
        if upload.is_tls(url):
            certificate = upload.fetch_certificate(url)
            seen = upload.pin_of(certificate)
            print(f"服务器证书指纹 / certificate SHA-256:\n  {upload.shown_pin(seen)}")
            if args.pin:
                pin = args.pin
            elif sys.stdin.isatty():
                answer = input("与县区电话核对一致后输入 yes / type yes once checked by phone: ")
                if answer.strip().lower() != "yes":
                    print("未保存 / not saved", file=sys.stderr)
                    return 1
                pin = seen
            else:
                raise UsageError(
                    "请与县区电话核对上面的指纹，再用 --pin 给出县区告知的指纹",
                    "check the fingerprint above with the county, then give it with --pin",
                )
        target = upload.configure(ctx, url, pin, certificate)
    print(f"已设置县区接收服务 / intake set: {target.url}（县区 / county {target.county}）")
    if not target.tls:
        print(
            "注意：未加密连接（批次本身已加密签名），仅限内网或测试 / note: plain http",
            file=sys.stderr,
        )
    return 0


def cmd_intake_show(args: argparse.Namespace) -> int:
    from sync import upload

    with _login(args, read_only=True) as ctx:
        target = upload.target_of(ctx)
        if target is None:
            print("未设置：只用 U 盘 / not set: USB only")
            return 0
        print(f"地址 / address: {target.url}")
        if target.tls:
            print(f"证书指纹 / certificate: {upload.shown_pin(target.pin)}")
        online = upload.reachable(target)
        print("连接 / reachable: " + ("是 / yes" if online else "否 / no"))
    return 0


def cmd_intake_off(args: argparse.Namespace) -> int:
    from sync import upload

    with _login(args) as ctx:
        upload.configure(ctx, "", None, None)
    print("已关闭联网上传：只用 U 盘 / upload off: USB only")
    return 0


def cmd_review_import(args: argparse.Namespace) -> int:
    from sync import station_side

    with _login(args) as ctx:
        result = station_side.import_review(ctx, Path(args.file))
    print(
        f"审核通过 {result.approved}，未通过 {result.rejected}，未适用 {len(result.skipped)}"
        f" / approved {result.approved}, rejected {result.rejected}, skipped {len(result.skipped)}"
    )
    return 0


def _init_with_county_key(sub: Any) -> None:
    """``station init --county-key FILE``: init is the core's command, the key is ours."""
    init = sub.choices.get("init")
    if init is None:
        return
    init.add_argument("--county-key", help="县区公钥文件：创建后立即安装并显示指纹")
    core_init = init.get_default("handler")

    def handler(args: argparse.Namespace) -> int:
        code = core_init(args)
        if code == 0 and args.county_key:
            # The new admin's credentials are the ones init just used (env or prompt).
            return cmd_key_county(argparse.Namespace(**{**vars(args), "file": args.county_key}))
        return code

    init.set_defaults(handler=handler)


def _demo_with_county(sub: Any) -> None:
    """``station demo`` also makes the demo's training county (sync/demo_county.py): demo is
    the core's command, the county key is ours."""
    demo = sub.choices.get("demo")
    if demo is None:
        return
    core_demo = demo.get_default("handler")

    def handler(args: argparse.Namespace) -> int:
        code = core_demo(args)
        if code != 0:
            return code
        from station import auth
        from station.cli import DEMO_ACCOUNTS
        from station.cli_support import data_dir_of
        from sync import demo_county

        directory = data_dir_of(args)
        login, _display, _role, password = DEMO_ACCOUNTS[0]
        with auth.login(directory, login, password) as ctx:
            county = demo_county.ensure(ctx, demo_county.home_for(directory))
        said = "已创建" if county.made else "已存在"
        print(f"演示县区（培训）{said} / demo training county: {county.home}")
        print(f"  县区私钥口令 / its passphrase: {demo_county.PASSPHRASE}（仅供演示 / demo only）")
        home, usb = county.home, county.usb
        print(f"  试一试（以 {login} 登录）/ try it (log in as {login}):")
        print(f"    station --data-dir {directory} batch export --out {usb}")
        print(
            f"    COUNTY_PASSPHRASE={demo_county.PASSPHRASE} county ingest {usb}/*.zkb"
            f" --data-dir {home}"
        )
        print(f"    station --data-dir {directory} batch ack {home / 'receipts'}/<回执 / receipt>")
        return 0

    demo.set_defaults(handler=handler)


def extend(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add ``key``, ``batch`` and ``review`` to the station parser (``station.cli.Extension``)."""
    _init_with_county_key(sub)
    _demo_with_county(sub)
    key = add("key", None, "密钥 / keys for the county exchange")
    key.set_defaults(handler=_help(key))
    key_sub = key.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    p = add("export", cmd_key_export, "导出本报名点公钥 (交县区登记)", key_sub)
    p.add_argument("--out", required=True, metavar="FILE")
    p = add("county", cmd_key_county, "安装县区公钥 (管理员)", key_sub)
    p.add_argument("file", metavar="FILE")
    p = add("rotate", cmd_key_rotate, "更换数据库密钥 (管理员；先关闭桌面程序)", key_sub)
    p.add_argument("--reason", required=True, help="原因，记入审计日志（例如：密码可能泄露）")
    p.add_argument(
        "--signing",
        action="store_true",
        help="同时更换批次签名密钥（由旧密钥签署交接，随下一个批次交县区）",
    )

    batch = add("batch", None, "批次文件 / batch files for the county")
    batch.set_defaults(handler=_help(batch))
    batch_sub = batch.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    p = add("export", cmd_batch_export, "导出已签字记录为批次文件", batch_sub)
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument(
        "--max-records", type=positive_int, default=500, help="每个文件最多记录数 (默认 500)"
    )
    p.add_argument("--max-mb", type=positive_int, default=50, help="每个文件大约上限 MB (默认 50)")
    p = add("list", cmd_batch_list, "列出已导出批次", batch_sub)
    p.add_argument("--json", action="store_true")
    p = add(
        "resend",
        cmd_batch_resend,
        "按原样重新写出一个尚无回执的批次 (丢失或县区报缺号时) / write a batch again",
        batch_sub,
    )
    p.add_argument("sequence", type=positive_int, metavar="SEQ")
    p.add_argument("--out", required=True, metavar="DIR")
    p = add("ack", cmd_batch_ack, "导入县区回执 (可一次多个; 退出码 1: 有回执被拒绝)", batch_sub)
    p.add_argument("receipt", metavar="RECEIPT", nargs="+")
    p = add(
        "upload",
        cmd_batch_upload,
        "联网上传尚无回执的批次并确认回执 (退出码 0 全部确认, 1 仍有等待)",
        batch_sub,
    )
    p.add_argument("--url", help="接收服务地址 (默认 station intake set 所设)")
    p.add_argument(
        "--attempts", type=positive_int, default=5, help="每个批次连接失败时的尝试次数 (默认 5)"
    )

    intake = add("intake", None, "县区接收服务 / the county's intake service (upload)")
    intake.set_defaults(handler=_help(intake))
    intake_sub = intake.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    p = add(
        "set",
        cmd_intake_set,
        "设置接收服务地址并核对其证书指纹 (管理员) / set the address, pin the certificate",
        intake_sub,
    )
    p.add_argument("url", metavar="URL", help="例如 https://10.1.2.3:8440")
    p.add_argument("--pin", help="县区告知的证书指纹 (SHA-256，64 位十六进制)")
    add("show", cmd_intake_show, "显示接收服务设置并测试连接", intake_sub)
    add("off", cmd_intake_off, "关闭联网上传 (只用 U 盘)", intake_sub)

    p = add(
        "resync",
        cmd_resync,
        "按县区签发的报名点状态文件对账 (恢复备份后) / resync with the county's signed state",
    )
    p.add_argument("file", metavar="STATE_FILE")
    p.add_argument("--json", action="store_true")

    review = add("review", None, "县区审核结果 / county review results")
    review.set_defaults(handler=_help(review))
    review_sub = review.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    p = add("import", cmd_review_import, "导入县区审核结果", review_sub)
    p.add_argument("file", metavar="FILE")
