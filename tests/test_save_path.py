"""The save and the searches on rows (issue 19): the same rules and the same results as the
objects of a session gave, one validation per save, nothing read back, and a warm-up after
the login that leaves no trace and leaves the first save nothing to load."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from station import audit, auth, queries, records, regno, seeding, validation, warmup
from station.errors import DuplicateCandidate, ValidationFailed
from station.lifecycle import State
from station.models import AuditEvent, Candidate, ChainHead, Counter, Photo, Station
from station.photo import duplicates
from station.photo.stored import PhotoInput, placeholder_jpeg
from station.records import saving, transitions

from .factories import record_for

ROOT = Path(__file__).resolve().parent.parent
PORTRAIT = ROOT / "tests" / "fixtures" / "photos" / "portrait_light_blue.jpg"


def camera(seed: int) -> PhotoInput:
    """A new person's photo, as the camera gives it: hashed and compared when stored."""
    return PhotoInput(seeding.camera_photo((19, seed, 0)), "camera", quality_ok=True)


def _events(ctx: auth.Context, candidate_id: int) -> list[tuple[str, int | None, dict]]:
    with ctx.store.read() as s:
        return [
            (e.action, e.version, json.loads(e.detail))
            for e in s.scalars(
                select(AuditEvent)
                .where(AuditEvent.candidate_id == candidate_id)
                .order_by(AuditEvent.seq)
            )
        ]


def _counted_validations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = validation.validate_candidate

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    for module in (saving, transitions):  # a save's own validation, and the guards'
        monkeypatch.setattr(module, "validate_candidate", counted)
    return calls


# --- one validation a save ----------------------------------------------------------------


def test_every_kind_of_save_validates_exactly_once(
    operator_ctx: auth.Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counted_validations(monkeypatch)
    saved = records.create(operator_ctx, record_for(1), camera(1))
    assert saved.state == State.READY and len(calls) == 1
    calls.clear()
    plain = records.create(operator_ctx, record_for(2))
    assert plain.state == State.DRAFT and len(calls) == 1
    calls.clear()
    records.set_photo(operator_ctx, plain.id, camera(2))  # an edit that adds the photo
    assert len(calls) == 1
    calls.clear()
    with operator_ctx.store.read() as s:
        values = records.record_values(records.get(s, saved.id))
    records.update(operator_ctx, saved.id, {**values, "phone": "13912345670"}, camera(3))
    assert len(calls) == 1
    calls.clear()
    with pytest.raises(ValidationFailed):
        records.create(operator_ctx, record_for(4, phone="123"), camera(4))
    assert len(calls) == 1


# --- the save on rows keeps every rule ------------------------------------------------------


def test_a_save_writes_rows_and_reads_nothing_back(operator_ctx: auth.Context) -> None:
    records.create(operator_ctx, record_for(1), camera(1))  # statements compiled, index loaded
    statements: list[str] = []

    def seen(_conn, _cursor, statement, _params, _context, _many) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(operator_ctx.store.engine, "before_cursor_execute", seen)
    try:
        saved = records.create(operator_ctx, record_for(2), camera(2))
    finally:
        event.remove(operator_ctx.store.engine, "before_cursor_execute", seen)
    assert saved.state == State.READY
    selects = [s for s in statements if s.startswith("SELECT")]
    # The uniqueness of the ID number, the audit head, the station and the 报名号 counter,
    # and the photo hashes stored since: never the candidate or the photo just written.
    assert len(selects) <= 5, selects
    assert not [s for s in selects if "jpeg" in s or "FROM candidates WHERE candidates.id =" in s]
    assert len(statements) <= 14, statements


def test_a_new_record_is_ready_with_its_events_in_order(operator_ctx: auth.Context) -> None:
    saved = records.create(operator_ctx, record_for(1, name="曾国藩"), camera(1))
    number = saved.registration_no
    assert _events(operator_ctx, saved.id) == [
        ("create", 1, {"registration_no": number, "source": "manual", "demo": False}),
        ("mark_ready", 1, {"from": "draft", "to": "ready"}),
    ]
    with operator_ctx.store.read() as s:
        c = records.get(s, saved.id)
        assert (c.state, c.version, c.registration_no) == ("ready", 1, number)
        assert c.name_initials == "cgf zgf" and c.photo is not None
        assert c.photo.phash == duplicates.photo_hash(c.photo.jpeg) and c.photo.flag == ""
        assert (c.photo.width, c.photo.height) == (480, 640)
        assert c.created_by == c.updated_by == "caiji" and c.updated_at >= c.created_at
        assert audit.verify(s).ok


def test_a_look_alike_photo_is_flagged_and_the_record_stays_draft(
    operator_ctx: auth.Context,
) -> None:
    first = records.create(operator_ctx, record_for(1), camera(7))
    again = records.create(operator_ctx, record_for(2), camera(7))  # the same photo reused
    assert (first.state, again.state) == (State.READY, State.DRAFT)
    events = _events(operator_ctx, again.id)
    # Made first, then flagged: the candidate is written in its final state, a draft.
    assert [e[0] for e in events] == ["create", "photo_flagged"]
    assert events[1][2] == {"similar_to": [first.registration_no], "distance": 0}
    with operator_ctx.store.read() as s:
        photo = records.get(s, again.id).photo
        assert photo is not None and first.registration_no in photo.flag
        assert not records.photo_passes(photo)
        facts = records.facts_of(s, operator_ctx, records.get(s, again.id))
        assert facts.record_valid and not facts.photo_ok


def test_a_bulk_unit_rolled_back_leaves_no_photo_in_the_look_alike_index(
    operator_ctx: auth.Context,
) -> None:
    """A bulk unit's second record takes its first one's photo (not committed) into the index;
    the unit rolls back and the ids are given again: the index had kept the lost photo and
    skipped the reused id, so a later look-alike went unflagged."""
    ctx = operator_ctx
    with pytest.raises(RuntimeError), ctx.store.session() as s:
        records.create_in(s, ctx, record_for(1), camera(1))
        records.create_in(s, ctx, record_for(2), camera(2))  # its look takes in photo 1
        raise RuntimeError("the chunk fails")
    first = records.create(ctx, record_for(3), camera(3))  # photo id 1 again
    again = records.create(ctx, record_for(4), camera(3))  # the same photo reused
    assert (first.state, again.state) == (State.READY, State.DRAFT)
    assert _events(ctx, again.id)[1][2]["similar_to"] == [first.registration_no]
    # and the lost photo is nobody's look-alike
    third = records.create(ctx, record_for(5), camera(1))
    assert third.state == State.READY
    # A unit that wrote no photo of its own forgets nothing when it fails (a refused save:
    # the index is not read again from the start, 0.5 s at 50,000).
    index = duplicates._index(ctx)
    records.create(ctx, record_for(6), camera(6))  # committed: the next look takes it in
    with pytest.raises(RuntimeError), ctx.store.session() as s:
        index.refresh(s)
        raise RuntimeError("refused")
    assert len(index.by_candidate) == 4


def test_a_refused_save_leaves_nothing_behind(operator_ctx: auth.Context) -> None:
    records.create(operator_ctx, record_for(1), camera(1))

    def counts() -> tuple[int, ...]:
        with operator_ctx.store.read() as s:
            tables = [
                s.scalar(select(func.count()).select_from(m)) or 0
                for m in (Candidate, Photo, AuditEvent)
            ]
            serial = s.get(Counter, regno.COUNTER)
            return (*tables, serial.value if serial else 0)

    before = counts()
    with pytest.raises(DuplicateCandidate):
        records.create(operator_ctx, record_for(1, name="李四"), camera(2))
    with pytest.raises(ValidationFailed):
        records.create(operator_ctx, record_for(3, name="张3"), camera(3))
    with pytest.raises(Exception, match="JPEG"):
        records.create(operator_ctx, record_for(4), PhotoInput(b"GIF89a..", "camera", True))
    assert counts() == before


def test_a_save_is_durable_across_a_new_login(station_dir: Path) -> None:
    from .factories import OPERATOR

    with auth.login(station_dir, *OPERATOR) as ctx:
        saved = records.create(ctx, record_for(1), camera(1))
    with auth.login(station_dir, *OPERATOR) as ctx, ctx.store.read() as s:
        c = records.get(s, saved.id)
        assert (c.registration_no, c.state) == (saved.registration_no, "ready")


# --- the searches on rows find what the objects of a session found --------------------------

TRICKY = [
    "曾国藩",  # 曾 zēng / céng
    "曾小明",
    "单田芳",  # 单 shàn / dān
    "解晓东",  # 解 xiè / jiě
    "𠮷田明",  # Extension B first
    "张𠮷",  # Extension B last
    "王𪚥",
    "阿依古丽·买买提",  # the middle dot
    "张三",
    "张三丰",
    "李四",
]


def _objects_by_prefix(s, prefix: str) -> list[Candidate]:
    """The search as it was: ORM objects of the session."""
    return list(
        s.scalars(
            select(Candidate)
            .where(Candidate.name >= prefix, Candidate.name < prefix + "\U0010ffff")
            .order_by(Candidate.name, Candidate.id)
            .limit(50)
        )
    )


def test_row_searches_return_what_the_objects_did_for_tricky_names(
    operator_ctx: auth.Context,
) -> None:
    for i, name in enumerate(TRICKY):
        records.create(operator_ctx, record_for(i, name=name), camera(i) if i % 2 else None)
    prefixes = ["曾", "曾国", "单", "解", "𠮷", "𠮷田", "张", "张𠮷", "张三", "王", "王𪚥"]
    prefixes += ["阿依古丽·", "李", "赵", " 张 ", ""]
    with operator_ctx.store.read() as s:
        for prefix in prefixes:
            before = _objects_by_prefix(s, prefix.strip()) if prefix.strip() else []
            expected = [records.summary(c, masked=False) for c in before]
            in_session = records.search_name_prefix(s, prefix)
            on_its_own = records.search_name_prefix(operator_ctx, prefix)
            assert [records.summary(r, masked=False) for r in in_session] == expected, prefix
            assert on_its_own == in_session, prefix
        for c in s.scalars(select(Candidate)):
            for number in (c.id_number, c.id_number.lower(), f" {c.id_number} "):
                row = records.row_by_id_number(operator_ctx, number)
                assert row is not None and records.summary(row) == records.summary(c)
                assert records.row_by_id_number(s, number) == row
            row = records.row_by_registration_no(operator_ctx, f" {c.registration_no}")
            assert row is not None and records.summary(row) == records.summary(c)
            assert queries.candidate_with_id_number(operator_ctx, c.id_number) == c.id
        everyone = list(s.scalars(select(Candidate).order_by(Candidate.id)))
        listed = records.list_candidates(s)
        assert [records.summary(r) for r in listed] == [records.summary(c) for c in everyone]
        ready = records.list_candidates(s, state="ready", limit=2, offset=1)
        assert [r.id for r in ready] == [c.id for c in everyone if c.state == "ready"][1:3]
        assert records.row_by_id_number(operator_ctx, "110101200001011234") is None
        assert records.row_by_registration_no(operator_ctx, "nothing") is None
        assert (
            records.search_name_prefix(operator_ctx, "张", limit=2)
            == (records.search_name_prefix(s, "张")[:2])
        )


def test_the_queue_finds_every_reading_of_a_surname_by_its_initials(
    operator_ctx: auth.Context,
) -> None:
    from station import pinyin

    for i, name in enumerate(TRICKY):
        records.create(operator_ctx, record_for(i, name=name), camera(i))
    rows = {r.name: r for r in queries.queue_rows(operator_ctx)}
    for name in TRICKY:
        assert rows[name].initials == pinyin.initials(name)  # written by the save's row
    for query, name in [
        ("zgf", "曾国藩"),
        ("cgf", "曾国藩"),
        ("stf", "单田芳"),
        ("dtf", "单田芳"),
        ("xxd", "解晓东"),
        ("jxd", "解晓东"),
        ("ayg", "阿依古丽·买买提"),
    ]:
        assert pinyin.matches(rows[name].initials, query), (query, name)
    assert pinyin.matches(rows["𠮷田明"].initials, rows["𠮷田明"].initials.split()[0])


def test_a_search_in_a_session_sees_what_the_session_changed(operator_ctx: auth.Context) -> None:
    saved = records.create(operator_ctx, record_for(1, name="张三"))
    with operator_ctx.store.session() as s:
        records.get(s, saved.id).name = "李四"  # not flushed yet
        assert [r.name for r in records.search_name_prefix(s, "李")] == ["李四"]
        assert records.search_name_prefix(s, "张") == []
        s.rollback()


# --- the warm-up after a login --------------------------------------------------------------


def test_the_warm_up_rehearses_a_save_and_leaves_no_trace(operator_ctx: auth.Context) -> None:
    first = records.create(operator_ctx, record_for(1), camera(1))

    def state() -> tuple[object, ...]:
        with operator_ctx.store.read() as s:
            head = s.get(ChainHead, 1)
            return (
                s.scalar(select(func.count()).select_from(Candidate)),
                s.scalar(select(func.count()).select_from(Photo)),
                s.scalar(select(func.count()).select_from(AuditEvent)),
                s.get(Counter, regno.COUNTER).value,  # type: ignore[union-attr]
                head.seq if head else None,
            )

    before = state()
    assert warmup.warm(operator_ctx) == 1
    assert state() == before
    # The rehearsal's photo id is given out again: the index still sees the next photos.
    second = records.create(operator_ctx, record_for(2), camera(2))
    again = records.create(operator_ctx, record_for(3), camera(2))
    assert (first.state, second.state, again.state) == ("ready", "ready", "draft")
    assert second.registration_no.endswith("0002")  # no serial used up by the rehearsal
    with operator_ctx.store.read() as s:
        assert audit.verify(s).ok


def test_after_the_warm_up_the_first_save_loads_nothing(station_dir: Path) -> None:
    """In a new process, as the desk after a login: the first save imports no module."""
    code = f"""
import json, sys, threading
from pathlib import Path
from station import auth, passwords, queries, records, settings, warmup
from station.photo.stored import PhotoInput
from tests.factories import FAST_KDF, OPERATOR, record_for
settings.KDF_FLOOR = FAST_KDF
passwords.FINGERPRINT_COST = FAST_KDF
jpeg = Path({str(PORTRAIT)!r}).read_bytes()
with auth.login(Path({str(station_dir)!r}), *OPERATOR) as ctx:
    queries.queue_rows(ctx)
    worker = threading.Thread(target=warmup.warm, args=(ctx,))
    worker.start()
    worker.join()
    before = set(sys.modules)
    saved = records.create(ctx, record_for(1), PhotoInput(jpeg, "camera", True))
    print(json.dumps({{"new": sorted(set(sys.modules) - before), "state": saved.state}}))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"new": [], "state": "ready"}


def test_seeded_camera_photos_are_distinct_people(admin_ctx: auth.Context) -> None:
    ids = seeding.seed(admin_ctx, 12, "ready", rng_seed=5, photos="camera")
    with admin_ctx.store.read() as s:
        photos = [records.get(s, i).photo for i in ids]
        assert all(p is not None and p.source == "camera" and p.phash for p in photos)
        assert len({p.sha256 for p in photos if p}) == 12
        assert all(27_000 < len(p.jpeg) < 41_000 for p in photos if p)
        assert {records.get(s, i).state for i in ids} == {"ready"}  # no look-alikes flagged
    with pytest.raises(Exception, match="photos"):
        seeding.seed(admin_ctx, 1, "ready", photos="film")
    assert seeding.camera_photo((1, 2, 3)) == seeding.camera_photo((1, 2, 3))
    assert seeding.camera_photo((1, 2, 3)) != seeding.camera_photo((1, 2, 4))


def test_a_photo_hashed_before_is_not_decoded_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from station.photo import phash

    jpeg = placeholder_jpeg() + b"\0"  # bytes of its own
    calls: list[int] = []
    real = phash.perceptual_hash

    def counted(data: bytes) -> str:
        calls.append(1)
        return real(data)

    monkeypatch.setattr(phash, "perceptual_hash", counted)
    assert duplicates.photo_hash(jpeg) == duplicates.photo_hash(bytes(jpeg)) == real(jpeg)
    assert len(calls) == 1


# --- the counter and the audit head as plain statements ---------------------------------------


def _held_head_and_counter(s: Session) -> tuple[ChainHead, Counter]:
    head, counter = s.get(ChainHead, 1), s.get(Counter, regno.COUNTER)
    assert head is not None and counter is not None
    return head, counter


def test_a_head_and_a_counter_held_by_the_session_stay_in_step(
    operator_ctx: auth.Context,
) -> None:
    """The audit and the 报名号 counter write their rows with plain statements; an object of
    those rows that the session already holds (changed or not) must neither be overtaken nor
    write an old value back at the flush."""
    records.create(operator_ctx, record_for(1))
    with operator_ctx.store.session() as s:
        head, counter = _held_head_and_counter(s)
        seq, serial = head.seq, counter.value
        audit.append(s, "op", "note", detail={"n": 1})
        assert head.seq == seq + 1  # the held object says what the statement wrote
        regno.skip_past(s, operator_ctx.settings.registration_no_template, [])  # touches it
        counter.value = serial + 5  # a change not yet flushed: the next number follows it
        number = regno.next_number(s, operator_ctx.settings.registration_no_template)
        assert (
            regno.serial_of(
                operator_ctx.settings.registration_no_template, s.get(Station, 1), number
            )
            == serial + 6
        )
        audit.append_many(s, "op", "note", [(None, None, {"n": 2}), (None, None, {"n": 3})])
        s.flush()  # nothing of the held objects is written back
    with operator_ctx.store.read() as s:
        assert audit.verify(s).ok
        stored = s.get(ChainHead, 1)
        assert stored is not None and stored.seq == seq + 3
        assert s.get(Counter, regno.COUNTER).value == serial + 6  # type: ignore[union-attr]
    assert records.create(operator_ctx, record_for(2)).registration_no.endswith(f"{serial + 7:04d}")


def test_an_exhausted_serial_takes_nothing(operator_ctx: auth.Context) -> None:
    from station.errors import StationError

    template = "{county}{serial:01d}"
    with operator_ctx.store.session() as s:
        assert regno.next_numbers(s, template, 9)[-1].endswith("9")
        with pytest.raises(StationError, match="exhausted"):
            regno.next_numbers(s, template, 1)
        # The refusal gave the serial back: the transaction can go on and commit.
        assert s.get(Counter, regno.COUNTER).value == 9  # type: ignore[union-attr]


def test_a_counter_added_but_not_written_is_flushed_before_the_next_number(
    operator_ctx: auth.Context,
) -> None:
    template = operator_ctx.settings.registration_no_template
    with operator_ctx.store.session() as s:
        assert s.get(Counter, regno.COUNTER) is None  # no number given out yet
        assert (
            regno.skip_past(
                s, template, [regno.render(template, s.get(Station, 1), 7, dt.date.today())]
            )
            == 7
        )
        number = regno.next_number(s, template)  # the added row is written first, then moved
        assert regno.serial_of(template, s.get(Station, 1), number) == 8


def test_a_savepoint_rolled_back_leaves_the_held_head_and_counter_as_stored(
    operator_ctx: auth.Context,
) -> None:
    template = operator_ctx.settings.registration_no_template
    records.create(operator_ctx, record_for(1))
    with operator_ctx.store.session() as s:
        head, counter = _held_head_and_counter(s)
        seq, serial = head.seq, counter.value
        nested = s.begin_nested()
        audit.append(s, "op", "note")
        regno.next_number(s, template)
        nested.rollback()
        assert (head.seq, counter.value) == (seq, serial)  # read again, not what was undone
        audit.append(s, "op", "note")
    with operator_ctx.store.read() as s:
        assert audit.verify(s).ok
        assert s.get(ChainHead, 1).seq == seq + 1  # type: ignore[union-attr]


def _flag_of(ctx: auth.Context, candidate_id: int) -> list[str]:
    events = [e for e in _events(ctx, candidate_id) if e[0] == "photo_flagged"]
    return events[-1][2]["similar_to"] if events else []


def test_a_photo_compared_ahead_finds_what_a_save_alone_finds(
    operator_ctx: auth.Context,
) -> None:
    """The desk compares a photo when it is accepted (duplicates.prepare); its save then
    compares it only with the photos stored since. Whatever was stored before, between the
    two, or replaced meanwhile, the save flags what comparing at the save alone flags."""
    ctx = operator_ctx
    a = records.create(ctx, record_for(1), camera(1))
    # A look-alike of a photo stored before it was accepted.
    early = camera(1)
    duplicates.prepare(ctx, early)
    b = records.create(ctx, record_for(2), early)
    assert b.state == State.DRAFT and _flag_of(ctx, b.id) == [a.registration_no]
    # A look-alike stored between its acceptance and its save.
    late = camera(3)
    duplicates.prepare(ctx, late)
    c = records.create(ctx, record_for(3), camera(3))
    d = records.create(ctx, record_for(4), late)
    assert c.state == State.READY
    assert d.state == State.DRAFT and _flag_of(ctx, d.id) == [c.registration_no]
    # A stored photo replaced meanwhile: compared again with the index as it is now.
    replaced = camera(5)
    duplicates.prepare(ctx, replaced)
    records.set_photo(ctx, a.id, camera(5))  # a now looks like what is about to be saved
    e = records.create(ctx, record_for(5), replaced)
    assert e.state == State.DRAFT and _flag_of(ctx, e.id) == [a.registration_no]
    # And nothing found ahead that is not there: a fresh photo stays unflagged.
    fresh = camera(9)
    duplicates.prepare(ctx, fresh)
    assert records.create(ctx, record_for(6), fresh).state == State.READY


def test_what_was_compared_ahead_is_trusted_only_while_the_index_keeps_its_order() -> None:
    index = duplicates._HashIndex()
    index.take_in([(1, 10, "00ff"), (2, 20, "ff00")])
    index.scan_ahead(0x00FF, 4)
    # Appended since: compared at the save, after what was compared ahead.
    index.take_in([(3, 30, "00fd")])
    assert index.near(0x00FF, exclude=0, limit=4) == [(10, 0), (30, 1)]
    index.scan_ahead(0x00FF, 4)
    # Candidate 20's photo replaced by a look-alike: the arrays are built in a new order and
    # everything is compared again.
    index.take_in([(4, 20, "00fe")])
    assert index.near(0x00FF, exclude=10, limit=4) == [(20, 1), (30, 1)]
    # Compared ahead with another limit: not used.
    index.scan_ahead(0x00FF, 0)
    assert index.near(0x00FF, exclude=0, limit=4) == [(10, 0), (20, 1), (30, 1)]
