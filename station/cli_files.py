"""``station roster|photo|form``: the commands that read or write files (workbooks, images,
PDFs). Split from ``station.cli``, which builds the parser and runs them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from station.cli_support import credential, data_dir_of, print_json
from station.cli_support import login_from_env as _login

if TYPE_CHECKING:
    from station.roster import ImportResult

ROSTER_PROBLEMS_SHOWN = 50  # on stderr; the errors workbook has them all
# Problems after which no photo can be cut from the picture (the rest are warnings for crop).
PHOTO_CROP_BLOCKERS = ("no_face", "multiple_faces", "face_too_small", "face_too_large")


def _progress_printer() -> Callable[[int, int], None] | None:
    """``done/total`` on the terminal, every hundred rows; nothing when stderr is a file."""
    if not sys.stderr.isatty():
        return None

    def progress(done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)

    return progress


def cmd_roster_template(args: argparse.Namespace) -> int:
    from station import roster

    roster.write_template(Path(args.out))
    print(f"已生成花名册模板 / roster template written: {args.out}")
    return 0


def cmd_roster_import(args: argparse.Namespace) -> int:
    from station import roster

    if args.errors:
        _check_errors_target(Path(args.errors), Path(args.file))
    # The file first: an unusable one is refused before the login writes anything.
    parsed = roster.read_roster(Path(args.file))
    with _login(args) as ctx:
        result = roster.import_roster(
            ctx, parsed, dry_run=args.dry_run, progress=_progress_printer()
        )
    if sys.stderr.isatty() and result.rows:
        print(file=sys.stderr)
    if args.errors and result.problem_rows:
        roster.write_errors(result, Path(args.errors))
    _report_import(result, args)
    return 0 if result.complete else 1


def _check_errors_target(errors: Path, roster_file: Path) -> None:
    # Checked before the import: once rows are stored, a failing write could only say so.
    from station.errors import UsageError

    if errors.resolve() == roster_file.resolve():
        raise UsageError("错误文件不能覆盖要导入的文件", "--errors must not overwrite the roster")
    if not errors.parent.is_dir():
        raise UsageError(f"目录 {errors.parent} 不存在", f"no directory {errors.parent}")


def _report_import(result: ImportResult, args: argparse.Namespace) -> None:
    verb = "可导入" if result.dry_run else "已导入"
    if args.json:
        print_json(
            {
                "sheet": result.sheet,
                "rows": result.rows,
                "imported": result.imported,
                "already_present": result.already_present,
                "conflicts": len(result.conflicts),
                "rejected": len(result.rejected),
                "warnings": result.warnings,
                "dry_run": result.dry_run,
                "cancelled": result.cancelled,
            }
        )
    else:
        print(
            f"工作表“{result.sheet}”共 {result.rows} 行：{verb} {result.imported}，"
            f"已存在 {result.already_present}，冲突 {len(result.conflicts)}，"
            f"有错误 {len(result.rejected)}" + ("（预检，未保存）" if result.dry_run else "")
        )
        print(
            f"rows {result.rows}: imported {result.imported}, already present "
            f"{result.already_present}, conflicts {len(result.conflicts)}, "
            f"rejected {len(result.rejected)}"
            + (" (dry run, nothing stored)" if result.dry_run else "")
        )
    for warning in result.warnings:
        print(f"提示：{warning}", file=sys.stderr)
    problems = [p for row in result.problem_rows for p in row.problems]
    for p in problems[:ROSTER_PROBLEMS_SHOWN]:
        print(f"第 {p.row} 行 {p.column}：{p.reason}", file=sys.stderr)
    if len(problems) > ROSTER_PROBLEMS_SHOWN:
        print(f"……还有 {len(problems) - ROSTER_PROBLEMS_SHOWN} 条", file=sys.stderr)
    if args.errors and result.problem_rows:
        print(f"错误文件 / errors workbook: {args.errors}", file=sys.stderr)


def cmd_roster_export(args: argparse.Namespace) -> int:
    from station import roster

    with _login(args) as ctx:
        result = roster.export_roster(ctx, Path(args.out), progress=_progress_printer())
    if sys.stderr.isatty() and result.count:
        print(file=sys.stderr)
    print(f"已导出 {result.count} 名考生 / exported {result.count} candidates: {args.out}")
    return 0


def cmd_photo_check(args: argparse.Namespace) -> int:
    from station.photo import check_frame, get_profile, instruction, load_image

    profile = get_profile(args.profile)
    verdict = check_frame(load_image(args.image), profile)
    if args.json:
        print_json(verdict.as_dict())
    elif verdict.ok:
        print(f"照片合格（{profile.name}）/ the photo passes ({profile.name})")
    else:
        for code in verdict.problems:
            print(f"{code}: {instruction(code, 'zh_CN')} / {instruction(code, 'en')}")
    return 0 if verdict.ok else 1


def cmd_photo_crop(args: argparse.Namespace) -> int:
    from station.errors import UsageError
    from station.fileio import atomic_write_bytes, check_output
    from station.photo import (
        PhotoError,
        check_frame,
        crop_and_encode,
        get_profile,
        instruction,
        load_image,
    )

    out, image = Path(args.out), Path(args.image)
    if out.exists() and image.exists() and out.resolve() == image.resolve():
        raise UsageError("--out 不能覆盖原图", "--out must not overwrite the image")
    profile = get_profile(args.profile)
    frame = load_image(image)
    verdict = check_frame(frame, profile)
    blocking = [p for p in verdict.problems if p in PHOTO_CROP_BLOCKERS]
    if blocking:
        raise PhotoError(
            "无法裁剪：" + "；".join(instruction(p, "zh_CN") for p in blocking),
            "cannot crop: " + ", ".join(blocking),
        )
    jpeg = crop_and_encode(frame, profile, verdict.face)
    atomic_write_bytes(check_output(out), jpeg)
    size = f"{profile.width}×{profile.height}, {len(jpeg) / 1024:.1f} KB"
    print(f"已写入 {out}（{size}）/ written {out} ({size})")
    for code in verdict.problems:
        print(f"提示：{instruction(code, 'zh_CN')} / warning: {code}", file=sys.stderr)
    return 0


def cmd_form_print(args: argparse.Namespace) -> int:
    from station import records
    from station.fileio import atomic_write_bytes, check_output
    from station.form.service import print_form

    # Checked before printing: a print is stored and audited, and must reach the file.
    out = check_output(Path(args.out))
    with _login(args) as ctx:
        with ctx.store.read() as s:
            candidate_id = records.lookup(s, args.key).id
        printed = print_form(ctx, candidate_id)
    atomic_write_bytes(out, printed.pdf)
    again = f"，第 {printed.print_no} 次打印" if printed.print_no > 1 else ""
    print(
        f"已打印登记表 {printed.registration_no} 第 {printed.version} 版{again}：{out}"
        f" / form printed (print {printed.print_no})"
    )
    print(printed.qr_text)
    return 0


def cmd_form_verify(args: argparse.Namespace) -> int:
    from station.form import qr
    from station.form.service import verify_qr

    qr.parse(args.text)  # malformed text is exit 2 before any login
    with _login(args, read_only=True) as ctx:
        check = verify_qr(ctx, args.text)
    if args.json:
        print_json(
            {
                "match": check.match.value,
                "registration_no": check.registration_no,
                "version": check.version,
                "current_version": check.current_version,
                "message": check.message_zh,
            }
        )
    else:
        print(check.message_zh)
        print(check.message_en)
    return 0 if check.ok else 1


def cmd_backup(args: argparse.Namespace) -> int:
    from station import backup

    with _login(args, read_only=True) as ctx:
        if args.out:
            made = [backup.make_backup(ctx, Path(args.out), reason="manual")]
        else:
            made = backup.auto_backup(ctx, "manual")
    for info in made:
        print(f"已备份 / backup written: {info.path} ({info.size // 1024} KB)")
    print("恢复时需要备份当时有效的账号密码或恢复码 / restoring needs a login valid at the time")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from station import backup

    directory = data_dir_of(args)
    login = credential("STATION_OPERATOR", "备份时的登录名 / login at backup time: ", secret=False)
    password = credential("STATION_PASSWORD", "密码 / password: ", secret=True)
    result = backup.restore(Path(args.file), directory, login, password, replace=args.replace)
    print(f"已恢复报名点 {result.station}（备份于 {result.created_at}）到 {directory}")
    print(f"restored station {result.station} (backup of {result.created_at}) into {directory}")
    if result.replaced is not None:
        print(f"原有数据已另存于 / the station that was there is kept in: {result.replaced}")
    print(
        "如果备份早于最近一次导出，请向县区索取报名点状态文件并运行 station resync / "
        "if the backup is older than the last export, get the county's state file and resync"
    )
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    """0 everyone placed; 1 some did not fit (named, with what would make them fit)."""
    from station import schedule, schedule_export
    from station.errors import UsageError
    from station.fileio import atomic_write_bytes, check_output

    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".pdf"):
        raise UsageError("--out 应为 .xlsx 或 .pdf 文件", "--out is an .xlsx or .pdf file")
    check_output(out)
    capacity = schedule.Capacity(
        desks=args.desks,
        minutes_per_candidate=args.minutes,
        days=schedule.parse_days(args.days),
        periods=tuple(schedule.parse_period(p) for p in args.hours.split(",")),
        slot_minutes=args.slot,
        buffer_percent=args.buffer,
    )
    capacity.check()
    if args.groups:
        groups = schedule_export.read_groups(Path(args.groups))
        point = args.point or "报名点"
    else:
        with _login(args, read_only=True) as ctx:
            groups = schedule_export.groups_from_station(ctx)
            from station import queries

            point = args.point or queries.station_info(ctx).name
    plan = schedule.plan(groups, capacity)
    data = (
        schedule_export.workbook(plan, point)
        if out.suffix.lower() == ".xlsx"
        else schedule_export.notices_pdf(plan, point, capacity)
    )
    atomic_write_bytes(out, data)
    home = data_dir_of(args)
    if not args.no_save and (home / "keyslots.json").exists():
        # The plan in force (the dashboard's "due now"): a supervisor's to set.
        from station.roles import Permission

        with _login(args, read_only=True) as ctx:
            ctx.require(Permission.UNLOCK)
            schedule_export.save_plan(home, plan)
    used = plan.used_slots()
    print(
        f"已安排 {plan.placed} 名考生，{len(used)} 个时段，每个时段至多 {capacity.per_slot()} 人"
        f" / {plan.placed} candidates in {len(used)} slots: {out}"
    )
    if plan.unplaced:
        left = sum(n for _g, n in plan.unplaced)
        print(
            f"另有 {left} 名考生排不下（{'、'.join(g.label for g, _n in plan.unplaced[:5])}"
            f"{'……' if len(plan.unplaced) > 5 else ''}）：请增加开放日期、时间段或工位 / "
            f"{left} did not fit: add days, hours or desks",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_report_daily(args: argparse.Namespace) -> int:
    import datetime as dt

    from station import report
    from station.errors import UsageError
    from station.fileio import atomic_write_bytes, check_output

    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".pdf"):
        raise UsageError("--out 应为 .xlsx 或 .pdf 文件", "--out is an .xlsx or .pdf file")
    try:
        day = dt.date.fromisoformat(args.date) if args.date else dt.date.today()
        if not 2000 <= day.year <= 2100:
            raise ValueError
    except ValueError:
        raise UsageError(
            f"日期 {args.date!r} 应写成 YYYY-MM-DD", "the date is YYYY-MM-DD"
        ) from None
    check_output(out)
    with _login(args, read_only=True) as ctx:
        daily = report.daily(ctx, day)
    data = report.workbook(daily) if out.suffix.lower() == ".xlsx" else report.pdf(daily)
    atomic_write_bytes(out, data)
    made = daily.work["create"]
    print(
        f"{day:%Y-%m-%d} 日报：新建 {made}，签字 {daily.work['sign']}，更正 "
        f"{len(daily.corrections)}，异常 {len(daily.exceptions)} / daily report: {out}"
    )
    return 0


def cmd_archive_list(args: argparse.Namespace) -> int:
    from station import archive
    from station.errors import UsageError
    from station.fileio import atomic_write_bytes, check_output

    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".pdf"):
        raise UsageError("--out 应为 .xlsx 或 .pdf 文件", "--out is an .xlsx or .pdf file")
    check_output(out)
    with _login(args, read_only=True) as ctx:
        found = archive.entries(ctx, args.box)
        title = f"{archive.station_name(ctx)} 登记表存档清单"
    if args.box is not None and not found:
        raise UsageError(f"没有存档盒 {args.box}", f"no box {args.box}")
    data = (
        archive.workbook(found, title)
        if out.suffix.lower() == ".xlsx"
        else archive.pdf(found, title)
    )
    atomic_write_bytes(out, data)
    boxes = len({e.box for e in found})
    print(f"{len(found)} 份登记表，{boxes} 个存档盒 / {len(found)} forms in {boxes} boxes: {out}")
    return 0
