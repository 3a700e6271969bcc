"""The candidate's own password: strength, no personal digits, no uniform passwords or formats,
no clear text anywhere in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text

from station import auth, passwords, records
from station.models import Candidate, PasswordFingerprint

from .factories import record_for


def _ready(ctx: auth.Context, i: int) -> Candidate:
    saved = records.create(
        ctx, record_for(i, school_code="410105007", school_name="郑州市第七初级中学")
    )
    with ctx.store.read() as s:
        return records.get(s, saved.id)


def test_id_derived_and_weak_passwords_are_refused_with_reasons(operator_ctx: auth.Context) -> None:
    c = _ready(operator_ctx, 1)
    own = c.id_number[-6:]
    judgement = passwords.judge(c, f"Qz!{own}xx", f"Qz!{own}xx")
    assert "own_digits" in [r[0] for r in judgement.reasons]
    assert any("证件号码" in r[1] for r in judgement.reasons)
    assert "weak" in [r[0] for r in passwords.judge(c, "password1").reasons]
    assert "weak" in [r[0] for r in passwords.judge(c, "zhangsan2012").reasons]
    assert "mismatch" in [r[0] for r in passwords.judge(c, "Vv8#pond-Ladder", "other").reasons]
    good = passwords.judge(c, "Vv8#pond-Ladder", "Vv8#pond-Ladder")
    assert good.ok and good.score >= 3


def test_password_and_answer_are_stored_only_as_argon2_hashes(operator_ctx: auth.Context) -> None:
    c = _ready(operator_ctx, 2)
    secret, answer = "Vv8#pond-Ladder", "王老师"
    passwords.set_password(operator_ctx, c.id, secret, secret, passwords.QUESTIONS[0], answer)
    with operator_ctx.store.read() as s:
        stored = records.get(s, c.id)
        assert stored.password_hash.startswith("$argon2id$")
        assert stored.password_answer_hash.startswith("$argon2id$")
        assert stored.password_question == passwords.QUESTIONS[0]
        # Nothing anywhere in the database holds the clear text.
        conn = s.connection()
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                dump = " ".join(str(v) for v in row)
                assert secret not in dump and answer not in dump, table


def test_same_password_and_same_shape_are_stopped(
    operator_ctx: auth.Context, supervisor_ctx
) -> None:
    school = "郑州市第七初级中学"
    a, b, c, d = (_ready(operator_ctx, i) for i in (11, 12, 13, 14))
    q = passwords.QUESTIONS[1]

    # A school "recommends" Kite!Harbor + the candidate's own birthday (month and day).
    def shaped(x: Candidate) -> str:
        return f"Kite!Harbor{x.birth_date:%m%d}"

    passwords.set_password(operator_ctx, a.id, shaped(a), shaped(a), q, "北京")
    # The very same password for another candidate: refused at once.
    with pytest.raises(passwords.PasswordRefused) as info:
        passwords.set_password(operator_ctx, b.id, shaped(a), shaped(a), q, "北京")
    assert info.value.codes == ["same_as_other"]
    passwords.set_password(operator_ctx, b.id, shaped(b), shaped(b), q, "上海")
    # The third candidate with the same format is stopped.
    with pytest.raises(passwords.PasswordRefused) as info:
        passwords.set_password(operator_ctx, c.id, shaped(c), shaped(c), q, "广州")
    assert info.value.codes == ["uniform_format"]
    assert "考生本人" in str(info.value)
    # Their own choice goes through.
    passwords.set_password(operator_ctx, c.id, "Vv8#pond-Ladder", "Vv8#pond-Ladder", q, "广州")
    assert d.school_name == school
    counts = passwords.refusals_by_school(supervisor_ctx)
    assert counts["410105007"] == {"same_as_other": 1, "uniform_format": 1}
    with operator_ctx.store.read() as s:
        values = s.scalars(select(PasswordFingerprint.value)).all()
    assert all(len(v) == 64 for v in values)  # 32 bytes of Argon2id, hex


def test_only_supervisors_see_refusal_counts(operator_ctx: auth.Context) -> None:
    from station.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        passwords.refusals_by_school(operator_ctx)


def test_answer_is_required_and_normalised(operator_ctx: auth.Context) -> None:
    c = _ready(operator_ctx, 21)
    with pytest.raises(passwords.PasswordRefused) as info:
        passwords.set_password(
            operator_ctx, c.id, "Vv8#pond-Ladder", "Vv8#pond-Ladder", "问题", " "
        )
    assert "answer" in info.value.codes
    assert passwords.normalise_answer(" Ｗａｎｇ Laoshi ") == "wanglaoshi"


def test_full_width_copies_of_own_digits_are_refused(operator_ctx: auth.Context) -> None:
    c = _ready(operator_ctx, 41)
    own = c.id_number[-8:-2]
    full_width = "".join(chr(ord(d) + 0xFEE0) for d in own)
    assert "own_digits" in [r[0] for r in passwords.judge(c, f"Qz!{full_width}xxMk").reasons]


def test_a_prescribed_verification_answer_is_stopped(operator_ctx: auth.Context) -> None:
    # The notice forbids 统一的密码验证信息: four candidates with the same question and the same
    # answer is a school's answer, not theirs. Three alike (classmates) still pass.
    question = passwords.QUESTIONS[0]
    strong = ["Vv8#pond-Ladder", "Qx7!river-Maple", "Zt4$cloud-Piano", "Hb9%stone-Tiger"]
    for i, password in enumerate(strong[:3]):
        c = _ready(operator_ctx, 20 + i)
        passwords.set_password(operator_ctx, c.id, password, password, question, "学校统一答案")
    fourth = _ready(operator_ctx, 23)
    with pytest.raises(passwords.PasswordRefused) as refused:
        passwords.set_password(
            operator_ctx, fourth.id, strong[3], strong[3], question, " 学校统一 答案 "
        )
    assert [r[0] for r in refused.value.reasons] == ["uniform_answer"]
    # Another answer, or the same answer to another question, is the candidate's own.
    passwords.set_password(operator_ctx, fourth.id, strong[3], strong[3], question, "李老师")
    with operator_ctx.store.read() as s:
        kinds = s.scalars(
            select(PasswordFingerprint.kind).where(PasswordFingerprint.candidate_id == fourth.id)
        ).all()
    assert sorted(kinds) == ["answer", "exact", "shape"] or sorted(kinds) == ["answer", "exact"]


def test_fingerprints_cost_an_argon2_run_each_not_an_hmac(
    operator_ctx: auth.Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fingerprint key is in the database every operator opens: each guess tested
    against the stored fingerprints must cost a slow hash at the product's cost."""
    import hashlib
    import hmac

    from argon2.low_level import Type, hash_secret_raw  # the library itself, not our helper

    from station.models import StationState

    from .factories import PRODUCT_FINGERPRINT_COST as cost

    monkeypatch.setattr(passwords, "FINGERPRINT_COST", cost)
    assert cost.memory_cost >= 19 * 1024 and cost.time_cost >= 2
    c = _ready(operator_ctx, 3)
    secret = "Vv8#pond-Ladder"
    passwords.set_password(operator_ctx, c.id, secret, secret, passwords.QUESTIONS[0], "王老师")
    with operator_ctx.store.read() as s:
        key = bytes.fromhex(s.get(StationState, "password_fingerprint_key_2").value)
        exact = s.scalar(
            select(PasswordFingerprint.value).where(
                PasswordFingerprint.candidate_id == c.id, PasswordFingerprint.kind == "exact"
            )
        )
    guess = f"exact\x00{secret}".encode()
    assert exact != hmac.new(key, guess, hashlib.sha256).hexdigest()
    assert (
        exact
        == hash_secret_raw(
            guess,
            key,
            time_cost=cost.time_cost,
            memory_cost=cost.memory_cost,
            parallelism=cost.parallelism,
            hash_len=32,
            type=Type.ID,
        ).hex()
    )
