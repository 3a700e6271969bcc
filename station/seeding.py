"""Synthetic demo candidates (演示数据) for the demo station, tests and benchmarks.

Every seeded record is flagged ``is_demo``, carries 演示 in its school and address, a valid
*synthetic* ID number (real division code and check digit, invented birth and sequence) and
the placeholder portrait, and is moved through the real lifecycle to the state asked for.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import random
from collections.abc import Callable, Iterator
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import select

from station import codes, idnumber, records
from station.auth import Context
from station.errors import UsageError
from station.lifecycle import Action, Facts, State
from station.models import Candidate
from station.photo.stored import PhotoInput, placeholder_jpeg
from station.validation import Category

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英文华建国志红玉梅雪晨浩宇子涵欣怡梓轩一诺思远雨桐佳琪博文嘉怡俊杰明轩雅婷天佑若曦"
# A few names of the kind the store must keep exactly: minority names with the middle dot,
# and characters beyond the Basic Multilingual Plane (CJK Extension B).
SPECIAL_NAMES = ["阿依古丽·买买提", "𠮷田明", "王𪚥", "巴特尔·其木格"]
ORDER = [
    State.DRAFT,
    State.READY,
    State.CONFIRMED,
    State.SIGNED,
    State.EXPORTED,
    State.ACKNOWLEDGED,
    State.APPROVED,
]
SEEDABLE = [s.value for s in State]
CHUNK = 200
HOME_PROVINCE = "41"  # the demo station is in Henan (河南省)
# Cheap on purpose: demo passwords are random and never used; real ones use the station KDF.
_DEMO_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _ages(category: Category, ref: dt.date) -> tuple[dt.date, dt.date]:
    span = {Category.FRESH: (14, 16), Category.PREVIOUS: (16, 18), Category.SOCIAL: (18, 25)}
    lo, hi = span[category]
    return dt.date(ref.year - hi - 1, ref.month, 2), dt.date(ref.year - lo, ref.month, 1)


@functools.cache
def _home_counties() -> list[codes.Division]:
    return [d for d in codes.county_divisions() if d.code.startswith(HOME_PROVINCE)]


def synthetic_record(rng: random.Random, ref: dt.date, used: set[str]) -> dict[str, Any]:
    # Most candidates were born in the province; a few (随迁子女) elsewhere in the country.
    pool = _home_counties() if rng.random() < 0.95 else codes.county_divisions()
    county = rng.choice(pool)
    category = rng.choices(list(Category), weights=(80, 12, 8))[0]
    earliest, latest = _ages(category, ref)
    while True:
        birth = earliest + dt.timedelta(days=rng.randrange((latest - earliest).days))
        gender = rng.choice("12")
        seq = rng.randrange(0, 500) * 2 + (1 if gender == "1" else 0)
        number = idnumber.make(county.code, birth, seq)
        if number not in used:
            used.add(number)
            break
    if rng.random() < 0.01:
        name = rng.choice(SPECIAL_NAMES)
    else:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    school_no = rng.randrange(1, 30)
    minor = (ref - birth).days < 18 * 365.25
    record: dict[str, Any] = {
        "name": name,
        "document_type": "resident_id",
        "id_number": number,
        "gender": gender,
        "birth_date": birth,
        "ethnicity": rng.choices(["01", "03", "02", "11"], weights=(95, 3, 1, 1))[0],
        "political_status": rng.choice(["03", "13"]),
        "household_division": county.code,
        "category": category.value,
        "school_code": f"{county.code}{school_no:03d}" if category is not Category.SOCIAL else "",
        "school_name": f"演示第{school_no}中学" if category is not Category.SOCIAL else "",
        "student_number": f"G{number}" if category is Category.FRESH else "",
        "home_address": f"演示数据，非真实地址：{county.name}示例路{rng.randrange(1, 300)}号",
        "phone": "1" + rng.choice("3456789") + f"{rng.randrange(10**9):09d}",
        "allocation_applied": category is Category.FRESH and rng.random() < 0.1,
        "allocation_basis": "",
    }
    if record["allocation_applied"]:
        record["allocation_basis"] = "演示：本校连续三年在籍"
    if minor or rng.random() < 0.5:
        record |= {
            "guardian_name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            "guardian_relation": rng.choice(["父亲", "母亲"]),
            "guardian_phone": "1" + rng.choice("3456789") + f"{rng.randrange(10**9):09d}",
        }
    return record


def _advance(s: Any, ctx: Context, c: Candidate, target: State, serial: int) -> None:
    if target is State.DRAFT:
        return
    order = ORDER if target is not State.REJECTED else [*ORDER[:6], State.REJECTED]
    for state in order[order.index(State(c.state)) + 1 : order.index(target) + 1]:
        if state is State.READY:
            continue  # reached by saving with the photo (see records.settle_ready_in)
        if state is State.CONFIRMED:
            records.record_review_in(s, ctx, c)
            records.record_password_in(s, ctx, c, _DEMO_HASHER.hash(os.urandom(12).hex()))
            records.record_printed_in(s, ctx, c)
            records.transition_in(s, ctx, c, Action.CONFIRM)
        elif state is State.SIGNED:
            records.sign_in(s, ctx, c, f"演示-盒{serial // 100 + 1:03d}-页{serial % 100 + 1:02d}")
        elif state is State.EXPORTED:
            records.transition_in(s, ctx, c, Action.EXPORT)
        elif state is State.ACKNOWLEDGED:
            records.transition_in(s, ctx, c, Action.ACKNOWLEDGE, facts=_demo_county(s, ctx, c))
        elif state is State.APPROVED:
            records.transition_in(s, ctx, c, Action.APPROVE, facts=_demo_county(s, ctx, c))
        elif state is State.REJECTED:
            records.transition_in(
                s,
                ctx,
                c,
                Action.REJECT,
                reason="演示：学籍信息待核实",
                facts=_demo_county(s, ctx, c),
            )


def _demo_county(s: Any, ctx: Context, c: Candidate) -> Facts:
    # Demo data stands in for the county's signed answers, which the sync side verifies.
    return records.facts_of(s, ctx, c, county_verified=True)


def seed(
    ctx: Context,
    count: int,
    state: str = State.SIGNED.value,
    *,
    rng_seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[int]:
    """Create ``count`` demo candidates in ``state``; commits every few hundred records."""
    if count < 0:
        raise UsageError("数量不能为负", "count must not be negative")
    if state not in SEEDABLE:
        raise UsageError(f"未知状态 {state}，可用：{', '.join(SEEDABLE)}", f"unknown state {state}")
    target = State(state)
    rng = random.Random(rng_seed)
    ref = ctx.settings.policy().reference_date()
    photo = PhotoInput(placeholder_jpeg(), "demo", quality_ok=True)
    with ctx.store.session() as s:
        used = set(s.scalars(select(Candidate.id_number)))
    ids: list[int] = []
    for chunk in _chunks(count, CHUNK):
        with ctx.store.session() as s:
            for _ in range(chunk):
                raw = synthetic_record(rng, ref, used)
                with_photo = photo if target is not State.DRAFT else None
                c = records.create_in(s, ctx, raw, with_photo, is_demo=True, source="seed")
                _advance(s, ctx, c, target, len(ids))
                ids.append(c.id)
        if progress:
            progress(len(ids), count)
    return ids


def _chunks(total: int, size: int) -> Iterator[int]:
    while total > 0:
        yield min(size, total)
        total -= size
