"""The station's side of the exchange (报名点端): keys, batch export, receipts, review results.

Records leave the station only inside signed, encrypted batch files and are never deleted
here: ``signed → exported`` when a batch is written, ``exported → acknowledged`` only when a
receipt signed by the installed county key names the batch, and ``acknowledged → approved |
rejected`` only from a signed review file. Those three are the only places that pass
``county_verified=True`` to the lifecycle.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station import audit, backup, integrity, records
from station import signing as signing_mod
from station.audit import canonical_json
from station.auth import Context
from station.errors import StationError, UsageError
from station.fileio import atomic_write_bytes, check_output
from station.lifecycle import Action, State
from station.models import (
    AuditEvent,
    Batch,
    Candidate,
    CandidateVersion,
    Photo,
    Station,
    StationState,
    utcnow,
)
from station.roles import Permission
from sync import batch_format as bf
from sync.errors import HASH_MISMATCH, MALFORMED, REPLAYED, WRONG_COUNTY, BatchRefused
from sync.keys import (
    CountyPublicKey,
    StationPublicKey,
    read_county_public,
    station_public_from_private,
    verify_document,
)

DEFAULT_MAX_RECORDS = 500
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
_LINE_OVERHEAD = 400  # JSON keys and framing around each record line, for the size bound
RECEIPT = "zk-receipt"
#: The file name of the marker batch that `station resync` records for the county's last
#: accepted batch (sync/resync.py); the next batch declares the resync in its manifest.
MARKER = "(county state)"
REVIEW = "zk-review"


# --- keys -----------------------------------------------------------------------------------


def station_row(s: Session) -> Station:
    station = s.get(Station, 1)
    if station is None:  # init always makes it; a missing row is a damaged store
        raise UsageError("报名点信息缺失", "the station row is missing")
    return station


def station_public_key(ctx: Context) -> StationPublicKey:
    with ctx.store.read() as s:
        st = station_row(s)
        return station_public_from_private(st.code, st.county_code, st.name, st.signing_key)


def export_station_key(ctx: Context, out: Path) -> StationPublicKey:
    """Write the station's public key file for registration at the county (公钥导出)."""
    key = station_public_key(ctx)
    atomic_write_bytes(check_output(out), key.to_json().encode("utf-8"))
    return key


def install_county_key(ctx: Context, path: Path) -> CountyPublicKey:
    """Install the county's public key (县区公钥); admin only. Returns it for its fingerprint."""
    ctx.require(Permission.MANAGE_KEYS)
    key = read_county_public(path)
    with ctx.store.session() as s:
        st = station_row(s)
        if key.county != st.county_code:
            raise BatchRefused(
                WRONG_COUNTY,
                f"the key is county {key.county}'s, this station is in {st.county_code}",
            )
        replaced = st.county_public_key is not None and st.county_public_key != key.raw
        st.county_public_key = key.raw
        audit.append(
            s,
            ctx.operator.login,
            "county_key_install",
            detail={"fingerprint": key.fingerprint, "replaced": replaced},
        )
    return key


def installed_county_key(ctx: Context) -> CountyPublicKey:
    """The county key this station installed (UsageError if none yet)."""
    with ctx.store.read() as s:
        return county_key(s)


def county_key(s: Session) -> CountyPublicKey:
    st = station_row(s)
    if not st.county_public_key:
        raise UsageError(
            "尚未安装县区公钥，请先运行 station key county FILE",
            "no county key installed; run `station key county FILE` first",
        )
    return CountyPublicKey.from_raw(st.county_code, st.county_public_key)


# --- export ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Draft:
    lines: list[dict[str, Any]] = field(default_factory=list)
    passwords: list[dict[str, Any]] = field(default_factory=list)
    photos: dict[str, bytes] = field(default_factory=dict)
    # Rows: id, registration_no, version, state and the password fields.
    candidates: list[Any] = field(default_factory=list)
    size: int = 0


def export_batches(
    ctx: Context,
    out_dir: Path,
    *,
    max_records: int = DEFAULT_MAX_RECORDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Write every signed record into the next batch file(s).

    Each batch is sealed first: signed, and recorded in the store with its exact bytes in the
    same transaction that marks its records exported. Only then is the file written (under a
    temporary name, renamed when complete) and read back. A run stopped in between leaves a
    sealed batch that the next run writes byte for byte before anything new, so one sequence
    number never names two different batches. A record is at most ``max_records`` version
    lines and about ``max_bytes`` per file (one oversized record still goes, alone). Returns
    the paths written; empty when nothing to do. Refused on a store whose last integrity
    check failed; after an unclean stop the photos are checked first (``progress`` then
    counts photos checked, before it counts records).
    """
    ctx.require(Permission.EXPORT)
    if max_records < 1 or max_bytes < 1:
        raise UsageError("批次上限必须为正", "batch limits must be positive")
    if not out_dir.is_dir():
        raise UsageError(f"目录 {out_dir} 不存在", f"no directory {out_dir}")
    with ctx.store.read() as s:
        code = station_row(s).code
        total = s.scalar(select(func.count()).where(Candidate.state == State.SIGNED.value)) or 0
        unwritten = list(
            s.scalars(
                select(Batch.sequence).where(Batch.written_at.is_(None)).order_by(Batch.sequence)
            )
        )
    for leftover in out_dir.glob(f".{code}-*.zkb.*tmp"):
        leftover.unlink(missing_ok=True)  # a half file from a run that was stopped
    if total or unwritten:
        # Never from a store whose last check found damage; after an unclean stop the
        # photos are checked to the end first (station/integrity.py).
        integrity.before_export(ctx, progress)
        # A backup before every export: the state the batches are made from is kept.
        backup.auto_backup(ctx, "export")
    written = [write_batch(ctx, sequence, out_dir) for sequence in unwritten]
    done = 0
    while True:
        with ctx.store.session() as s:
            sealed = _seal_one(s, ctx, max_records, max_bytes, now)
        if sealed is None:
            return written
        sequence, count = sealed
        written.append(write_batch(ctx, sequence, out_dir))
        done += count
        if progress:
            progress(done, total)


def _county_reader_accepts(
    data: bytes, entries: list[bf.Entry], rows: tuple[list[Any], ...]
) -> None:
    """Never sign what the county's own reader would refuse: the file's framing and manifest,
    and every JSON-lines entry read back line for line. Raised before anything is stored, so
    no sequence number is spent and no record is marked exported."""
    try:
        bf.parse(data)
        for entry, expected in zip(entries, rows, strict=True):
            if len(bf.json_lines(entry.data)) != len(expected):
                raise BatchRefused(MALFORMED, f"{entry.name} reads back as other lines")
    except BatchRefused as exc:
        raise StationError(
            f"批次未导出：县区的读取程序会拒绝它（{exc.code}: {exc.detail}），请把此信息交技术支持",
            f"batch not exported: the county's reader would refuse it ({exc.code}: {exc.detail})",
        ) from exc


def write_batch(ctx: Context, sequence: int, out_dir: Path) -> Path:
    """Write a sealed batch's file from its stored bytes and read it back.

    What export does after sealing, and what ``station batch resend`` does for a file that
    was lost on the way to the county. Nothing in the store changes but ``written_at``.
    """
    ctx.require(Permission.EXPORT)
    with ctx.store.read() as s:
        batch = s.get(Batch, sequence)
        if batch is None:
            raise UsageError(f"没有第 {sequence} 号批次", f"there is no batch #{sequence}")
        if batch.data is None:
            raise UsageError(
                f"第 {sequence} 号批次已有县区回执，无需重发",
                f"batch #{sequence} was acknowledged by the county: nothing to resend",
            )
        data, name = batch.data, batch.file_name
        publics = signing_mod.signing_publics(s)
    path = out_dir / name
    atomic_write_bytes(path, data)
    try:
        _read_back(path, data, publics)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    with ctx.store.session() as s:
        stored = s.get(Batch, sequence)
        assert stored is not None
        stored.written_at = utcnow()
    return path


def _acknowledged_items(s: Session) -> set[tuple[str, int]]:
    done: set[tuple[str, int]] = set()
    for items in s.scalars(select(Batch.items).where(Batch.state == "acknowledged")):
        done.update((regno, version) for regno, version in json.loads(items))
    return done


def _collect(s: Session, max_records: int, budget: int) -> _Draft:
    acked = _acknowledged_items(s)
    draft = _Draft()
    # Candidates, their versions and photos in three queries, not three per candidate. A
    # candidate brings at least one line, so max_records candidates always fill a batch.
    # Plain rows, not ORM objects: an export reads hundreds of records and changes them in
    # one statement (records.bulk_transition_in), so identity tracking would only cost time.
    signed = s.execute(
        select(
            Candidate.id,
            Candidate.registration_no,
            Candidate.version,
            Candidate.state,
            Candidate.password_hash,
            Candidate.password_question,
            Candidate.password_answer_hash,
        )
        .where(Candidate.state == State.SIGNED.value)
        .order_by(Candidate.id)
        .limit(max_records)
    ).all()
    by_candidate: dict[int, list[Any]] = {}
    for v in s.execute(
        select(
            CandidateVersion.candidate_id,
            CandidateVersion.version,
            CandidateVersion.digest,
            CandidateVersion.canonical,
            CandidateVersion.frozen_at,
            CandidateVersion.frozen_by,
            CandidateVersion.photo_id,
        )
        .where(CandidateVersion.candidate_id.in_([c.id for c in signed]))
        .order_by(CandidateVersion.candidate_id, CandidateVersion.version)
    ):
        by_candidate.setdefault(v.candidate_id, []).append(v)
    photo_ids = {v.photo_id for vs in by_candidate.values() for v in vs if v.photo_id}
    photo_by_id = {
        r.id: r
        for r in s.execute(
            select(Photo.id, Photo.sha256, Photo.jpeg).where(Photo.id.in_(photo_ids))
        )
    }
    for c in signed:
        lines, photos, size = [], {}, 0
        # Every frozen version the county has not acknowledged: it keeps the history too.
        for v in by_candidate.get(c.id, []):
            if (c.registration_no, v.version) in acked:
                continue
            photo = photo_by_id.get(v.photo_id) if v.photo_id else None
            photo_name = None
            if photo is not None:
                photo_name = f"photos/{photo.sha256}.jpg"
                if photo_name not in draft.photos:
                    photos[photo_name] = photo.jpeg
            lines.append(
                {
                    "registration_no": c.registration_no,
                    "version": v.version,
                    "digest": v.digest,
                    "canonical": v.canonical,
                    "frozen_at": v.frozen_at.isoformat(timespec="seconds"),
                    "frozen_by": v.frozen_by,
                    "photo": photo_name,
                    "current": v.version == c.version,
                }
            )
            size += len(v.canonical.encode("utf-8")) + _LINE_OVERHEAD
        size += sum(len(p) for p in photos.values())
        if draft.lines and (
            len(draft.lines) + len(lines) > max_records or draft.size + size > budget
        ):
            break
        draft.lines += lines
        draft.photos |= photos
        draft.size += size
        draft.candidates.append(c)
        if c.password_hash:
            line = {"registration_no": c.registration_no, "password_hash": c.password_hash}
            if c.password_answer_hash:  # the verification question travels with it
                line |= {"question": c.password_question, "answer_hash": c.password_answer_hash}
            draft.passwords.append(line)
        if len(draft.lines) >= max_records or draft.size >= budget:
            break
    return draft


def _audit_segment(
    s: Session, after_seq: int
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    stmt = (
        select(*(getattr(AuditEvent, c) for c in audit.EVENT_COLUMNS))
        .where(AuditEvent.seq > after_seq)
        .order_by(AuditEvent.seq)
    )
    rows = [dict(r._mapping) for r in s.execute(stmt)]
    if not rows:
        return rows, None
    return rows, {
        "first_seq": rows[0]["seq"],
        "last_seq": rows[-1]["seq"],
        "prev_hash": rows[0]["prev_hash"],
        "head_hash": rows[-1]["hash"],
    }


def _seal_one(
    s: Session,
    ctx: Context,
    max_records: int,
    max_bytes: int,
    now: dt.datetime | None,
) -> tuple[int, int] | None:
    """Sign the next batch and record it, bytes and all, with its records marked exported.
    Returns (sequence, candidates) or None when no signed record waits."""
    st = station_row(s)
    recipient = county_key(s)
    last = s.scalar(select(Batch).order_by(Batch.sequence.desc()).limit(1))
    audit_rows, audit_info = _audit_segment(s, last.audit_last_seq if last else 0)
    audit_bytes = bf.to_json_lines(audit_rows)
    draft = _collect(s, max_records, max(max_bytes - len(audit_bytes), 1))
    if not draft.candidates:
        return None
    sequence = (last.sequence + 1) if last else 1
    entries = [
        bf.Entry("records.jsonl", bf.to_json_lines(draft.lines)),
        bf.Entry("passwords.jsonl", bf.to_json_lines(draft.passwords)),
        bf.Entry("audit.jsonl", audit_bytes),
        # photos/<sha256>.jpg: the store computed that hash from these very bytes when the photo
        # was saved, and SQLCipher's page HMACs keep them unchanged since; the county checks it
        # again after decrypting. Hashing 40 KB per photo once more would only cost time.
        *(
            bf.Entry(name, data, known_sha256=name.removeprefix("photos/").removesuffix(".jpg"))
            for name, data in sorted(draft.photos.items())
        ),
    ]
    signing = Ed25519PrivateKey.from_private_bytes(st.signing_key)
    created = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    manifest = bf.build_manifest(
        station=st.code,
        station_key=station_public_from_private(
            st.code, st.county_code, st.name, st.signing_key
        ).ed25519,
        county=st.county_code,
        recipient=recipient.raw,
        sequence=sequence,
        previous_hash=last.hash if last else bf.GENESIS,
        created_at=created.isoformat(timespec="seconds").replace("+00:00", "Z"),
        record_count=len(draft.lines),
        audit=audit_info,
        entries=entries,
        resync={"county_sequence": last.sequence, "audit_fork_seq": last.audit_last_seq}
        if last is not None and last.file_name == MARKER
        else None,
        training=st.is_demo,
        key_handover=_handover_entry(s, sequence),
    )
    data = bf.seal_batch(manifest, entries, signing_key=signing, recipient_x25519=recipient.x25519)
    _county_reader_accepts(data, entries[:3], (draft.lines, draft.passwords, audit_rows))
    file_hash = bf.sha256_hex(data)
    s.add(
        Batch(
            sequence=sequence,
            hash=file_hash,
            file_name=bf.batch_file_name(st.code, sequence),
            state="exported",
            record_count=len(draft.lines),
            audit_last_seq=audit_info["last_seq"]
            if audit_info
            else (last.audit_last_seq if last else 0),
            items=canonical_json([[ln["registration_no"], ln["version"]] for ln in draft.lines]),
            created_at=utcnow(),
            data=data,
            written_at=None,
        )
    )
    # One UPDATE and one batch of audit events for the whole batch (records.bulk_transition_in
    # applies the same lifecycle check to every record).
    records.bulk_transition_in(
        s, ctx, draft.candidates, Action.EXPORT, {"batch": sequence, "batch_hash": file_hash}
    )
    s.flush()
    return sequence, len(draft.candidates)


def _handover_entry(s: Session, sequence: int) -> dict[str, str] | None:
    """The manifest's ``key_handover`` while one is pending (station/signing.py)."""
    handover = signing_mod.pending_handover(s)
    if handover is None:
        return None
    signing_mod.carried_from(s, sequence)
    return {
        "old_key": handover.old_public.hex(),
        "new_key": handover.new_public.hex(),
        "signature": handover.signature.hex(),
    }


def _read_back(path: Path, expected: bytes, publics: list[bytes]) -> None:
    """``publics``: this station's signing key, and the one it handed over from (a batch
    signed before the hand-over may be resent)."""
    # A USB stick that lies about its writes is caught here, not at the county a week later.
    data = path.read_bytes()
    if data != expected:
        raise UsageError(f"写入 {path} 后读回的内容不一致", f"{path} reads back differently")
    parsed = bf.parse(data)
    signer = next((k for k in publics if bf.sha256_hex(k) == parsed.manifest["signer"]), publics[0])
    bf.verify_signature(parsed, signer)


def list_batches(ctx: Context) -> list[dict[str, Any]]:
    with ctx.store.read() as s:
        return [
            {
                "sequence": b.sequence,
                "file_name": b.file_name,
                "state": b.state,
                "records": b.record_count,
                "hash": b.hash,
                "created_at": b.created_at.isoformat(timespec="seconds"),
                "acknowledged_at": b.acknowledged_at.isoformat(timespec="seconds")
                if b.acknowledged_at
                else None,
                "written": b.written_at is not None,
            }
            for b in s.scalars(select(Batch).order_by(Batch.sequence))
        ]


def receipts_lying_in(batches: list[dict[str, Any]], folders: Sequence[Path]) -> list[Path]:
    """The county's receipts for ``batches`` (from :func:`list_batches`) still without one,
    lying in ``folders`` (the USB drives) or a folder below (the county's ``receipts/``
    copied whole), found by the name the county gives each: ``<batch file>.receipt.json``.
    A drive pulled out meanwhile is passed over."""
    wanted = {
        bf.receipt_file_name(Path(b["file_name"]).name)
        for b in batches
        if b["state"] != "acknowledged" and b["file_name"]
    }
    found: dict[str, Path] = {}
    for folder in folders:
        try:
            places = [folder, *sorted(p for p in folder.iterdir() if p.is_dir())[:100]]
            for place in places:
                for name in sorted(wanted - found.keys()):
                    if (place / name).is_file():
                        found[name] = place / name
        except OSError:
            continue
    return [found[name] for name in sorted(found)]


def waiting_sequences(ctx: Context) -> list[int]:
    """The sequence numbers of the sealed batches without a receipt, without their bytes."""
    ctx.require(Permission.EXPORT)
    with ctx.store.read() as s:
        return list(
            s.scalars(
                select(Batch.sequence).where(Batch.data.is_not(None)).order_by(Batch.sequence)
            )
        )


def batch_bytes(ctx: Context, sequence: int) -> bytes | None:
    """A sealed batch's bytes; None once a receipt for it was applied (by USB, meanwhile)."""
    ctx.require(Permission.EXPORT)
    with ctx.store.read() as s:
        return s.scalar(select(Batch.data).where(Batch.sequence == sequence))


def request_signer(ctx: Context) -> tuple[str, Ed25519PrivateKey]:
    """The station code and its signing key, which signs upload requests as it signs batches."""
    ctx.require(Permission.EXPORT)
    with ctx.store.read() as s:
        st = station_row(s)
        return st.code, Ed25519PrivateKey.from_private_bytes(st.signing_key)


# --- receipts and review results ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AckResult:
    sequence: int
    acknowledged: int
    already: bool


def read_document(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"无法读取 {path}：{exc}", f"cannot read {path}: {exc}") from None


def check_addressed(doc: dict[str, Any], st: Station) -> None:
    if doc.get("county") != st.county_code or doc.get("station") != st.code:
        raise BatchRefused(WRONG_COUNTY, "the document is addressed to another station or county")


def county_document(s: Session, data: bytes, doc_type: str) -> dict[str, Any]:
    """A document of ``doc_type`` signed by the installed county key and addressed to this
    station (receipts, review results, station state), or BatchRefused."""
    doc = verify_document(county_key(s).ed25519, data, doc_type)
    check_addressed(doc, station_row(s))
    return doc


def ack_receipt(ctx: Context, receipt_path: Path) -> AckResult:
    """Verify the county's signed receipt (回执) and mark that batch's records acknowledged."""
    try:
        return ack_receipt_data(ctx, read_document(receipt_path))
    except BatchRefused as exc:
        if exc.code != MALFORMED:
            raise
        # Most often the batch itself, or another file of the USB drive, taken for it.
        raise BatchRefused(
            MALFORMED,
            f"{exc.detail}: not a county receipt (the county's receipts are the"
            " *.receipt.json files it gives back, one per batch)",
            "这不是县区回执（回执是县区按批次返回的 *.receipt.json 文件）",
        ) from None


@dataclass(frozen=True, slots=True)
class ReceiptTaken:
    """One receipt file of several taken at once: its result, or why it was refused (or,
    ``stopped``, why none after it was tried)."""

    path: Path
    result: AckResult | None
    refused: StationError | None
    stopped: bool = False


def ack_receipt_files(ctx: Context, paths: Sequence[Path]) -> list[ReceiptTaken]:
    """:func:`ack_receipt` for each of ``paths`` (a USB drive's receipts folder, picked
    whole), each in its own unit: a file refused, or unreadable, is said and the others go
    on; a refusal of the station itself (no right, a full disk) ends the list there, after
    what was already taken (so that it is said too)."""
    taken = []
    for path in paths:
        try:
            taken.append(ReceiptTaken(path, ack_receipt(ctx, path), None))
        except (BatchRefused, UsageError) as exc:
            taken.append(ReceiptTaken(path, None, exc))
        except StationError as exc:
            taken.append(ReceiptTaken(path, None, exc, stopped=True))
            break
    return taken


def ack_receipt_data(ctx: Context, data: bytes) -> AckResult:
    """:func:`ack_receipt` for a receipt's bytes (from a file, or the intake's answer)."""
    ctx.require(Permission.EXPORT)
    with ctx.store.session() as s:
        doc = county_document(s, data, RECEIPT)
        batch = s.get(Batch, doc.get("sequence"))
        if batch is None or batch.hash != doc.get("batch_hash"):
            raise BatchRefused(
                HASH_MISMATCH, "the receipt names a batch this station did not write"
            )
        if batch.state == "acknowledged":
            return AckResult(batch.sequence, 0, True)
        received = {(r[0], r[1]) for r in doc.get("records", [])}
        count = 0
        for regno, version in json.loads(batch.items):
            c = records.find_by_registration_no(s, regno)
            # Only the version that went out, and only if the county lists it as received.
            if (
                c is None
                or (regno, version) not in received
                or c.version != version
                or c.state != State.EXPORTED
            ):
                continue
            records.transition_in(
                s,
                ctx,
                c,
                Action.ACKNOWLEDGE,
                facts=records.facts_of(s, ctx, c, county_verified=True),
                detail={"batch": batch.sequence},
            )
            count += 1
        batch.state = "acknowledged"
        batch.acknowledged_at = utcnow()
        signing_mod.acknowledged(s, batch.sequence)  # the county holds the new key now
        batch.data = None  # the county holds it now; nothing is left to resend
        return AckResult(batch.sequence, count, False)


@dataclass(frozen=True, slots=True)
class ReviewResult:
    approved: int
    rejected: int
    skipped: list[str]  # 报名号 whose result did not apply (other version, wrong state)


def import_review(ctx: Context, path: Path) -> ReviewResult:
    """Apply the county's signed review results (资格审核结果): approved, or rejected + reason."""
    ctx.require(Permission.EXPORT)
    data = read_document(path)
    approved = rejected = 0
    skipped: list[str] = []
    with ctx.store.session() as s:
        doc = county_document(s, data, REVIEW)
        _check_review_order(s, doc)
        for r in doc.get("results", []):
            regno = str(r.get("registration_no", ""))
            c = records.find_by_registration_no(s, regno)
            frozen = s.scalar(
                select(CandidateVersion.digest).where(
                    CandidateVersion.candidate_id == (c.id if c else -1),
                    CandidateVersion.version == r.get("version"),
                )
            )
            # A result is about one printed version: a record corrected since keeps its state.
            if (
                c is None
                or c.version != r.get("version")
                or frozen != r.get("digest")
                or c.state != State.ACKNOWLEDGED
            ):
                skipped.append(regno)
                continue
            decision = r.get("decision")
            detail = {"allocation": r.get("allocation"), "review_issued_at": doc.get("issued_at")}
            facts = records.facts_of(s, ctx, c, county_verified=True)
            if decision == "approved":
                records.transition_in(s, ctx, c, Action.APPROVE, facts=facts, detail=detail)
                approved += 1
            elif decision == "rejected":
                reason = str(r.get("reason") or "").strip() or "县区审核未通过"
                records.transition_in(
                    s, ctx, c, Action.REJECT, reason=reason[:200], facts=facts, detail=detail
                )
                rejected += 1
            else:
                skipped.append(regno)
    return ReviewResult(approved, rejected, skipped)


REVIEW_SEQUENCE = "last_review_sequence"


def _check_review_order(s: Session, doc: dict[str, Any]) -> None:
    """Review files apply in the county's order: an older one than the last applied is
    refused, so that an old decision never undoes a newer one."""
    sequence = doc.get("sequence", 0)
    if type(sequence) is not int or sequence < 0:
        raise BatchRefused(MALFORMED, "the review file's sequence is not a number")
    kept = s.get(StationState, REVIEW_SEQUENCE)
    last = int(kept.value) if kept is not None and kept.value else 0
    if sequence < last:  # the same file again applies nothing and is no error
        raise BatchRefused(
            REPLAYED,
            f"review file #{sequence} is older than #{last}, applied already: "
            "ask the county for its latest review file",
        )
    s.merge(StationState(name=REVIEW_SEQUENCE, value=str(sequence)))


def export_estimate(ctx: Context) -> tuple[int, int]:
    """``(records, bytes)`` the next export would write, roughly, for the free-space check
    that happens before anything is written (photos dominate; lines and audit add a little)."""
    with ctx.store.read() as s:
        signed = select(Candidate.id).where(Candidate.state == State.SIGNED.value).subquery()
        count = s.scalar(select(func.count()).select_from(signed)) or 0
        photo_bytes = (
            s.scalar(
                select(func.coalesce(func.sum(func.length(Photo.jpeg)), 0))
                .join(CandidateVersion, CandidateVersion.photo_id == Photo.id)
                .where(CandidateVersion.candidate_id.in_(select(signed.c.id)))
            )
            or 0
        )
    # Lines, passwords and the audit segment: a few KB a record; then room to spare.
    return count, int((photo_bytes + count * 8_192 + 1_048_576) * 1.1)
