"""What a record looks like to its callers (考生记录的呈现): its values, the canonical form a
version's digest covers, the summaries the lists and the CLI show, what a change returns.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from station import idnumber
from station.audit import canonical_json
from station.models import Candidate
from station.records.finding import CandidateRow
from station.validation import RECORD_FIELDS


def record_values(c: Candidate) -> dict[str, Any]:
    return {name: getattr(c, name) for name in RECORD_FIELDS}


def canonical_record(c: Candidate, photo_sha256: str | None) -> dict[str, Any]:
    """The canonical form of a record version: what its digest covers (form QR, county)."""
    values = record_values(c)
    values["birth_date"] = c.birth_date.isoformat()
    return {
        "format": 1,
        "registration_no": c.registration_no,
        "version": c.version,
        "record": values,
        "photo_sha256": photo_sha256,
    }


def digest_of(canonical: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(canonical).encode("utf-8")).hexdigest()


def summary(c: Candidate | CandidateRow, masked: bool = True) -> dict[str, Any]:
    """What the queue and ``candidate list`` show (of a candidate, or of a search's row)."""
    return {
        "id": c.id,
        "registration_no": c.registration_no,
        "state": c.state,
        "version": c.version,
        "name": c.name,
        "id_number": idnumber.mask(c.id_number) if masked else c.id_number,
        "category": c.category,
        "school_code": c.school_code,
        "school_name": c.school_name,
        "has_photo": c.photo_id is not None,
        "is_demo": c.is_demo,
        "updated_at": c.updated_at.isoformat(timespec="seconds"),
    }


def detail(c: Candidate) -> dict[str, Any]:
    out = summary(c, masked=False)
    values = record_values(c)
    values["birth_date"] = c.birth_date.isoformat()
    out["record"] = values
    out["archive_ref"] = c.archive_ref
    out["state_reason"] = c.state_reason
    out["created_at"] = c.created_at.isoformat(timespec="seconds")
    out["created_by"] = c.created_by
    out["updated_by"] = c.updated_by
    return out


@dataclass(frozen=True, slots=True)
class Saved:
    """What a change returns: the record as it now is, and the validation's warnings (a
    new record's; empty for the others)."""

    id: int
    registration_no: str
    state: str
    version: int
    warnings: list[Any]


def card_fields_of(c: Candidate) -> list[str]:
    """The fields of this record read from the ID card (read-only until released)."""
    return [f for f in (c.card_fields or "").split(",") if f]
