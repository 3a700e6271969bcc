"""The roster import made fast (issue 19) without changing what it does: chunks checked before
their transaction, the collector paused, and the look-ups worked out once (validation, pinyin)
must not leak from one import, record or setting into another."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from station import audit, fields, pinyin, records, roster, validation
from station.auth import Context
from station.models import AuditEvent, Candidate
from station.roster_gc import collector_paused
from station.validation import AgeRule, Policy, validate_candidate

from .factories import record_for, synthetic_id, valid_record
from .test_roster import letter, state_of, stored, write_roster


def creates(ctx: Context) -> int:
    with ctx.store.read() as s:
        assert audit.verify(s).ok
        query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "create")
        return s.scalar(query) or 0


# --- chunks ---------------------------------------------------------------------------------


def test_a_failing_chunk_leaves_nothing_of_itself_and_keeps_the_chunks_before(
    admin_ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(roster, "CHUNK", 3)
    path = write_roster(tmp_path / "r.xlsx", [record_for(i) for i in range(1, 9)])
    real = records.bulk_create_in
    calls: list[int] = []

    def second_chunk_fails(*args: Any, **kwargs: Any) -> Any:
        calls.append(len(args[2]))
        stored_now = real(*args, **kwargs)  # written in the chunk's transaction, then...
        if len(calls) == 2:
            raise OSError("the disk went away")
        return stored_now

    monkeypatch.setattr(records, "bulk_create_in", second_chunk_fails)
    with pytest.raises(OSError):
        roster.import_roster(admin_ctx, path)
    assert calls == [3, 3]
    assert state_of(admin_ctx)[0] == 3 and creates(admin_ctx) == 3  # chunk 1, all of it
    assert all(stored(admin_ctx, i) is not None for i in (1, 2, 3))
    assert stored(admin_ctx, 4) is None

    monkeypatch.setattr(records, "bulk_create_in", real)
    again = roster.import_roster(admin_ctx, path)  # the same file again completes the job
    assert (again.imported, again.already_present, again.complete) == (5, 3, True)
    assert creates(admin_ctx) == 8


def test_cancel_in_a_later_chunk_stores_every_row_checked_before(
    admin_ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(roster, "CHUNK", 3)
    path = write_roster(tmp_path / "r.xlsx", [record_for(i) for i in range(1, 9)])
    seen: list[tuple[int, int]] = []
    result = roster.import_roster(
        admin_ctx, path, progress=lambda d, t: seen.append((d, t)), cancel=lambda: len(seen) >= 5
    )
    assert result.cancelled and result.imported == 5
    assert seen == [(n, 8) for n in range(1, 6)]
    assert [stored(admin_ctx, i) is not None for i in range(1, 9)] == [True] * 5 + [False] * 3
    assert creates(admin_ctx) == 5


def test_duplicates_across_chunks_are_found_as_in_one(
    admin_ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(roster, "CHUNK", 2)
    rows = [
        record_for(1),
        record_for(2),
        record_for(1),  # the same again, in the next chunk: already present
        record_for(2, home_address="别处 1 号"),  # a twin that differs: a conflict
        record_for(3, phone="123"),  # invalid
        record_for(4),
    ]
    result = roster.import_roster(admin_ctx, write_roster(tmp_path / "r.xlsx", rows))
    assert (result.imported, result.already_present) == (3, 1)
    assert [r.row for r in result.rejected] == [6]
    [conflict] = result.conflicts
    assert conflict.row == 5 and "第 3 行" in conflict.problems[0].reason
    first = stored(admin_ctx, 2)
    assert first is not None and conflict.registration_no == first.registration_no


def test_rows_are_checked_outside_the_write_transaction(
    admin_ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(roster, "CHUNK", 2)
    path = write_roster(tmp_path / "r.xlsx", [record_for(i) for i in range(1, 6)])
    open_sessions: list[int] = []
    checked_inside: list[bool] = []
    session = admin_ctx.store.session

    @contextmanager
    def watched() -> Iterator[Any]:
        open_sessions.append(1)
        try:
            with session() as s:
                yield s
        finally:
            open_sessions.pop()

    def check(raw: Any, policy: Any = None) -> Any:
        checked_inside.append(bool(open_sessions))
        return validate_candidate(raw, policy)

    monkeypatch.setattr(admin_ctx.store, "session", watched)
    monkeypatch.setattr(roster, "validate_candidate", check)
    assert roster.import_roster(admin_ctx, path).imported == 5
    assert checked_inside == [False] * 5  # the write lock is held only to look up and store


def test_a_dry_run_takes_no_write_transaction(
    admin_ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_roster(tmp_path / "r.xlsx", [record_for(1), record_for(1), record_for(2)])
    assert (
        roster.import_roster(
            admin_ctx, write_roster(tmp_path / "one.xlsx", [record_for(2)])
        ).imported
        == 1
    )

    def refused() -> Any:
        raise AssertionError("a dry run must not begin a write transaction")

    monkeypatch.setattr(admin_ctx.store, "session", refused)
    preview = roster.import_roster(admin_ctx, path, dry_run=True)
    assert (preview.imported, preview.already_present, preview.dry_run) == (1, 2, True)


# --- the reader's plain path ----------------------------------------------------------------


def test_a_plain_sheet_with_a_cross_column_merge_and_hash_text(
    admin_ctx: Context, tmp_path: Path
) -> None:
    """No formula, vertical merge or error cell: the plain path, which must still name the
    rows a cross-column merge covers and keep text that merely starts with #."""
    rows = [
        record_for(1, home_address="#3 栋"),
        record_for(2),
        record_for(3, home_address="金水路"),
    ]

    def edit(ws: Any) -> None:
        ws.merge_cells(f"{letter('home_address')}4:{letter('phone')}4")

    result = roster.import_roster(admin_ctx, write_roster(tmp_path / "r.xlsx", rows, edit=edit))
    assert result.imported == 2
    [row] = result.rejected
    assert row.row == 4 and [p.column for p in row.problems] == ["家庭住址*", "联系电话*"]
    assert all("跨列合并" in p.reason for p in row.problems)
    first = stored(admin_ctx, 1)
    assert first is not None and first.home_address == "#3 栋"


# --- the collector ----------------------------------------------------------------------------


def test_the_collector_pause_nests_and_restores_what_was_there() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause is still under way
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("an import that fails")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # someone else turned it off: it stays off
    finally:
        gc.enable()


def test_overlapping_pauses_in_two_threads_end_with_the_collector_on() -> None:
    first_in, second_done = threading.Event(), threading.Event()

    def first() -> None:
        with collector_paused():
            first_in.set()
            second_done.wait(5)

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with collector_paused():
        pass
    assert not gc.isenabled()  # the other thread's pause is still under way
    second_done.set()
    thread.join(5)
    assert gc.isenabled()


def test_an_import_leaves_the_collector_on_even_when_it_fails(
    admin_ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_roster(tmp_path / "r.xlsx", [record_for(1)])
    states: list[bool] = []
    real = records.bulk_create_in

    def watched(*args: Any, **kwargs: Any) -> Any:
        states.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(records, "bulk_create_in", watched)
    assert roster.import_roster(admin_ctx, path).imported == 1
    assert states == [False] and gc.isenabled()

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(records, "bulk_create_in", broken)
    with pytest.raises(RuntimeError):
        roster.import_roster(admin_ctx, write_roster(tmp_path / "s.xlsx", [record_for(2)]))
    assert gc.isenabled()
    roster.read_roster(path)
    assert gc.isenabled()


# --- what is worked out once ------------------------------------------------------------------


def test_pinyin_initials_per_character_are_the_dictionary_readings() -> None:
    pinyin._letters.cache_clear()
    expected = {
        "曾国藩": "cgf zgf",  # every reading of the surname
        "单田芳": "dtf ctf stf",
        "阿依古丽·买买提": "ayglmmt eyglmmt",  # the dot has no reading
        "欧阳娜娜": "oynn",
        "·": "",
        "": "",
    }
    assert {name: pinyin.initials(name) for name in expected} == expected
    assert {name: pinyin.initials(name) for name in expected} == expected  # from the cache
    info = pinyin._letters.cache_info()
    assert info.hits > 0 and info.maxsize is not None  # bounded, whatever text comes
    assert isinstance(pinyin._letters("曾"), tuple)  # what it hands out cannot be changed


def test_a_field_pattern_is_made_again_when_the_field_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert validation.check_pattern("school_code", "410105012") == []
    field = fields.BY_NAME["school_code"]
    assert field.max_length is not None and field.max_length >= 9
    shorter = dataclasses.replace(field, max_length=5, min_length=2)
    monkeypatch.setitem(fields.BY_NAME, "school_code", shorter)
    [issue] = validation.check_pattern("school_code", "410105012")
    assert issue.code == "too_long" and "5" in issue.message_zh
    monkeypatch.setitem(fields.BY_NAME, "school_code", field)
    assert validation.check_pattern("school_code", "410105012") == []


def test_one_policy_after_another_leaks_nothing() -> None:
    record = valid_record()  # born 2012-03-15, fresh
    loose = Policy(age_reference_date=dt.date(2027, 6, 1), today=dt.date(2026, 11, 29))
    strict = Policy(
        age_rules={"fresh": AgeRule(16, 18)},
        age_reference_date=dt.date(2027, 6, 1),
        today=dt.date(2026, 11, 29),
    )
    later = Policy(today=dt.date(2033, 8, 1))  # reference 2034-06-01: 22, too old for fresh
    assert validate_candidate(record, loose).ok
    assert "age_implausible" in {i.code for i in validate_candidate(record, strict).issues}
    assert "age_implausible" in {i.code for i in validate_candidate(record, later).issues}
    assert validate_candidate(record, loose).ok
    assert later.reference_date() == dt.date(2034, 6, 1)
    assert later.reference_date(dt.date(2020, 8, 1)) == dt.date(2034, 6, 1)  # its own today wins
    assert Policy().reference_date(dt.date(2020, 8, 1)) == dt.date(2021, 6, 1)
    assert Policy().reference_date(dt.date(2020, 3, 1)) == dt.date(2020, 6, 1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  张　三 ", "张 三"),
        ("a\t\n b\u2028c\x1cd\u00a0e", "a b c d e"),
        ("ＡＢＣ１２３ａ", "ABC123a"),
        ("", ""),
        (None, ""),
        (12, "12"),
        ("\u3000\u3000", ""),
    ],
)
def test_text_is_folded_as_before(raw: Any, expected: str) -> None:
    assert validation.normalise_text(raw) == expected


def test_names_fold_every_middle_dot_and_keep_the_rest() -> None:
    assert validation.normalise_name("阿依古丽\u2022买买提") == "阿依古丽·买买提"
    assert validation.normalise_name("阿依古丽 ・ 买买提") == "阿依古丽·买买提"
    assert validation.normalise_name("John  Smith") == "John Smith"
    assert validation.normalise_name("张 A") == "张 A"  # not all Han: spaces stay


def test_rows_are_stored_with_their_initials_and_identical_values(
    admin_ctx: Context, tmp_path: Path
) -> None:
    rows = [record_for(1, name="曾国藩"), record_for(2, name="欧阳娜娜")]
    assert roster.import_roster(admin_ctx, write_roster(tmp_path / "r.xlsx", rows)).imported == 2
    with admin_ctx.store.read() as s:
        got = {
            c.id_number: (c.name, c.name_initials)
            for c in s.scalars(select(Candidate).order_by(Candidate.id))
        }
    assert got[synthetic_id(1)][0] == "曾国藩"
    assert set(got[synthetic_id(1)][1].split()) == {"zgf", "cgf"}
    assert got[synthetic_id(2)] == ("欧阳娜娜", "oynn")
