"""Printing forms against the store: states, stored PDFs, digests, reprints, QR checks."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from station import records, seeding
from station.auth import Context
from station.errors import TransitionRefused, UsageError
from station.form import service
from station.form.fonts import BUNDLED_FALLBACKS, MAIN, FontChain, MissingGlyph
from station.form.service import Match, print_form, print_many, verify_qr
from station.lifecycle import Action, State
from station.models import AuditEvent, Candidate, PrintedForm
from station.photo.stored import PhotoInput, placeholder_jpeg

from .factories import record_for

SHIPPED = FontChain(MAIN, BUNDLED_FALLBACKS)


def text_of(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def confirm(ctx: Context, candidate_id: int) -> None:
    with ctx.store.session() as s:
        c = records.get(s, candidate_id)
        records.record_review_in(s, ctx, c)
        records.record_password_in(s, ctx, c, "$argon2id$demo")
        records.transition_in(s, ctx, c, Action.CONFIRM)


def state_of(ctx: Context, candidate_id: int) -> Candidate:
    with ctx.store.read() as s:
        return records.get(s, candidate_id)


@pytest.fixture
def ready_id(operator_ctx: Context) -> int:
    return seeding.seed(operator_ctx, 1, "ready", rng_seed=7)[0]


def test_first_print_of_a_ready_record_is_stored_audited_and_counts_for_confirm(
    operator_ctx: Context, ready_id: int
) -> None:
    printed = print_form(operator_ctx, ready_id, chain=SHIPPED)
    c = state_of(operator_ctx, ready_id)
    assert printed.print_no == 1 and printed.version == 1 and printed.pdf.startswith(b"%PDF")
    assert c.state == State.READY and c.form_printed_at is not None
    text = text_of(printed.pdf)
    assert c.registration_no in text and c.name in text and "次打印" not in text
    with operator_ctx.store.read() as s:
        rows = s.scalars(select(PrintedForm)).all()
        assert [(r.candidate_id, r.print_no, r.digest) for r in rows] == [
            (ready_id, 1, printed.digest)
        ]
        assert rows[0].pdf == printed.pdf and rows[0].printed_by == "caiji"
        events = s.scalars(select(AuditEvent).where(AuditEvent.candidate_id == ready_id)).all()
    prints = [e for e in events if e.action == "form_print"]
    assert len(prints) == 1 and json.loads(prints[0].detail)["print_no"] == 1
    assert "form_printed" in [e.action for e in events]  # the lifecycle fact


def test_the_ready_digest_is_the_one_frozen_at_confirm_and_reprints_count(
    operator_ctx: Context, ready_id: int
) -> None:
    first = print_form(operator_ctx, ready_id, chain=SHIPPED)
    confirm(operator_ctx, ready_id)
    with operator_ctx.store.read() as s:
        frozen = records.versions(s, ready_id)
    assert [v.digest for v in frozen] == [first.digest]
    again = print_form(operator_ctx, ready_id, chain=SHIPPED)
    assert (again.print_no, again.digest) == (2, first.digest)
    text = text_of(again.pdf)
    assert "第 2 次打印" in text and first.digest[:4] + " " + first.digest[4:8] in text
    records.sign(operator_ctx, ready_id, "盒001-页01")
    assert print_form(operator_ctx, ready_id, chain=SHIPPED).print_no == 3


def test_drafts_and_exported_records_are_refused(operator_ctx: Context) -> None:
    draft = records.create(operator_ctx, record_for(1)).id
    with pytest.raises(TransitionRefused, match="采集中"):
        print_form(operator_ctx, draft, chain=SHIPPED)
    signed = seeding.seed(operator_ctx, 1, "exported", rng_seed=3)[0]
    with pytest.raises(TransitionRefused, match="已导出"):
        print_form(operator_ctx, signed, chain=SHIPPED)
    with operator_ctx.store.read() as s:
        assert s.scalars(select(PrintedForm)).all() == []


def test_a_name_no_font_can_print_is_refused_before_anything_is_stored(
    operator_ctx: Context,
) -> None:
    # 𪜀 U+2A700 (Extension C) passes validation but is not in the shipped fonts.
    photo = PhotoInput(placeholder_jpeg(), "demo", quality_ok=True)
    saved = records.create(operator_ctx, record_for(2, name="王𪜀"), photo)
    assert saved.state == State.READY
    with pytest.raises(MissingGlyph) as err:
        print_form(operator_ctx, saved.id, chain=SHIPPED)
    assert "姓名中的“𪜀”（U+2A700）没有可用字体，无法打印" in err.value.message_zh
    c = state_of(operator_ctx, saved.id)
    assert c.form_printed_at is None
    with operator_ctx.store.read() as s:
        assert s.scalars(select(PrintedForm)).all() == []


def test_an_extension_b_name_prints(operator_ctx: Context) -> None:
    photo = PhotoInput(placeholder_jpeg(), "demo", quality_ok=True)
    saved = records.create(operator_ctx, record_for(3, name="𠮷田明"), photo)
    printed = print_form(operator_ctx, saved.id, chain=SHIPPED)
    assert "𠮷田明" in text_of(printed.pdf)


def test_verify_current_older_unknown_and_malformed(
    operator_ctx: Context, supervisor_ctx: Context, ready_id: int
) -> None:
    first = print_form(operator_ctx, ready_id, chain=SHIPPED)
    assert verify_qr(operator_ctx, first.qr_text).match is Match.CURRENT
    confirm(operator_ctx, ready_id)
    assert verify_qr(operator_ctx, first.qr_text).ok
    records.transition(supervisor_ctx, ready_id, Action.REOPEN, "地址有误")  # a supervisor's act
    check = verify_qr(operator_ctx, first.qr_text)
    assert check.match is Match.OLDER and (check.version, check.current_version) == (1, 2)
    assert "作废" in check.message_zh
    # Version 2, printed once ready again, says which version it replaces.
    with operator_ctx.store.session() as s:
        c = records.get(s, ready_id)
        records.update_in(
            s, operator_ctx, c, records.record_values(c) | {"phone": "13700137000"}, None
        )
    second = print_form(operator_ctx, ready_id, chain=SHIPPED)
    assert second.version == 2 and second.digest != first.digest
    assert "本表替代第 1 版" in text_of(second.pdf)
    assert verify_qr(operator_ctx, second.qr_text).match is Match.CURRENT
    forged = first.qr_text[:-4] + "0000"
    assert verify_qr(operator_ctx, forged).match is Match.UNKNOWN
    stranger = f"ZK1|99999999999999|1|{first.digest}"
    unknown = verify_qr(operator_ctx, stranger)
    assert unknown.match is Match.UNKNOWN and unknown.current_version is None
    for bad in ("", "ZK1|x|1", "ZK2|1|1|" + "a" * 64, "ZK1|1|0|" + "a" * 64, "ZK1|1|1|xyz"):
        with pytest.raises(UsageError):
            verify_qr(operator_ctx, bad)


def test_an_edit_after_printing_makes_the_paper_older(operator_ctx: Context, ready_id: int) -> None:
    first = print_form(operator_ctx, ready_id, chain=SHIPPED)
    with operator_ctx.store.session() as s:
        c = records.get(s, ready_id)
        records.update_in(
            s, operator_ctx, c, records.record_values(c) | {"phone": "13700137000"}, None
        )
    assert state_of(operator_ctx, ready_id).form_printed_at is None
    assert verify_qr(operator_ctx, first.qr_text).match is Match.OLDER


def test_print_many_reports_progress_refusals_and_cancel(operator_ctx: Context) -> None:
    ids = seeding.seed(operator_ctx, 3, "ready", rng_seed=5)
    draft = records.create(operator_ctx, record_for(4)).id
    seen: list[tuple[int, int]] = []
    result = print_many(
        operator_ctx, [*ids, draft], lambda d, t: seen.append((d, t)), chain=SHIPPED
    )
    assert [p.candidate_id for p in result.printed] == ids
    assert [i for i, _ in result.refused] == [draft] and not result.cancelled
    assert seen[-1] == (4, 4)
    calls = iter([False, True])
    stopped = print_many(operator_ctx, ids, cancel=lambda: next(calls), chain=SHIPPED)
    assert stopped.cancelled and len(stopped.printed) == 1
    assert stopped.printed[0].print_no == 2


def test_default_chain_is_built_once() -> None:
    assert service.default_chain() is service.default_chain()


def test_a_rendered_form_counts_once_printed_and_not_after_a_change(
    operator_ctx: Context, ready_id: int
) -> None:
    from station.errors import StationError
    from station.form.service import printed, render_form

    form = render_form(operator_ctx, ready_id, chain=SHIPPED)
    with operator_ctx.store.read() as s:
        assert records.get(s, ready_id).form_printed_at is None  # rendered is not printed
        assert s.scalars(select(PrintedForm)).all() == []
    printed(operator_ctx, form)
    with operator_ctx.store.read() as s:
        assert records.get(s, ready_id).form_printed_at is not None
        assert len(s.scalars(select(PrintedForm)).all()) == 1
    stale = render_form(operator_ctx, ready_id, chain=SHIPPED)
    with operator_ctx.store.session() as s:
        c = records.get(s, ready_id)
        records.update_in(
            s, operator_ctx, c, records.record_values(c) | {"phone": "13700137001"}, None
        )
    with pytest.raises(StationError):
        printed(operator_ctx, stale)  # that paper shows what the store no longer holds
