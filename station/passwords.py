"""The candidate's own password (考生登录密码) and verification question (密码验证信息).

The notice: the password and its verification information are set and kept by the candidate
alone; schools must never fill in or prescribe a uniform password or a password *format*.
So the station:

* judges strength with zxcvbn, giving it everything it knows about the candidate (name and
  its pinyin, ID number, birth date, phone, school) so that personal data counts as guessable;
* refuses six or more digits in a row taken from the candidate's own ID number or phone;
* refuses a password another candidate at this station already uses, and a password of the
  same *shape* as several others (school initials + own birth date, "Zk@" + last six ID
  digits, ...): shapes are computed by replacing the candidate's own data with placeholders;
* compares both through keyed fingerprints (Argon2id with a secret that never leaves the
  station as the salt), so no password is ever stored in the clear, and counts refused
  attempts per school for the supervisor: a school that prescribes passwords shows up there.
  The secret sits in the database every operator opens; the fingerprint is slow on purpose
  (:data:`FINGERPRINT_COST`, ~30 ms) so that a logged-in insider cannot test guesses
  against the stored fingerprints at hash speed.

Only Argon2id hashes of the password and of the normalised answer are stored; they travel to
the county in the batch.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from station import audit
from station.auth import Context, hasher
from station.errors import StationError, TransitionRefused
from station.keyslots import cost_of, derive_kek
from station.lifecycle import State
from station.models import Candidate, PasswordFingerprint, PasswordRefusal, StationState
from station.roles import Permission
from station.settings import KDF_FLOOR

MIN_SCORE = 3  # zxcvbn 0–4
MIN_LENGTH = 8
DIGIT_RUN = 6
SAME_SHAPE_LIMIT = 2  # this many others with the shape: the next one is stopped
# This many others with the same question and answer: the next one is stopped. Higher than for
# passwords: classmates may truly share a teacher's name; four alike is a prescribed answer.
SAME_ANSWER_LIMIT = 3
QUESTIONS = (
    "我小学班主任的姓名？",
    "我第一次独自出远门去的城市？",
    "我最喜欢的一本书？",
    "我小时候最好的朋友的名字？",
    "对我影响最大的一位老师的姓名？",
    "我自己设定的问题",
)
# Version 2: Argon2id fingerprints. Fingerprints of version 1 (HMAC-SHA256, before) stay in
# the table but match nothing: comparison starts afresh with the passwords set from now on.
_KEY_STATE = "password_fingerprint_key_2"
#: What one fingerprint costs: OWASP's Argon2id minimum, the floor settings.json has too;
#: fixed in code, not a setting, so that no file can make it cheap.
FINGERPRINT_COST = KDF_FLOOR


class PasswordRefused(StationError):
    """The password (or the answer) was not accepted; ``reasons`` are (code, zh, en)."""

    exit_code = 1

    def __init__(self, reasons: list[tuple[str, str, str]]) -> None:
        super().__init__("；".join(r[1] for r in reasons), "; ".join(r[2] for r in reasons))
        self.reasons = reasons

    @property
    def codes(self) -> list[str]:
        return [r[0] for r in self.reasons]


@dataclass(slots=True)
class Judgement:
    """What the strength meter and the reasons under the field show while typing."""

    score: int  # 0–4
    reasons: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.reasons


# --- what the station knows about the candidate ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Personal:
    """The candidate's own data, in the forms a password might borrow it."""

    tokens: dict[str, str]  # placeholder -> text (longest first when replacing)
    digit_sources: tuple[str, ...]  # ID number digits, phone

    @classmethod
    def of(cls, c: Candidate) -> Personal:
        from station import pinyin

        birth = c.birth_date
        tokens: dict[str, str] = {
            "{id18}": c.id_number.lower(),
            "{phone}": c.phone,
            "{birth8}": f"{birth:%Y%m%d}",
            "{birth6}": f"{birth:%y%m%d}",
            "{mmdd}": f"{birth:%m%d}",
            "{yyyy}": f"{birth:%Y}",
            "{id6}": c.id_number[-6:].lower(),
            "{id4}": c.id_number[-4:].lower(),
            "{phone4}": c.phone[-4:],
            "{school}": c.school_code.lower(),
        }
        full = _full_pinyin(c.name)
        if full:
            tokens["{name}"] = full
        for i, variant in enumerate(pinyin.initials(c.name).split()):
            tokens[f"{{ini{i}}}"] = variant
        school_ini = pinyin.initials(c.school_name).split()
        if school_ini:
            tokens["{school_ini}"] = school_ini[0]
        return cls(
            {k: v for k, v in tokens.items() if len(v) >= 2},
            (re.sub(r"\D", "", c.id_number), c.phone),
        )

    def user_inputs(self, c: Candidate) -> list[str]:
        return [
            c.name,
            c.id_number,
            c.phone,
            c.school_name,
            c.school_code,
            *self.tokens.values(),
        ]


def _full_pinyin(name: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(p for p in lazy_pinyin(name, style=Style.NORMAL, errors="ignore") if p.isascii())


# --- judging --------------------------------------------------------------------------------


def judge(
    c: Candidate, password: str, confirm: str | None = None, personal: Personal | None = None
) -> Judgement:
    """Strength and the reasons against ``password``; nothing about other candidates."""
    from zxcvbn import zxcvbn

    personal = personal or Personal.of(c)
    reasons: list[tuple[str, str, str]] = []
    score = 0
    if len(password) < MIN_LENGTH:
        reasons.append(
            ("too_short", f"密码至少 {MIN_LENGTH} 位", f"at least {MIN_LENGTH} characters")
        )
    if password:
        score = zxcvbn(password[:100], user_inputs=personal.user_inputs(c))["score"]
    if password and score < MIN_SCORE:
        reasons.append(
            (
                "weak",
                "密码太容易被猜到（不要用姓名、生日、学校、常见单词或键盘顺序）",
                "too easy to guess",
            )
        )
    run = _own_digit_run(password, personal.digit_sources)
    if run:
        reasons.append(
            (
                "own_digits",
                f"不能包含本人证件号码或电话中连续 {len(run)} 位数字",
                f"contains {len(run)} digits in a row from the candidate's own ID number or phone",
            )
        )
    if confirm is not None and confirm != password:
        reasons.append(("mismatch", "两次输入的密码不一致", "the two entries differ"))
    return Judgement(score, reasons)


def _own_digit_run(password: str, sources: Iterable[str]) -> str:
    # Full-width digits (０１２…) are the same digits to a person copying them from a card.
    password = unicodedata.normalize("NFKC", password)
    digits = re.findall(rf"\d{{{DIGIT_RUN},}}", password)
    for run in digits:
        for i in range(len(run) - DIGIT_RUN + 1):
            piece = run[i : i + DIGIT_RUN]
            if any(piece in source for source in sources):
                return run
    return ""


def shape(c: Candidate, password: str, personal: Personal | None = None) -> str | None:
    """The password with the candidate's own data replaced by placeholders, or None when it
    borrows nothing personal (then it is only ever compared exactly)."""
    personal = personal or Personal.of(c)
    text = password.lower()
    for placeholder, value in sorted(personal.tokens.items(), key=lambda kv: -len(kv[1])):
        text = text.replace(value, placeholder)
    return text if "{" in text and text != password.lower() else None


def normalise_answer(answer: str) -> str:
    """Answers are compared loosely: width, case and spaces do not matter."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", answer)).casefold()


# --- storing --------------------------------------------------------------------------------


def _key(s: Session) -> bytes:
    row = s.get(StationState, _KEY_STATE)
    if row is None:
        row = StationState(name=_KEY_STATE, value=os.urandom(32).hex())
        s.add(row)
        s.flush()
    return bytes.fromhex(row.value)


def _fingerprint(key: bytes, kind: str, text: str) -> str:
    return derive_kek(f"{kind}\x00{text}", key, cost_of(FINGERPRINT_COST)).hex()


def set_password(
    ctx: Context, candidate_id: int, password: str, confirm: str, question: str, answer: str
) -> None:
    """Check and store the candidate's password and verification answer, or refuse."""
    from station import records

    ctx.require(Permission.COLLECT)
    with ctx.store.session() as s:
        c = records.get(s, candidate_id)
        if State(c.state).locked:
            raise TransitionRefused("locked", "记录已锁定", "the record is locked")
        personal = Personal.of(c)  # pinyin and all: computed once for judge and shape
        reasons = list(judge(c, password, confirm, personal).reasons)
        if not question.strip():
            reasons.append(
                ("question", "请选择或填写密码验证问题", "choose a verification question")
            )
        if len(normalise_answer(answer)) < 2:
            reasons.append(
                ("answer", "请填写验证问题的答案（至少 2 个字）", "the answer is required")
            )
        key = _key(s)
        folded = unicodedata.normalize("NFKC", password)  # full width is no different password
        exact = _fingerprint(key, "exact", folded)
        form = shape(c, folded, personal)
        shaped = _fingerprint(key, "shape", form) if form else None
        others = PasswordFingerprint.candidate_id != c.id
        answered = _fingerprint(key, "answer", f"{question.strip()}\x00{normalise_answer(answer)}")
        if not reasons:
            alike_answers = s.scalar(
                select(func.count()).where(
                    others,
                    PasswordFingerprint.kind == "answer",
                    PasswordFingerprint.value == answered,
                )
            )
            if (alike_answers or 0) >= SAME_ANSWER_LIMIT:
                reasons.append(
                    (
                        "uniform_answer",
                        "多名考生的验证问题和答案完全相同（疑似统一填写），请考生本人另选问题或答案",
                        "several candidates give this same question and answer",
                    )
                )
        if not reasons:
            same = s.scalar(
                select(func.count()).where(
                    others, PasswordFingerprint.kind == "exact", PasswordFingerprint.value == exact
                )
            )
            if same:
                reasons.append(
                    (
                        "same_as_other",
                        "本报名点已有考生使用相同的密码，请考生本人另设密码",
                        "another candidate uses this password",
                    )
                )
        if not reasons and shaped:
            alike = s.scalar(
                select(func.count()).where(
                    others, PasswordFingerprint.kind == "shape", PasswordFingerprint.value == shaped
                )
            )
            if (alike or 0) >= SAME_SHAPE_LIMIT:
                reasons.append(
                    (
                        "uniform_format",
                        "多名考生使用相同格式的密码（疑似统一设置），密码必须由考生本人自行设置",
                        "several candidates use passwords of this same format",
                    )
                )
        if reasons:
            # Counted and committed (the block ends normally), then refused below.
            _count_refusal(s, c, [r[0] for r in reasons])
        else:
            _store(s, ctx, c, password, question, answer, exact, shaped, answered)
    if reasons:
        raise PasswordRefused(reasons)


def _store(
    s: Session,
    ctx: Context,
    c: Candidate,
    password: str,
    question: str,
    answer: str,
    exact: str,
    shaped: str | None,
    answered: str,
) -> None:
    from station import records

    ph = hasher(ctx.settings.kdf)
    records.record_password_in(s, ctx, c, ph.hash(password))
    c.password_question = question.strip()[:100]
    c.password_answer_hash = ph.hash(normalise_answer(answer))
    s.execute(delete(PasswordFingerprint).where(PasswordFingerprint.candidate_id == c.id))
    s.add(PasswordFingerprint(candidate_id=c.id, kind="exact", value=exact))
    if shaped:
        s.add(PasswordFingerprint(candidate_id=c.id, kind="shape", value=shaped))
    s.add(PasswordFingerprint(candidate_id=c.id, kind="answer", value=answered))


def _count_refusal(s: Session, c: Candidate, codes: list[str]) -> None:
    for code in codes:
        row = s.get(PasswordRefusal, (c.school_code or "", code))
        if row is None:
            row = PasswordRefusal(school_code=c.school_code or "", reason=code, count=0)
            s.add(row)
        row.count += 1
    audit.append(
        s,
        "candidate",
        "candidate_password_refused",
        candidate_id=c.id,
        version=c.version,
        detail={"reasons": codes},
    )


def refusals_by_school(ctx: Context) -> dict[str, dict[str, int]]:
    """For the supervisor: refused attempts per school and reason (uniform passwords show)."""
    ctx.require(Permission.UNLOCK)
    with ctx.store.read() as s:
        out: dict[str, dict[str, int]] = {}
        for row in s.scalars(select(PasswordRefusal)):
            out.setdefault(row.school_code, {})[row.reason] = row.count
        return out
