"""Health checks (健康检查) of a station: what a supervisor looks at before a day's work and
what support asks for first. ``station doctor`` prints them, the desk's Health screen shows
them (the desk adds the printer, which only Qt can see).

Every finding says what was found and, when something needs attention, what to do, in both
languages. A check that cannot run (no login, a broken device) is itself a finding, never an
exception.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from station import __version__
from station.errors import StationError

if TYPE_CHECKING:
    from station.auth import Context
    from station.settings import Settings

#: Below this much free space in the data folder a day's photos and backups are at risk.
LOW_DISK_BYTES = 1024**3
#: Signed records should reach the county within this many days of the last export.
EXPORT_DUE_DAYS = 2
#: A batch without a receipt after this many days may be lost on the way.
RECEIPT_DUE_DAYS = 3


class Status(StrEnum):
    OK = "ok"
    ATTENTION = "attention"
    INFO = "info"  # facts (the version); never a reason for exit 1


@dataclass(frozen=True, slots=True)
class Finding:
    key: str
    name_zh: str
    name_en: str
    status: Status
    detail_zh: str
    detail_en: str

    def as_dict(self) -> dict[str, str]:
        return {
            "check": self.key,
            "status": self.status.value,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "detail_zh": self.detail_zh,
            "detail_en": self.detail_en,
        }

    def line(self) -> str:
        mark = {Status.OK: "正常 OK", Status.ATTENTION: "注意 ATTENTION", Status.INFO: "信息 INFO"}
        head = f"[{mark[self.status]}] {self.name_zh} / {self.name_en}"
        if self.detail_zh == self.detail_en:
            return f"{head}: {self.detail_en}"
        return f"{head}: {self.detail_zh} / {self.detail_en}"


Check = Callable[[], Finding]


def _finding(key: str, names: tuple[str, str], ok: bool, zh: str, en: str) -> Finding:
    status = Status.OK if ok else Status.ATTENTION
    return Finding(key, names[0], names[1], status, zh, en)


# --- checks that need no login -------------------------------------------------------------


def version() -> Finding:
    return Finding("version", "版本", "version", Status.INFO, __version__, __version__)


def disk_space(data_dir: Path) -> Finding:
    names = ("磁盘空间", "free disk space")
    probe = data_dir if data_dir.exists() else data_dir.parent
    free = shutil.disk_usage(probe).free
    text = f"{free / 1024**3:.1f} GB"
    if free >= LOW_DISK_BYTES:
        return _finding("disk", names, True, f"数据目录所在磁盘剩余 {text}", f"{text} free")
    return _finding(
        "disk",
        names,
        False,
        f"只剩 {text}：请清理磁盘或把数据目录移到更大的磁盘，否则照片和备份可能写不进去",
        f"only {text} free: free some space or move the data folder to a larger disk",
    )


def camera(settings: Settings) -> Finding:
    names = ("摄像头", "camera")
    if not settings.camera:
        return _finding(
            "camera",
            names,
            False,
            "未设置摄像头：请在“设置”中选择（照片须现场拍摄）",
            "no camera chosen: choose one in Settings (photos are taken live)",
        )
    if settings.camera == "demo":
        return _finding("camera", names, True, "演示摄像头（示例照片）", "demo camera")
    from station.photo.camera import OpenCVCamera

    index = int(settings.camera) if settings.camera.isdigit() else 0
    try:
        cam = OpenCVCamera(index)
    except StationError as exc:
        return _finding("camera", names, False, exc.message_zh, exc.message_en)
    try:
        size = f"{cam.width}x{cam.height}"
    finally:
        cam.close()
    return _finding(
        "camera", names, True, f"摄像头 {index} 有画面（{size}）", f"camera {index}: {size}"
    )


def card_reader(settings: Settings) -> Finding:
    names = ("身份证阅读器", "ID-card reader")
    port = settings.card_reader
    if not port:
        return _finding(
            "reader",
            names,
            False,
            "未设置读卡器：证件信息只能手工输入；有读卡器时请在“设置”中选择端口",
            "no card reader chosen: card data must be typed; choose its port in Settings",
        )
    if port == "demo":
        return _finding("reader", names, True, "演示读卡器", "demo reader")
    import serial

    try:
        serial.Serial(port, timeout=0.2).close()
    except (serial.SerialException, OSError, ValueError) as exc:
        return _finding(
            "reader",
            names,
            False,
            f"端口 {port} 打不开（{exc}）：检查连接线和端口号",
            f"port {port} cannot be opened ({exc}): check the cable and the port",
        )
    return _finding("reader", names, True, f"端口 {port} 可用", f"port {port} opens")


#: Without a backup for this many days, one dead disk loses that much work.
BACKUP_DUE_DAYS = 1


def last_backup(data_dir: Path, now: dt.datetime | None = None) -> Finding:
    from station.backup import last_backup as newest

    names = ("上次备份", "last backup")
    when = newest(data_dir)
    if when is None:
        return _finding(
            "backup",
            names,
            False,
            "从未备份：请运行 station backup，或打开采集界面（每小时自动备份）",
            "never: run `station backup`, or open the desk (it backs up every hour)",
        )
    days = ((now or dt.datetime.now()) - when).days
    text_zh, text_en = (
        f"{days} 天前（{when:%Y-%m-%d %H:%M}）",
        f"{days} days ago ({when:%Y-%m-%d %H:%M})",
    )
    if days > BACKUP_DUE_DAYS:
        return _finding(
            "backup", names, False, f"{text_zh}：请立即备份", f"{text_en}: make a backup now"
        )
    return _finding("backup", names, True, text_zh, text_en)


# --- checks of the database (after login) --------------------------------------------------


def database(ctx: Context) -> Finding:
    """The check a login makes, once more: every table but the photos (see
    :func:`photo_check` for those)."""
    from station.database import check_integrity

    names = ("数据库完整性", "database integrity")
    try:
        check_integrity(ctx.store, full=False)
    except StationError as exc:
        return _finding("database", names, False, exc.message_zh, exc.message_en)
    return _finding(
        "database", names, True, "完整（照片数据另见下一项）", "intact (the photos: see below)"
    )


def photo_check(ctx: Context, now: dt.datetime | None = None) -> Finding:
    """Where the photo check (station/integrity.py) stands: complete, in progress, failed."""
    from station import integrity

    names = ("照片数据检查", "photo data check")
    found = integrity.status(ctx.store)
    state = found.state
    run_zh, run_en = "可运行 station integrity 立即查完", "`station integrity` finishes it now"
    if state.failed:
        where_zh, where_en = state.problem_words()
        what_zh, what_en = state.damaged_words()
        when = integrity.local_time(state.failed_at)
        return _finding(
            "photos",
            names,
            False,
            f"{when} 发现{what_zh}损坏（{where_zh}）：不能导出；请停止录入，"
            "从备份恢复（station restore）并报告县区",
            f"damaged {what_en} found at {when} ({where_en}): no export is possible; stop, "
            "restore from a backup (`station restore`) and tell the county",
        )
    if state.in_progress:
        began = integrity.local_time(state.started)
        late = integrity.late(state, now)
        if state.trigger == integrity.UNCLEAN:
            zh = (
                f"上次没有正常退出，正在重新检查：已完成 {found.percent}%"
                f"（{state.checked}/{state.checked + found.remaining} 张）；导出前会先查完；{run_zh}"
            )
            en = (
                f"after an unclean stop, checking again: {found.percent}% done "
                f"({state.checked}/{state.checked + found.remaining}); an export finishes it "
                f"first; {run_en}"
            )
        else:
            zh = (
                f"每日检查进行中：已完成 {found.percent}%"
                f"（{state.checked}/{state.checked + found.remaining} 张，{began} 开始）；{run_zh}"
            )
            en = (
                f"the daily check in progress: {found.percent}% done "
                f"({state.checked}/{state.checked + found.remaining}, began {began}); {run_en}"
            )
        if late:
            zh += "；已超过两天未查完，请运行 station integrity"
            en += "; unfinished for over two days: run `station integrity`"
        return _finding("photos", names, not late, zh, en)
    if state.finished:
        ended = integrity.local_time(state.finished)
        return _finding(
            "photos",
            names,
            True,
            f"全部完好（{ended} 查完，{found.photos} 张）",
            f"all intact (finished {ended}, {found.photos} photos)",
        )
    return _finding(
        "photos",
        names,
        True,
        f"尚未检查（下次登录时开始）；{run_zh}",
        f"not checked yet (starts with the next login); {run_en}",
    )


def audit_chain(ctx: Context) -> Finding:
    from station import anchor

    names = ("审计链", "audit chain")
    result = anchor.verify_chain(ctx)
    if result.ok:
        return _finding(
            "audit", names, True, f"完好，共 {result.count} 条", f"intact, {result.count} events"
        )
    return _finding(
        "audit",
        names,
        False,
        f"第 {result.bad_seq} 条起被改动（{result.problem}）：停止使用，报告县区并从备份恢复",
        f"broken at event {result.bad_seq} ({result.problem}): stop, tell the county, restore",
    )


def county_key(ctx: Context) -> Finding:
    from station.models import Station

    names = ("县区公钥", "county key")
    with ctx.store.read() as s:
        station = s.get(Station, 1)
        installed = station is not None and station.county_public_key is not None
    if installed:
        return _finding("county_key", names, True, "已安装", "installed")
    return _finding(
        "county_key",
        names,
        False,
        "未安装：不能导出批次；请向县区索取公钥文件，由管理员安装（station key county）",
        "not installed: batches cannot be exported; install the county's key file",
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)  # stored times are naive UTC


def last_export(ctx: Context, now: dt.datetime | None = None) -> Finding:
    """Days since the last batch, against the signed records waiting for one."""
    from sqlalchemy import func, select

    from station.lifecycle import State
    from station.models import Batch, Candidate

    with ctx.store.read() as s:
        last = s.scalar(select(func.max(Batch.created_at)))
        waiting = s.scalar(select(func.count()).where(Candidate.state == State.SIGNED.value)) or 0
    names = ("上次导出", "last export")
    days = ((now or _now()) - last).days if last else None
    since_zh = "从未导出" if last is None else f"{days} 天前（{last:%Y-%m-%d}）"
    since_en = "never" if last is None else f"{days} days ago ({last:%Y-%m-%d})"
    if waiting > 0 and (days is None or days >= EXPORT_DUE_DAYS):
        return _finding(
            "export",
            names,
            False,
            f"{since_zh}；{waiting} 条已签字记录待导出：请导出并交县区",
            f"{since_en}; {waiting} signed records wait: export them for the county",
        )
    return _finding(
        "export", names, True, f"{since_zh}；待导出 {waiting} 条", f"{since_en}; {waiting} waiting"
    )


def receipts(ctx: Context, now: dt.datetime | None = None) -> Finding:
    """Batches exported but not acknowledged, and whether any is overdue."""
    from sqlalchemy import select

    from station.models import Batch

    with ctx.store.read() as s:
        waiting = list(
            s.execute(
                select(Batch.sequence, Batch.created_at)
                .where(Batch.state == "exported")
                .order_by(Batch.sequence)
            )
        )
    names = ("未回执批次", "batches without receipt")
    late = [seq for seq, at in waiting if ((now or _now()) - at).days >= RECEIPT_DUE_DAYS]
    if late:
        numbers = ", ".join(f"#{seq}" for seq in late)
        return _finding(
            "receipts",
            names,
            False,
            f"批次 {numbers} 导出已超过 {RECEIPT_DUE_DAYS} 天仍无回执：请与县区核实是否收到",
            f"batches {numbers} have no receipt after {RECEIPT_DUE_DAYS} days: ask the county",
        )
    count = len(waiting)
    english = "1 batch awaits a receipt" if count == 1 else f"{count} batches await a receipt"
    return _finding("receipts", names, True, f"{count} 个批次等待回执", english)


# --- all of them ---------------------------------------------------------------------------


def device_checks(data_dir: Path, settings: Settings) -> list[Check]:
    return [
        version,
        lambda: disk_space(data_dir),
        lambda: camera(settings),
        lambda: card_reader(settings),
        lambda: last_backup(data_dir),
    ]


def store_checks(ctx: Context) -> list[Check]:
    return [
        lambda: database(ctx),
        lambda: photo_check(ctx),
        lambda: audit_chain(ctx),
        lambda: county_key(ctx),
        lambda: last_export(ctx),
        lambda: receipts(ctx),
    ]


def run(checks: list[Check]) -> Iterator[Finding]:
    """Each check's finding; a check that fails in words is a finding too."""
    for check in checks:
        try:
            yield check()
        except StationError as exc:
            yield Finding(
                "error", "检查", "check", Status.ATTENTION, exc.message_zh, exc.message_en
            )


def not_logged_in(reason_zh: str, reason_en: str) -> Finding:
    return Finding(
        "login",
        "数据库检查",
        "database checks",
        Status.ATTENTION,
        f"未进行（{reason_zh}）",
        f"not run ({reason_en})",
    )


def needs_attention(findings: list[Finding]) -> bool:
    return any(f.status is Status.ATTENTION for f in findings)
