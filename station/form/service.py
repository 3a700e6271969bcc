"""Printing and checking registration forms (考生报名登记表): the core the desk and CLI call.

* A ``ready`` record prints its current data. The CandidateVersion is frozen only at CONFIRM,
  from the same columns, so the digest on the paper is computed the same way now
  (``records.digest_of(records.canonical_record(...))``) and equals the frozen one.
* A ``confirmed`` or ``signed`` record reprints its frozen version, from the frozen JSON.
* Every PDF printed is kept in ``printed_forms`` (inside the encrypted database) with its
  print number; a reprint says 第 N 次打印 on the paper. Every print is an audit event.
* ``verify_qr`` tells whether a paper form's QR text is the current version of a record,
  an older (void) one, or nothing at this station.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station import audit, records, regno
from station.auth import Context
from station.errors import StationError, TransitionRefused
from station.lifecycle import State
from station.models import Candidate, CandidateVersion, Photo, Station
from station.models import PrintedForm as PrintedFormRow
from station.roles import Permission

from . import layout, qr
from .content import FormData, printed_texts
from .fonts import FontChain, default_chain

REPRINTABLE = (State.CONFIRMED, State.SIGNED)


@dataclass(frozen=True, slots=True)
class PrintedForm:
    """One printed form: the PDF bytes and what is on it."""

    candidate_id: int
    registration_no: str
    version: int
    print_no: int
    digest: str
    pdf: bytes
    printed_at: dt.datetime  # UTC, naive, as stored

    @property
    def qr_text(self) -> str:
        return qr.qr_text(self.registration_no, self.version, self.digest)


@dataclass(frozen=True, slots=True)
class _Snapshot:
    registration_no: str
    version: int
    digest: str
    record: dict[str, Any]
    photo_id: int | None


def _snapshot(s: Session, c: Candidate) -> _Snapshot:
    state = State(c.state)
    if state is State.READY:
        photo = s.get(Photo, c.photo_id) if c.photo_id else None
        canonical = records.canonical_record(c, photo.sha256 if photo else None)
        digest = records.digest_of(canonical)
        return _Snapshot(c.registration_no, c.version, digest, canonical["record"], c.photo_id)
    if state in REPRINTABLE:
        frozen = s.scalar(
            select(CandidateVersion).where(
                CandidateVersion.candidate_id == c.id, CandidateVersion.version == c.version
            )
        )
        if frozen is None:  # a confirmed record always has one; say so rather than guess
            raise StationError(
                f"记录 {c.registration_no} 第 {c.version} 版没有存档内容，无法补打",
                f"record {c.registration_no} v{c.version} has no frozen version",
            )
        canonical = json.loads(frozen.canonical)
        return _Snapshot(
            canonical["registration_no"],
            frozen.version,
            frozen.digest,
            canonical["record"],
            frozen.photo_id,
        )
    if state is State.DRAFT:
        message = "记录尚未完成（采集中），不能打印登记表；请先补全信息和照片"
    else:
        message = f"记录为“{state.label_zh}”状态，不能打印登记表"
    raise TransitionRefused("wrong_state", message, f"cannot print the form of a {state} record")


def _next_print_no(s: Session, candidate_id: int, version: int) -> int:
    last = s.scalar(
        select(func.max(PrintedFormRow.print_no)).where(
            PrintedFormRow.candidate_id == candidate_id, PrintedFormRow.version == version
        )
    )
    return (last or 0) + 1


def _local(utc: dt.datetime) -> dt.datetime:
    return utc.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)


def _print(
    s: Session, ctx: Context, c: Candidate, chain: FontChain, *, keep: bool = True
) -> PrintedForm:
    """Render the form; ``keep``: store the print (and its audit and lifecycle fact) now."""
    snap = _snapshot(s, c)
    station = s.get(Station, 1)
    assert station is not None
    photo = s.get(Photo, snap.photo_id) if snap.photo_id else None
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    print_no = _next_print_no(s, c.id, snap.version)
    form = FormData(
        exam_year=regno.exam_year(_local(now).date()),
        station_name=station.name,
        station_code=station.code,
        registration_no=snap.registration_no,
        version=snap.version,
        digest=snap.digest,
        record=snap.record,
        photo_jpeg=photo.jpeg if photo else None,
        printed_by=f"{ctx.operator.display_name}（{ctx.operator.login}）",
        printed_at=_local(now),
        print_no=print_no,
    )
    # Refuse before anything is stored or drawn: a missing glyph would print as a blank box.
    chain.require(printed_texts(form))
    pdf = layout.render(form, chain)
    printed = PrintedForm(c.id, snap.registration_no, snap.version, print_no, snap.digest, pdf, now)
    if keep:
        _keep(s, ctx, c, printed)
    return printed


def _keep(s: Session, ctx: Context, c: Candidate, printed: PrintedForm) -> None:
    s.add(
        PrintedFormRow(
            candidate_id=c.id,
            version=printed.version,
            print_no=printed.print_no,
            digest=printed.digest,
            pdf=printed.pdf,
            printed_at=printed.printed_at,
            printed_by=ctx.operator.login,
        )
    )
    if c.state == State.READY:
        records.record_printed_in(s, ctx, c)  # a lifecycle fact: ready → confirmed needs it
    audit.append(
        s,
        ctx.operator.login,
        "form_print",
        candidate_id=c.id,
        version=printed.version,
        detail={"print_no": printed.print_no, "digest": printed.digest},
    )


def render_form(ctx: Context, candidate_id: int, *, chain: FontChain | None = None) -> PrintedForm:
    """The form of one record, rendered but not yet counted as printed: the desk stores it
    with :func:`printed` once the printer has taken it (a preview closed without printing
    prints nothing)."""
    ctx.require(Permission.COLLECT)
    with ctx.store.read() as s:
        return _print(s, ctx, records.get(s, candidate_id), chain or default_chain(), keep=False)


def printed(ctx: Context, form: PrintedForm) -> None:
    """A rendered form went to the printer: store it as printed (its number, its PDF for the
    paper check, the audit event, the lifecycle fact). Refused when the record changed since
    it was rendered: that paper shows a record the store no longer holds."""
    ctx.require(Permission.COLLECT)
    with ctx.store.session() as s:
        c = records.get(s, form.candidate_id)
        now = _snapshot(s, c)
        if (now.version, now.digest) != (form.version, form.digest):
            raise StationError(
                "打印期间记录已被修改：这张登记表已作废，请重新打印",
                "the record changed while the form was printing: print it again",
            )
        number = _next_print_no(s, c.id, form.version)
        if number != form.print_no:  # another print of this version came first
            form = dataclasses.replace(form, print_no=number)
        _keep(s, ctx, c, form)


def print_form(ctx: Context, candidate_id: int, *, chain: FontChain | None = None) -> PrintedForm:
    """Print (render and store) the form of one record; ``TransitionRefused`` for a record
    not ``ready``/``confirmed``/``signed``, ``MissingGlyph`` when a character cannot print."""
    ctx.require(Permission.COLLECT)
    with ctx.store.session() as s:
        return _print(s, ctx, records.get(s, candidate_id), chain or default_chain())


@dataclass(slots=True)
class BatchResult:
    """What :func:`print_many` did: forms printed, records refused (id, reason), cancelled."""

    printed: list[PrintedForm] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    cancelled: bool = False


def print_many(
    ctx: Context,
    ids: Sequence[int],
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    *,
    chain: FontChain | None = None,
) -> BatchResult:
    """Print many forms, one PDF per candidate (each stored and audited on its own, as a
    single print is: one refused record does not stop the others, and a cancel keeps what
    was printed). The caller joins or sends the PDFs to the printer."""
    ctx.require(Permission.COLLECT)
    chain = chain or default_chain()
    result = BatchResult()
    for done, candidate_id in enumerate(ids, start=1):
        if cancel is not None and cancel():
            result.cancelled = True
            break
        try:
            with ctx.store.session() as s:
                result.printed.append(_print(s, ctx, records.get(s, candidate_id), chain))
        except StationError as exc:
            result.refused.append((candidate_id, exc.message_zh))
        if progress is not None:
            progress(done, len(ids))
    return result


class Match(StrEnum):
    CURRENT = "current"  # 当前有效版本
    OLDER = "older"  # 已作废的旧版本
    UNKNOWN = "unknown"  # 本报名点没有这份登记表


@dataclass(frozen=True, slots=True)
class FormCheck:
    """The verdict on a paper form's QR text (``verify_qr``)."""

    match: Match
    registration_no: str
    version: int  # the version on the paper
    current_version: int | None  # the record's version now (None: no such record)
    message_zh: str
    message_en: str

    @property
    def ok(self) -> bool:
        return self.match is Match.CURRENT


def _current_digest(s: Session, c: Candidate) -> str | None:
    try:
        return _snapshot(s, c).digest
    except StationError:
        # A draft (or a state past signing) has no printable content of its own; the
        # latest frozen version, if any, is what its paper carries.
        frozen = s.scalar(
            select(CandidateVersion.digest).where(
                CandidateVersion.candidate_id == c.id, CandidateVersion.version == c.version
            )
        )
        return frozen


def _known_digests(s: Session, c: Candidate, version: int) -> set[str]:
    frozen = s.scalars(
        select(CandidateVersion.digest).where(
            CandidateVersion.candidate_id == c.id, CandidateVersion.version == version
        )
    )
    printed = s.scalars(
        select(PrintedFormRow.digest).where(
            PrintedFormRow.candidate_id == c.id, PrintedFormRow.version == version
        )
    )
    return set(frozen) | set(printed)


def verify_qr(ctx: Context, text: str) -> FormCheck:
    """Check a scanned QR text against this station's records (``UsageError`` if malformed)."""
    payload = qr.parse(text)
    number, version = payload.registration_no, payload.version
    with ctx.store.read() as s:
        c = records.find_by_registration_no(s, number)
        if c is None:
            return FormCheck(
                Match.UNKNOWN,
                number,
                version,
                None,
                f"本报名点没有报名号为 {number} 的考生，此表不是本报名点打印的",
                f"no candidate {number} at this station",
            )
        if version == c.version and payload.digest == _current_digest(s, c):
            return FormCheck(
                Match.CURRENT,
                number,
                version,
                c.version,
                f"与记录一致：{c.name}，第 {version} 版，是当前有效的登记表",
                f"matches the current version {version} of {number}",
            )
        if payload.digest in _known_digests(s, c, version):
            return FormCheck(
                Match.OLDER,
                number,
                version,
                c.version,
                f"这是 {number} 的旧登记表（第 {version} 版，内容已更改），已作废；"
                f"当前为第 {c.version} 版",
                f"an older, void form of {number} (version {version}); current is {c.version}",
            )
        return FormCheck(
            Match.UNKNOWN,
            number,
            version,
            c.version,
            f"报名号 {number} 第 {version} 版的摘要与本报名点打印过的任何登记表都不符，"
            "此表可能被改动",
            f"the digest matches no form printed for {number} version {version} here",
        )
