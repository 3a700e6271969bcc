"""A demo ID-card reader (演示读卡器): synthetic sample cards, no hardware.

The cards are obviously not real: every name begins with 演示, every address is on 演示路, and
the ID numbers are synthetic (built with :func:`station.idnumber.make` on Henan county codes
from the shipped GB/T 2260 table). Holders are about 15, like 中考 candidates; cards of people
under 16 are valid for five years. One card is expired, so the demo shows the refusal.

Each card goes through the real encoder and parser, so the demo exercises the same checks a
card from a serial reader does. Deterministic: the same ``today`` gives the same cards, in
the same order, cycling on each :meth:`DemoReader.read_card`.
"""

from __future__ import annotations

import datetime as dt

from station import codes, idnumber
from station.idcard.reader import ReaderUnavailable
from station.idcard.textblock import PHOTO_SIZE, CardData, encode_card, parse_text_block

# Opaque stand-in for the WLT photo: the right size, clearly marked.
DEMO_PHOTO = (b"DEMO-WLT" + bytes(PHOTO_SIZE))[:PHOTO_SIZE]

# name, ID sequence (odd = male), GB/T 3304 ethnicity code, expired?
_PEOPLE: tuple[tuple[str, int, str, bool], ...] = (
    ("演示考生甲", 11, "01", False),
    ("演示·阿依古丽", 22, "05", False),  # minority names use the middle dot
    ("演示考生丙", 36, "03", False),
    ("演示过期证", 47, "01", True),
)
VALID_YEARS_UNDER_16 = 5  # 居民身份证法: under 16, the card is valid for five years


def demo_cards(today: dt.date) -> list[CardData]:
    """The sample cards as of ``today`` (not checked: the last one is expired on purpose)."""
    # The demo station is in Henan; its sample cards are of people born there.
    counties = [d for d in codes.county_divisions() if d.code.startswith("41")]
    table = codes.divisions()
    cards: list[CardData] = []
    for i, (name, sequence, ethnicity_code, expired) in enumerate(_PEOPLE):
        county = counties[(3 + 41 * i) % len(counties)]
        birth = dt.date(today.year - 15, 1 + (4 * i + 2) % 12, 3 + 6 * i)
        if expired:
            valid_from = _add_years(today, -(VALID_YEARS_UNDER_16 + 1))
        else:
            valid_from = today - dt.timedelta(days=200 + 90 * i)
        parent = table.get(county.parent) if county.parent else None
        cards.append(
            CardData(
                name=name,
                gender="1" if sequence % 2 else "2",
                ethnicity_code=ethnicity_code,
                ethnicity=codes.ethnicities().name_of(ethnicity_code) or "",
                birth_date=birth,
                address=f"{codes.division_full_name(county.code)}演示路{10 + i}号",
                id_number=idnumber.make(county.code, birth, sequence),
                authority=_authority(county.name, parent.name if parent else ""),
                valid_from=valid_from,
                valid_to=_add_years(valid_from, VALID_YEARS_UNDER_16),
                photo=DEMO_PHOTO,
            )
        )
    return cards


class DemoReader:
    """A :class:`~station.idcard.reader.Reader` that hands out the demo cards in turn."""

    def __init__(self, today: dt.date | None = None) -> None:
        self._today = today
        self._next = 0
        self._closed = False

    def read_card(self, timeout: float = 0.0) -> CardData:
        """The next demo card, checked like a real one (the expired one raises CardExpired)."""
        if self._closed:
            raise ReaderUnavailable("closed", "演示读卡器已关闭", "the demo reader has been closed")
        today = self._today or dt.date.today()
        cards = demo_cards(today)
        card = cards[self._next % len(cards)]
        self._next += 1
        return parse_text_block(encode_card(card), photo=card.photo, today=today)

    def close(self) -> None:
        self._closed = True


def _authority(county: str, prefecture: str) -> str:
    # Districts are served by a branch of the city bureau, counties by their own bureau.
    if county.endswith("区") and prefecture:
        name = f"{prefecture}公安局{county.removesuffix('区')}分局"
        if len(name) <= 15:  # the field holds 15 characters
            return name
    return f"{county}公安局"


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)
