"""报名号 (registration number): generated from a configurable template, unique per station.

Default ``{yy}{county}{station}{serial:04d}``: 2-digit exam year, 6-digit county code,
2-digit station number, 4-digit serial, e.g. ``27410105010001``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import string
from collections.abc import Iterable
from typing import NamedTuple, Protocol

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from station.database import expire_held, held_for_statement
from station.errors import StationError, UsageError
from station.models import Counter, Station
from station.prepared import Prepared

COUNTER = "registration_no"
_FIELDS = {"yy", "yyyy", "county", "station", "serial"}


def check_template(template: str) -> None:
    names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    if "serial" not in names or not names <= _FIELDS:
        raise UsageError(
            f"报名号模板 {template!r} 无效：须含 {{serial}}，只能用 {sorted(_FIELDS)}",
            f"bad template {template!r}: needs {{serial}} and only {sorted(_FIELDS)}",
        )


def exam_year(today: dt.date) -> int:
    return today.year + 1 if today.month >= 7 else today.year


class StationCode(Protocol):
    """What a number needs of the station: its ``Station`` or a row of these two columns."""

    @property
    def county_code(self) -> str: ...

    @property
    def number(self) -> int: ...


class _StationRow(NamedTuple):
    county_code: str
    number: int


def render(template: str, station: StationCode, serial: int, today: dt.date) -> str:
    year = exam_year(today)
    return template.format(
        yy=f"{year % 100:02d}",
        yyyy=str(year),
        county=station.county_code,
        station=f"{station.number:02d}",
        serial=serial,
    )


def serial_width(template: str) -> int | None:
    for _, name, spec, _ in string.Formatter().parse(template):
        if name == "serial" and spec and spec.endswith("d") and spec[:-1].lstrip("0").isdigit():
            return int(spec[:-1].lstrip("0"))
    return None


@functools.lru_cache(maxsize=16)
def _checked_width(template: str) -> int | None:
    """:func:`check_template`, then :func:`serial_width`: once per template (a save asks)."""
    check_template(template)
    return serial_width(template)


def next_number(session: Session, template: str, today: dt.date | None = None) -> str:
    """Take the next serial in the caller's transaction and render the number."""
    return next_numbers(session, template, 1, today)[0]


# Built once and run on the driver (station/prepared.py): a save takes a number.
_STATION = Prepared(select(Station.county_code, Station.number).where(Station.id == 1))
_TAKE = Prepared(
    update(Counter)
    .where(Counter.name == COUNTER)
    .values(value=Counter.value + bindparam("count"))
    .returning(Counter.value)
)
_FIRST = Prepared(insert(Counter).values(name=COUNTER, value=bindparam("count")))
_GIVE_BACK = Prepared(
    update(Counter).where(Counter.name == COUNTER).values(value=Counter.value - bindparam("count"))
)


def next_numbers(
    session: Session, template: str, count: int, today: dt.date | None = None
) -> list[str]:
    """Take ``count`` consecutive serials at once (a roster import numbers a chunk together).

    With plain statements on the caller's connection (a save takes one number, and the ORM's
    look-ups and flush of the station and counter rows were a fifth of its time)."""
    width = _checked_width(template)
    connection = session.connection()
    found = _STATION.run(connection)
    assert found, "station row missing"
    station = _StationRow(*found[0])
    limit = 10**width if width is not None else None
    held = held_for_statement(session, Counter, COUNTER)
    taken = _TAKE.run(connection, {"count": count})
    if taken:
        last = taken[0][0]
    else:  # the first number this station gives out
        last = count
        _FIRST.run(connection, {"count": count})
    if limit is not None and last >= limit:
        # Taken back: the caller may go on in this transaction (a roster import reports it).
        _GIVE_BACK.run(connection, {"count": count})
        raise StationError(
            f"报名号流水号已用完（{width} 位），请联系县区调整报名号模板",
            f"the {width}-digit serial is exhausted",
        )
    expire_held(session, held, "value")
    day = today or dt.date.today()
    return [render(template, station, serial, day) for serial in range(last - count + 1, last + 1)]


def serial_of(template: str, station: Station, number: str) -> int | None:
    """The serial inside a number this station's template made (any exam year), else None."""
    pattern = ""
    for literal, name, _spec, _ in string.Formatter().parse(template):
        pattern += re.escape(literal)
        if name == "serial":
            pattern += r"(?P<serial>\d+)"
        elif name in ("yy", "yyyy"):
            pattern += rf"\d{{{len(name)}}}"
        elif name == "county":
            pattern += re.escape(station.county_code)
        elif name == "station":
            pattern += re.escape(f"{station.number:02d}")
    match = re.fullmatch(pattern, number)
    return int(match["serial"]) if match else None


def skip_past(session: Session, template: str, numbers: Iterable[str]) -> int:
    """Move the serial counter past every one of ``numbers`` (held elsewhere, such as by the
    county after a restore), so that no number is given out twice. Returns the counter."""
    station = session.get(Station, 1)
    assert station is not None, "station row missing"
    serials = [s for s in (serial_of(template, station, n) for n in numbers) if s is not None]
    counter = session.get(Counter, COUNTER)
    if counter is None:
        counter = Counter(name=COUNTER, value=0)
        session.add(counter)
    counter.value = max([counter.value, *serials])
    return counter.value
