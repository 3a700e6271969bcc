"""Code tables (代码表) loaded from ``resources/codes``: ethnicity, political status, gender,
provinces and administrative divisions. The tables are data with their sources named in
``resources/codes/SOURCES.md``; this module only reads them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from station.resources import resource_path


@dataclass(frozen=True, slots=True)
class Division:
    """One GB/T 2260 administrative division (行政区划)."""

    code: str
    name: str
    level: str  # province | prefecture | county
    parent: str | None


class CodeTable:
    """An ordered code → name table with look-up both ways."""

    def __init__(self, name: str, rows: list[tuple[str, str]]) -> None:
        self.name = name
        self._by_code = dict(rows)
        self._by_name = {n: c for c, n in rows}

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self._by_code)

    def items(self) -> list[tuple[str, str]]:
        return list(self._by_code.items())

    def name_of(self, code: str) -> str | None:
        return self._by_code.get(code)

    def code_of(self, name: str) -> str | None:
        return self._by_name.get(name)

    def resolve(self, value: str) -> str | None:
        """A code from either a code or a name (rosters carry either)."""
        value = value.strip()
        if value in self._by_code:
            return value
        if value.isdigit() and len(value) == 1 and ("0" + value) in self._by_code:
            return "0" + value  # Excel drops the leading zero of "01"
        return self._by_name.get(value)


def _read_rows(filename: str) -> list[dict[str, str]]:
    with resource_path("codes", filename).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@cache
def ethnicities() -> CodeTable:
    """GB/T 3304 民族."""
    return CodeTable("ethnicity", [(r["code"], r["name"]) for r in _read_rows("ethnicity.csv")])


@cache
def political_statuses() -> CodeTable:
    """GB/T 4762 政治面貌."""
    rows = _read_rows("political_status.csv")
    return CodeTable("political_status", [(r["code"], r["name"]) for r in rows])


@cache
def genders() -> CodeTable:
    """GB/T 2261.1 性别."""
    return CodeTable("gender", [(r["code"], r["name"]) for r in _read_rows("gender.csv")])


@cache
def provinces() -> CodeTable:
    """GB/T 2260 province-level codes (6 digits, ``xx0000``)."""
    return CodeTable("province", [(r["code"], r["name"]) for r in _read_rows("provinces.csv")])


@cache
def divisions() -> dict[str, Division]:
    """Every GB/T 2260 division in use today, province to county, the whole country."""
    out: dict[str, Division] = {}
    for r in _read_rows("divisions.csv"):
        out[r["code"]] = Division(r["code"], r["name"], r["level"], r["parent"] or None)
    return out


@dataclass(frozen=True, slots=True)
class FormerDivision:
    """A code and name no longer in use (撤销或变更的行政区划代码), with the years it was in use
    (``end`` exclusive) and the codes that took over its area."""

    code: str
    name: str
    level: str
    full_name: str
    start: int
    end: int
    successors: tuple[str, ...]


@cache
def former_divisions() -> dict[str, list[FormerDivision]]:
    """Codes since 1981 that were abolished or changed meaning, by code (a code may have been
    used for two places in turn: 419001 was 义马市 before it was 济源市)."""
    out: dict[str, list[FormerDivision]] = {}
    for r in _read_rows("divisions_history.csv"):
        # The name as the ID would have read then: province, prefecture (none for 直辖), name.
        above = {"province": "", "prefecture": r["province"]}.get(
            r["level"], r["province"] + r["prefecture"]
        )
        full = above + r["name"]
        out.setdefault(r["code"], []).append(
            FormerDivision(
                r["code"],
                r["name"],
                r["level"],
                full,
                int(r["start"]),
                int(r["end"]),
                tuple(c for c in r["successors"].split(";") if c),
            )
        )
    return out


def current_successors(code: str) -> list[str]:
    """The codes in use today that took over a former code's area, following the chain
    through codes abolished in turn (410321 偃师县 → 410381 偃师市 → 410307 偃师区)."""
    table, former = divisions(), former_divisions()
    found: list[str] = []
    seen = {code}
    todo = list(former[code][-1].successors) if code in former else []
    while todo:
        nxt = todo.pop(0)
        if nxt in seen:
            continue
        seen.add(nxt)
        if nxt in table:
            found.append(nxt)
        elif nxt in former:
            todo.extend(former[nxt][-1].successors)
    return found


def known_ever(code: str) -> bool:
    """Whether ``code`` is or was a division code (any level) since 1981: what the first six
    digits of a resident ID number may carry."""
    return code in divisions() or code in former_divisions()


def is_smallest_unit(division: Division) -> bool:
    """A county, or a prefecture-level city with no county under it (东莞市 441900, 中山市
    442000, 嘉峪关市 620200, 儋州市 460400): what a 户籍所在地 names."""
    if division.level == "county":
        return True
    return division.level == "prefecture" and division.code not in _prefectures_with_counties()


@cache
def _prefectures_with_counties() -> frozenset[str]:
    return frozenset(d.parent for d in divisions().values() if d.level == "county" and d.parent)


def division_full_name(code: str) -> str | None:
    """``410105`` → ``河南省郑州市金水区``; None when the code is not shipped."""
    table = divisions()
    parts: list[str] = []
    current = table.get(code)
    while current is not None:
        parts.append(current.name)
        current = table.get(current.parent) if current.parent else None
    return "".join(reversed(parts)) or None


def county_divisions() -> list[Division]:
    """The divisions a 户籍所在地 may name (see :func:`is_smallest_unit`), in code order."""
    return [d for d in divisions().values() if is_smallest_unit(d)]
