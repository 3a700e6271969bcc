"""The county's review desk (审核工作台): the index the lists filter on, the lists, one
candidate's whole file, and decisions one at a time or in bulk, each logged with who and why.

A decision names the version the clerk saw and when the record last changed: if another clerk
decided meanwhile, or the station sent a new version, the decision is refused as *changed* and
the page shows the record as it is now. Decisions are appended to ``review_log`` (who, when,
what, why, and the state before); ``candidates`` keeps the current one.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import aliased

from station import pinyin, xlsx
from station.errors import UsageError
from station.fields import Category, label_zh
from sync.county import db

PER_PAGE = 50
STATES = {"received": "待审核", "approved": "通过", "rejected": "不通过"}
ALLOCATIONS = {"granted": "同意", "denied": "不同意"}
#: Reasons a county gives for 不通过; "other" needs words of its own.
REASONS = {
    "age": "年龄不符合报考条件",
    "household": "户籍不符合报考条件",
    "school_record": "学籍信息与学籍系统不一致",
    "duplicate": "重复报名",
    "documents": "证明材料不齐全或不真实",
    "allocation": "不符合分配生条件",
    "other": "其他",
}


#: The station's audit actions on a record, in the clerk's words.
EVENT_WORDS = {
    "create": "创建记录",
    "edit": "修改信息",
    "card_read": "读取身份证",
    "card_fields_released": "解除身份证字段锁定",
    "mark_ready": "信息填写完整",
    "invalidate": "退回待完善",
    "candidate_reviewed": "考生核对",
    "candidate_password_set": "考生设置密码",
    "form_printed": "打印登记表",
    "confirm": "确认",
    "reopen": "重新打开",
    "sign": "考生及监护人签字",
    "export": "导出批次",
    "acknowledge": "县区已接收",
    "approve": "审核通过",
    "reject": "审核不通过",
    "unlock": "解锁更正",
}
#: At most this many near-identical photos are listed on a candidate's page.
SIMILAR_SHOWN = 20


class Changed(Exception):
    """The record changed since the page was shown (another clerk, a new version)."""

    def __init__(self, by: str | None) -> None:
        super().__init__(by or "")
        self.by = by


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# --- the index --------------------------------------------------------------------------------


def index_values(station: str, canonical: dict[str, Any]) -> dict[str, Any]:
    """The columns the lists filter on, from a version's canonical record."""
    record = canonical["record"]
    applied = record.get("allocation_applied")
    if isinstance(applied, str):
        applied = applied.strip().lower() in ("1", "true", "是", "yes")
    name = str(record.get("name", ""))
    return {
        "station": station,
        "registration_no": canonical["registration_no"],
        "name": name[:60],
        "initials": pinyin.initials(name)[:60],
        "school_code": str(record.get("school_code") or "")[:20],
        "school_name": str(record.get("school_name") or "")[:100],
        "category": str(record.get("category") or "")[:16],
        "allocation_applied": bool(applied),
        "photo_sha256": canonical.get("photo_sha256"),
        "phash": None,
        "duplicate": False,
    }


def upsert_index(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Replace the index rows of these candidates (their latest version changed)."""
    if not rows:
        return
    t = db.review_index
    for station in {r["station"] for r in rows}:
        numbers = [r["registration_no"] for r in rows if r["station"] == station]
        for chunk in (numbers[i : i + 500] for i in range(0, len(numbers), 500)):
            conn.execute(delete(t).where(t.c.station == station, t.c.registration_no.in_(chunk)))
    db.insert_rows(conn, t, rows)  # binary COPY on PostgreSQL


def mark_duplicates(conn: Connection, id_numbers: list[str]) -> None:
    """Flag every candidate holding one of these ID numbers (registered at two stations)."""
    c, i = db.candidates, db.review_index
    for chunk in (id_numbers[k : k + 500] for k in range(0, len(id_numbers), 500)):
        conn.execute(
            update(i)
            .where(
                exists().where(
                    c.c.station == i.c.station,
                    c.c.registration_no == i.c.registration_no,
                    c.c.id_number.in_(chunk),
                )
            )
            .values(duplicate=True)
        )


def build_index(engine: Engine) -> int:
    """Index every candidate that has no index row yet (a database from before the review
    desk): read once from its latest version. Returns how many were added."""
    c, i, v = db.candidates, db.review_index, db.versions
    added = 0
    while True:
        with engine.begin() as conn:
            missing = conn.execute(
                select(c.c.station, v.c.canonical)
                .join(
                    v,
                    and_(
                        v.c.station == c.c.station,
                        v.c.registration_no == c.c.registration_no,
                        v.c.version == c.c.version,
                    ),
                )
                .where(
                    ~exists().where(
                        i.c.station == c.c.station, i.c.registration_no == c.c.registration_no
                    )
                )
                .limit(2000)
            ).all()
            if not missing:
                if added:  # the duplicates among what was added, found once for all
                    other = aliased(c)
                    conn.execute(
                        update(i)
                        .where(
                            exists().where(
                                c.c.station == i.c.station,
                                c.c.registration_no == i.c.registration_no,
                                exists().where(
                                    other.c.id_number == c.c.id_number,
                                    other.c.station != c.c.station,
                                ),
                            )
                        )
                        .values(duplicate=True)
                    )
                return added
            upsert_index(conn, [index_values(r.station, json.loads(r.canonical)) for r in missing])
            added += len(missing)


# --- lists ------------------------------------------------------------------------------------


@dataclass
class Filters:
    station: str = ""
    school: str = ""
    state: str = ""
    category: str = ""
    allocation: str = ""  # applied | granted | denied
    duplicate: str = ""  # yes
    decided: str = ""  # yes | no
    q: str = ""
    page: int = 1

    def query_string(self, **change: Any) -> str:
        from urllib.parse import urlencode

        values = {**self.__dict__, **change}
        return urlencode({k: v for k, v in values.items() if v not in ("", None, 1) or k == "page"})


@dataclass
class Row:
    station: str
    registration_no: str
    version: int
    name: str
    id_number: str
    state: str
    reason: str
    allocation: str | None
    school_name: str
    category: str
    allocation_applied: bool
    duplicate: bool
    stamp: str

    @property
    def state_zh(self) -> str:
        return STATES.get(self.state, self.state)

    @property
    def category_zh(self) -> str:
        try:
            return Category(self.category).label_zh
        except ValueError:
            return self.category


@dataclass
class Page:
    rows: list[Row]
    total: int
    filters: Filters
    per_page: int = PER_PAGE
    stations: list[str] = field(default_factory=list)
    schools: list[tuple[str, str]] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _where(f: Filters) -> list[Any]:
    c, i = db.candidates, db.review_index
    where: list[Any] = []
    if f.station:
        where.append(c.c.station == f.station)
    if f.school:
        where.append(i.c.school_code == f.school)
    if f.state in STATES:
        where.append(c.c.state == f.state)
    if f.category:
        where.append(i.c.category == f.category)
    if f.allocation == "applied":
        where.append(i.c.allocation_applied.is_(True))
    elif f.allocation in ALLOCATIONS:
        where.append(c.c.allocation == f.allocation)
    if f.duplicate == "yes":
        where.append(i.c.duplicate.is_(True))
    if f.decided == "no":
        where.append(c.c.state == "received")
    elif f.decided == "yes":
        where.append(c.c.state != "received")
    q = f.q.strip()
    if q:
        upper = q.upper()
        if len(q) in (15, 18) and upper[:-1].isdigit() and upper[-1] in "0123456789X":
            where.append(c.c.id_number == upper)  # an ID number (the old 15-digit ones too)
        elif q.isdigit():
            where.append(c.c.registration_no == q)
        elif q.isascii() and q.replace(" ", "").isalpha():
            # Initials hold every reading of the surname ("cgf zgf" for 曾国藩): a typed
            # variant may be any of them, not only the first.
            where.append(
                or_(
                    *(
                        clause
                        for v in q.lower().split()
                        for clause in (
                            i.c.initials.like(_like(v), escape="\\"),
                            i.c.initials.like("% " + _like(v), escape="\\"),
                        )
                    )
                )
            )
        else:
            where.append(i.c.name.like(_like(q), escape="\\"))
    return where


def review_list(engine: Engine, f: Filters, per_page: int = PER_PAGE) -> Page:
    c, i = db.candidates, db.review_index
    where = _where(f)
    joined = c.join(i, and_(i.c.station == c.c.station, i.c.registration_no == c.c.registration_no))
    page = max(1, f.page)
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(joined).where(*where)) or 0
        rows = conn.execute(
            select(
                c.c.station,
                c.c.registration_no,
                c.c.version,
                c.c.name,
                c.c.id_number,
                c.c.state,
                c.c.reason,
                c.c.allocation,
                c.c.updated_at,
                i.c.school_name,
                i.c.category,
                i.c.allocation_applied,
                i.c.duplicate,
            )
            .select_from(joined)
            .where(*where)
            .order_by(c.c.station, c.c.registration_no)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
        stations, schools = _choices(engine, conn)
    return Page(
        [
            Row(
                r.station,
                r.registration_no,
                r.version,
                r.name,
                r.id_number,
                r.state,
                r.reason,
                r.allocation,
                r.school_name,
                r.category,
                bool(r.allocation_applied),
                bool(r.duplicate),
                stamp_of(r.updated_at),
            )
            for r in rows
        ],
        total,
        f,
        per_page,
        stations,
        schools,
    )


_CHOICES: dict[str, tuple[tuple[Any, ...], list[str], list[tuple[str, str]]]] = {}


def _choices(engine: Engine, conn: Connection) -> tuple[list[str], list[tuple[str, str]]]:
    """The filters' lists of stations and schools. They change only when a station is
    registered or a batch is ingested: read again only then (a GROUP BY over every
    candidate was most of a filtered page's time)."""
    i = db.review_index
    version = tuple(
        conn.execute(
            select(
                select(func.count()).select_from(db.stations).scalar_subquery(),
                select(func.max(db.batches.c.id)).scalar_subquery(),
            )
        ).one()
    )
    key = engine.url.render_as_string(hide_password=True)
    cached = _CHOICES.get(key)
    if cached is not None and cached[0] == version:
        return cached[1], cached[2]
    stations = list(conn.scalars(select(db.stations.c.code).order_by(db.stations.c.code)))
    schools = [
        (r.school_code, r.school_name)
        for r in conn.execute(
            select(i.c.school_code, i.c.school_name)
            .where(i.c.school_code != "")
            .group_by(i.c.school_code, i.c.school_name)
            .order_by(i.c.school_code)
        )
    ]
    _CHOICES[key] = (version, stations, schools)
    return stations, schools


def stamp_of(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="microseconds")


# --- one candidate ------------------------------------------------------------------------------


@dataclass
class VersionView:
    version: int
    frozen_at: str
    received_at: str
    record: dict[str, Any]
    changed: list[str]  # field names that differ from the version before


@dataclass
class Candidate:
    station: str
    station_name: str
    registration_no: str
    version: int
    state: str
    reason: str
    allocation: str | None
    stamp: str
    record: dict[str, Any]
    photo_sha256: str | None
    versions: list[VersionView]
    events: list[dict[str, Any]]
    same_id: list[dict[str, str]]
    similar_photos: list[dict[str, Any]]
    photos_indexed: tuple[int, int]
    log: list[dict[str, Any]]

    @property
    def state_zh(self) -> str:
        return STATES.get(self.state, self.state)


def candidate(engine: Engine, station: str, registration_no: str) -> Candidate | None:
    c, v = db.candidates, db.versions
    with engine.connect() as conn:
        row = conn.execute(
            select(c, db.stations.c.name.label("station_name"))
            .join(db.stations, db.stations.c.code == c.c.station)
            .where(c.c.station == station, c.c.registration_no == registration_no)
        ).first()
        if row is None:
            return None
        history = conn.execute(
            select(v.c.version, v.c.canonical, v.c.frozen_at, db.batches.c.received_at)
            .join(db.batches, db.batches.c.id == v.c.batch_id)
            .where(v.c.station == station, v.c.registration_no == registration_no)
            .order_by(v.c.version)
        ).all()
        versions: list[VersionView] = []
        before: dict[str, Any] = {}
        for h in history:
            record = json.loads(h.canonical)["record"]
            changed = [k for k in record if versions and record.get(k) != before.get(k)]
            versions.append(
                VersionView(
                    h.version,
                    h.frozen_at,
                    h.received_at.strftime("%Y-%m-%d %H:%M"),
                    record,
                    changed,
                )
            )
            before = record
        latest = json.loads(next(h.canonical for h in history if h.version == row.version))
        same_id = [
            {"station": r.station, "registration_no": r.registration_no, "state": r.state}
            for r in conn.execute(
                select(c.c.station, c.c.registration_no, c.c.state).where(
                    c.c.id_number == row.id_number, c.c.station != station
                )
            )
        ]
        events = _events_of(conn, station, registration_no)
        log = [
            {
                "at": r.at.strftime("%Y-%m-%d %H:%M:%S"),
                "login": r.login,
                "decision": STATES.get(r.decision, r.decision),
                "reason": r.reason,
                "version": r.version,
            }
            for r in conn.execute(
                select(db.review_log)
                .where(
                    db.review_log.c.station == station,
                    db.review_log.c.registration_no == registration_no,
                )
                .order_by(db.review_log.c.id.desc())
            )
        ]
        similar, indexed = _similar_photos(conn, station, registration_no)
    return Candidate(
        station=station,
        station_name=row.station_name,
        registration_no=registration_no,
        version=row.version,
        state=row.state,
        reason=row.reason,
        allocation=row.allocation,
        stamp=stamp_of(row.updated_at),
        record=latest["record"],
        photo_sha256=latest.get("photo_sha256"),
        versions=versions,
        events=events,
        same_id=same_id,
        similar_photos=similar,
        photos_indexed=indexed,
        log=log,
    )


def _events_of(conn: Connection, station: str, registration_no: str) -> list[dict[str, Any]]:
    """The station's audit events for this record: found through the event that created it
    (its detail names the 报名号), then every event of that station-local record id."""
    a = db.audit_events
    created = conn.execute(
        select(a.c.candidate_id)
        .where(a.c.station == station, a.c.detail.like(f'%"registration_no":"{registration_no}"%'))
        .where(a.c.candidate_id.is_not(None))
        .limit(1)
    ).first()
    if created is None:
        return []
    return [
        {
            "seq": r.seq,
            "at": r.at.replace("T", " ")[:19],
            "actor": r.actor,
            "action": EVENT_WORDS.get(r.action, r.action),
            "version": r.version,
            "reason": r.reason,
        }
        for r in conn.execute(
            select(a.c.seq, a.c.at, a.c.actor, a.c.action, a.c.version, a.c.reason)
            .where(a.c.station == station, a.c.candidate_id == created.candidate_id)
            .order_by(a.c.seq)
        )
    ]


def _similar_photos(
    conn: Connection, station: str, registration_no: str
) -> tuple[list[dict[str, Any]], tuple[int, int]]:
    """Near-identical photos (perceptual hash within NEAR_DUPLICATE bits) at other stations,
    among the photos indexed so far."""
    import numpy as np

    from station.photo.phash import NEAR_DUPLICATE

    i = db.review_index
    mine = conn.scalar(
        select(i.c.phash).where(i.c.station == station, i.c.registration_no == registration_no)
    )
    total = conn.scalar(select(func.count()).select_from(i).where(i.c.photo_sha256.is_not(None)))
    done = conn.scalar(select(func.count()).select_from(i).where(i.c.phash.is_not(None)))
    if not mine:
        return [], (done or 0, total or 0)
    others = conn.execute(
        select(i.c.station, i.c.registration_no, i.c.name, i.c.phash).where(
            i.c.phash.is_not(None), i.c.station != station
        )
    ).all()
    if not others:
        return [], (done or 0, total or 0)
    values = np.array([int(o.phash, 16) for o in others], dtype=np.uint64)
    distance = np.bitwise_count(values ^ np.uint64(int(mine, 16)))
    near = [
        {
            "station": o.station,
            "registration_no": o.registration_no,
            "name": o.name,
            "distance": int(d),
        }
        for o, d in zip(others, distance, strict=True)
        if d <= NEAR_DUPLICATE
    ]
    return sorted(near, key=lambda n: n["distance"])[:SIMILAR_SHOWN], (done or 0, total or 0)


def index_photo_hashes(engine: Engine, limit: int = 500) -> int:
    """Compute the perceptual hash of up to ``limit`` indexed photos that have none yet (the
    review service does this in the background); returns how many were done."""
    from station.errors import StationError
    from station.photo.phash import perceptual_hash

    i, p = db.review_index, db.photos
    with engine.connect() as conn:
        todo = conn.execute(
            select(i.c.station, i.c.registration_no, p.c.jpeg)
            .join(p, p.c.sha256 == i.c.photo_sha256)
            .where(i.c.phash.is_(None))
            .limit(limit)
        ).all()
    if not todo:
        return 0
    done = []
    for r in todo:
        try:
            value = perceptual_hash(bytes(r.jpeg))
        except StationError:
            value = "-"  # not decodable: never compared, never tried again
        done.append((r.station, r.registration_no, value))
    with engine.begin() as conn:
        for station, number, value in done:
            conn.execute(
                update(i)
                .where(i.c.station == station, i.c.registration_no == number)
                .values(
                    phash=value if value != "-" else None,
                    photo_sha256=None if value == "-" else i.c.photo_sha256,
                )
            )
    return len(done)


# --- decisions ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decision:
    decision: str  # approved | rejected
    reason_code: str = ""
    reason_text: str = ""
    allocation: str | None = None  # granted | denied | None
    #: Whether the 分配生 result is part of this decision (the candidate's page); a bulk or
    #: imported decision without one leaves the result as it is.
    set_allocation: bool = False

    def reason(self) -> str:
        """The words stored and sent to the station: the listed reason, then the clerk's."""
        if self.decision == "approved":
            return self.reason_text.strip()[:200]
        label = REASONS[self.reason_code] if self.reason_code != "other" else ""
        text = self.reason_text.strip()
        return (f"{label}：{text}" if label and text else label or text)[:200]

    def check(self) -> None:
        if self.decision not in ("approved", "rejected"):
            raise UsageError("请选择审核结论：通过或不通过", "choose approved or rejected")
        if self.decision == "rejected":
            if self.reason_code not in REASONS:
                raise UsageError("不通过须从列表中选择原因", "a rejection needs a listed reason")
            if self.reason_code == "other" and not self.reason_text.strip():
                raise UsageError(
                    "原因为“其他”时须写明具体原因", "'other' needs the reason in words"
                )
        if self.allocation not in (None, *ALLOCATIONS):
            raise UsageError("分配生结论应为同意或不同意", "allocation is granted or denied")
        if len(self.reason_text) > 180:
            raise UsageError("原因说明不超过 180 字", "the reason is at most 180 characters")


def decide(
    engine: Engine,
    login: str,
    station: str,
    registration_no: str,
    version: int,
    stamp: str | None,
    decision: Decision,
) -> None:
    """Record one decision on exactly the version (and state) the clerk saw; Changed if the
    record moved on meanwhile."""
    decision.check()
    with engine.begin() as conn:
        _decide_in(conn, login, station, registration_no, version, stamp, decision)


def _decide_in(
    conn: Connection,
    login: str,
    station: str,
    registration_no: str,
    version: int,
    stamp: str | None,
    decision: Decision,
) -> None:
    c, i = db.candidates, db.review_index
    row = conn.execute(
        select(c.c.state, c.c.version, c.c.updated_at, c.c.allocation, i.c.allocation_applied)
        .join(i, and_(i.c.station == c.c.station, i.c.registration_no == c.c.registration_no))
        .where(c.c.station == station, c.c.registration_no == registration_no)
    ).first()
    if row is None:
        raise UsageError(f"没有考生 {registration_no}", f"no candidate {registration_no}")
    if not row.allocation_applied:
        allocation = None
    elif decision.set_allocation:
        allocation = decision.allocation
    else:
        allocation = row.allocation
    where = [c.c.station == station, c.c.registration_no == registration_no, c.c.version == version]
    if stamp:
        try:
            seen = dt.datetime.fromisoformat(stamp)
        except ValueError:
            raise Changed(None) from None
        where.append(c.c.updated_at == seen)
    now = _now()
    done = conn.execute(
        update(c)
        .where(*where)
        .values(
            state=decision.decision, reason=decision.reason(), allocation=allocation, updated_at=now
        )
    )
    if done.rowcount != 1:
        last = conn.scalar(
            select(db.review_log.c.login)
            .where(
                db.review_log.c.station == station,
                db.review_log.c.registration_no == registration_no,
            )
            .order_by(db.review_log.c.id.desc())
            .limit(1)
        )
        raise Changed(last)
    conn.execute(
        insert(db.review_log).values(
            at=now,
            login=login,
            station=station,
            registration_no=registration_no,
            version=version,
            decision=decision.decision,
            reason=decision.reason(),
            allocation=allocation,
            previous=row.state,
        )
    )


def decide_many(
    engine: Engine, login: str, keys: list[tuple[str, str, int, str]], decision: Decision
) -> tuple[int, list[str]]:
    """The same decision on each (station, 报名号, version, stamp) selected, as the list
    showed it; a record that changed since (another clerk, a new version) is left as it is
    and named. Returns (decided, the 报名号 left)."""
    decision.check()
    left: list[str] = []
    done = 0
    with engine.begin() as conn:
        for station, number, version, stamp in keys:
            try:
                with conn.begin_nested():
                    _decide_in(conn, login, station, number, version, stamp, decision)
                done += 1
            except (Changed, UsageError):
                left.append(number)
    return done, left


# --- decisions in Excel -------------------------------------------------------------------------

SHEET_COLUMNS = (
    "报名点",
    "报名号",
    "版本",
    *(label_zh(n) for n in ("name", "id_number", "school_name", "category")),
    "申请分配生",
    "审核结论",
    "原因",
    "原因说明",
    "分配生结论",
    "记录时间戳",  # when the record last changed: a decision on an older view is refused
)
_DECISION_WORDS = {"通过": "approved", "不通过": "rejected", "": ""}
_ALLOCATION_WORDS = {"同意": "granted", "不同意": "denied", "": None}


def decisions_workbook(engine: Engine, f: Filters) -> bytes:
    """Every candidate the filters select, with the decision so far, for deciding in Excel."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "审核"
    ws.append(list(SHEET_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    page, per = 1, 5000
    reason_words = {v: k for k, v in REASONS.items()}
    while True:
        part = review_list(engine, Filters(**{**f.__dict__, "page": page}), per_page=per)
        for r in part.rows:
            label, _, text = r.reason.partition("：")
            listed = label if label in reason_words else ""
            ws.append(
                xlsx.row(
                    ws,
                    [
                        r.station,
                        r.registration_no,
                        r.version,
                        r.name,
                        r.id_number,
                        r.school_name,
                        r.category_zh,
                        "是" if r.allocation_applied else "否",
                        {"approved": "通过", "rejected": "不通过"}.get(r.state, ""),
                        listed,
                        text if listed else r.reason,
                        ALLOCATIONS.get(r.allocation or "", ""),
                        r.stamp,
                    ],
                )
            )
        if page >= part.pages:
            break
        page += 1
    for cell in ws["E"][1:]:
        cell.number_format = "@"
    choices = DataValidation(type="list", formula1='"通过,不通过"', allow_blank=True)
    reasons = DataValidation(
        type="list", formula1='"' + ",".join(REASONS.values()) + '"', allow_blank=True
    )
    allocation = DataValidation(type="list", formula1='"同意,不同意"', allow_blank=True)
    for validation, column in ((choices, "I"), (reasons, "J"), (allocation, "L")):
        ws.add_data_validation(validation)
        validation.add(f"{column}2:{column}{max(2, ws.max_row)}")
    for column, width in zip(
        "ABCDEFGHIJKLM", (11, 16, 6, 10, 21, 24, 9, 9, 9, 24, 30, 10, 26), strict=True
    ):
        ws.column_dimensions[column].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@dataclass
class Imported:
    applied: int
    unchanged: int
    errors: list[tuple[int, str]]  # (row in the sheet, what is wrong)


def import_decisions(engine: Engine, login: str, data: bytes) -> Imported:
    """Decisions filled in the sheet from :func:`decisions_workbook`. Every row is checked
    first; the rows without a problem are applied together, each to the version the sheet
    names; a row with a problem is named with its reason and applies nothing."""
    import io
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        raise UsageError("文件不是 Excel 工作簿（.xlsx）", "not an .xlsx workbook") from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(v or "").strip() for v in next(rows, ())]
    missing = [c for c in ("报名点", "报名号", "版本", "审核结论") if c not in header]
    if missing:
        raise UsageError(
            f"表头缺少：{'、'.join(missing)}（请使用本系统导出的审核表）",
            f"missing columns: {', '.join(missing)}",
        )
    at = {name: header.index(name) for name in header if name}
    reason_codes = {v: k for k, v in REASONS.items()}
    errors: list[tuple[int, str]] = []
    todo: list[tuple[int, str, str, int, str, Decision]] = []
    for number, values in enumerate(rows, start=2):
        cell = lambda name, values=values: (  # noqa: E731
            ""
            if name not in at or at[name] >= len(values) or values[at[name]] is None
            else str(values[at[name]]).strip()
        )
        word = cell("审核结论")
        if not word or not any(values):
            continue  # not decided in the sheet: nothing to do
        if word not in _DECISION_WORDS:
            errors.append((number, f"审核结论“{word}”应为“通过”或“不通过”"))
            continue
        allocation_word = cell("分配生结论")
        if allocation_word not in _ALLOCATION_WORDS:
            errors.append((number, f"分配生结论“{allocation_word}”应为“同意”或“不同意”"))
            continue
        reason = cell("原因")
        if reason and reason not in reason_codes:
            errors.append((number, f"原因“{reason}”不在列表中"))
            continue
        try:
            version = int(float(cell("版本")))
        except (ValueError, OverflowError):
            errors.append((number, "版本应为数字"))
            continue
        decision = Decision(
            _DECISION_WORDS[word],
            reason_codes.get(reason, ""),
            cell("原因说明"),
            _ALLOCATION_WORDS[allocation_word],
            set_allocation=bool(allocation_word),
        )
        try:
            decision.check()
        except UsageError as exc:
            errors.append((number, exc.message_zh))
            continue
        todo.append((number, cell("报名点"), cell("报名号"), version, cell("记录时间戳"), decision))
    applied = unchanged = 0
    c = db.candidates
    with engine.begin() as conn:
        for number, station, regno, version, stamp, decision in todo:
            current = conn.execute(
                select(c.c.state, c.c.reason, c.c.allocation, c.c.version).where(
                    c.c.station == station, c.c.registration_no == regno
                )
            ).first()
            if current is None:
                errors.append((number, f"没有报名点 {station} 的考生 {regno}"))
                continue
            if current.version != version:
                errors.append((number, f"该考生已有第 {current.version} 版，请重新导出审核表"))
                continue
            same_allocation = (
                not decision.set_allocation or current.allocation == decision.allocation
            )
            if (current.state, current.reason) == (
                decision.decision,
                decision.reason(),
            ) and same_allocation:
                unchanged += 1
                continue
            try:
                with conn.begin_nested():
                    _decide_in(conn, login, station, regno, version, stamp or None, decision)
                applied += 1
            except Changed as changed:
                by = f"（{changed.by}）" if changed.by else ""
                errors.append((number, f"导出后此记录已被他人{by}改动，请重新导出审核表"))
            except UsageError as exc:
                errors.append((number, exc.message_zh))
    return Imported(applied, unchanged, sorted(errors))
