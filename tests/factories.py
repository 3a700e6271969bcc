"""Test data builders shared by the test modules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from station import idnumber
from station.passwords import FINGERPRINT_COST
from station.settings import KDF_FLOOR, KdfParams, Settings

ADMIN = ("admin", "admin-password-1")
SUPERVISOR = ("shenhe", "supervisor-password-1")
OPERATOR = ("caiji", "operator-password-1")

#: The product's own cost of a password fingerprint, read before tests/conftest.py lowers it.
PRODUCT_FINGERPRINT_COST = FINGERPRINT_COST

# Argon2 at a cost that keeps the suite fast; production cost is the Settings default.
FAST_KDF = KdfParams(time_cost=1, memory_cost=256, parallelism=1)


def fast_settings(**overrides: Any) -> Settings:
    """For stations used in this process only (tests/conftest.py lowers the floor here)."""
    return Settings(kdf=FAST_KDF, age_reference_date="2027-06-01", **overrides)


def cli_settings(**overrides: Any) -> Settings:
    """For stations a CLI subprocess opens: the cheapest Argon2 the product accepts."""
    return Settings(kdf=KDF_FLOOR, age_reference_date="2027-06-01", **overrides)


VALID_ID = idnumber.make("410105", dt.date(2012, 3, 15), 1)  # male


def valid_record(**overrides: Any) -> dict[str, Any]:
    """A complete, valid fresh candidate (born 2012, Zhengzhou Jinshui)."""
    record: dict[str, Any] = {
        "name": "张三",
        "document_type": "resident_id",
        "id_number": VALID_ID,
        "ethnicity": "01",
        "political_status": "03",
        "household_division": "410105",
        "category": "fresh",
        "school_code": "410105001",
        "school_name": "郑州市第一初级中学",
        "student_number": "G" + VALID_ID,
        "home_address": "河南省郑州市金水区花园路 1 号",
        "phone": "13800138000",
        "guardian_name": "张大山",
        "guardian_relation": "父亲",
        "guardian_phone": "13900139000",
        "allocation_applied": "否",
    }
    record.update(overrides)
    return record


TODAY = dt.date(2026, 11, 29)


def synthetic_id(i: int, sequence: int = 11) -> str:
    """The i-th distinct valid ID number of a 2011-born candidate (fresh, plausible age)."""
    return idnumber.make("410105", dt.date(2011, 1, 1) + dt.timedelta(days=i), sequence)


def record_for(i: int, **overrides: Any) -> dict[str, Any]:
    number = synthetic_id(i)
    return valid_record(id_number=number, student_number="G" + number, **overrides)


def record_of_card(card: Any, n: int) -> dict[str, Any]:
    """A roster's record of the person on ``card`` (an ID card read by a reader)."""
    record = record_for(n)
    record.update(
        name=card.name,
        id_number=card.id_number,
        gender=card.gender,
        birth_date=card.birth_date,
        ethnicity=card.ethnicity_code,
    )
    return record
