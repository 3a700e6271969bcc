"""Unsaved edits (未保存的录入): the record being typed at the desk, kept in the encrypted store
every few seconds, so that a power cut or a crash loses at most those seconds. After an
unclean stop the desk offers them back; a save or a deliberate close discards them.

One per operator login, in ``station_state`` (the store is encrypted: the values are
personal data and never touch the disk in the clear).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from station import database
from station.auth import Context

_PREFIX = "unsaved_form:"


@dataclass(frozen=True, slots=True)
class Unsaved:
    candidate_id: int | None  # None: a new record
    values: dict[str, Any]
    at: dt.datetime  # local time, when kept


def _name(ctx: Context) -> str:
    return _PREFIX + ctx.operator.login


def keep(ctx: Context, candidate_id: int | None, values: dict[str, Any]) -> None:
    text = json.dumps(
        {"candidate_id": candidate_id, "values": values, "at": dt.datetime.now().isoformat()},
        ensure_ascii=False,
        default=str,
    )
    database.set_state(ctx.store, _name(ctx), text)


def take(ctx: Context) -> Unsaved | None:
    """The kept edits of this operator, if a session ended without saving or closing them."""
    text = database.get_state(ctx.store, _name(ctx))
    if not text:
        return None
    try:
        doc = json.loads(text)
        return Unsaved(
            doc["candidate_id"], dict(doc["values"]), dt.datetime.fromisoformat(doc["at"])
        )
    except (ValueError, KeyError, TypeError):
        clear(ctx)  # unreadable: nothing to offer
        return None


def clear(ctx: Context) -> None:
    database.set_state(ctx.store, _name(ctx), "")
