"""The station's signing key (签名密钥) and its hand-over to a new one (密钥交接).

The Ed25519 key signs every batch; the county trusts it because its fingerprint was read out
over the phone at registration. When someone who could read it leaves (an operator disabled,
whose old password still opens old copies of the database), the station makes a new key and
signs a hand-over with the old one: ``old public key ‖ signature``, over
:func:`handover_message`. Every batch carries the hand-over (``key_handover`` in the
manifest, docs/batch-format.md) until the county acknowledges one of them; the county checks
it against the key it holds, switches to the new key, and from then on refuses the old one.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from station import audit
from station.errors import UsageError
from station.models import Station, StationState
from station.roles import Permission

if TYPE_CHECKING:
    from station.auth import Context

HANDOVER_STATE = "signing_key_handover"
_HANDOVER_DOMAIN = b"zk-key-handover/1"


def handover_message(station: str, county: str, old_public: bytes, new_public: bytes) -> bytes:
    """What the old key signs: a domain tag, the station and county codes (ASCII), and both
    raw 32-byte public keys, separated by a zero byte."""
    return b"\0".join(
        [_HANDOVER_DOMAIN, station.encode("ascii"), county.encode("ascii"), old_public + new_public]
    )


@dataclass(frozen=True, slots=True)
class Handover:
    old_public: bytes
    new_public: bytes
    signature: bytes
    #: The first batch that carried it (None until one is written): a receipt for it, or
    #: for any later batch, means the county holds the new key.
    first_sequence: int | None


def public_of(private_raw: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private_raw).public_key().public_bytes_raw()


def signing_publics(s: Session) -> list[bytes]:
    """The station's signing key, then the one it is handing over from (while a hand-over is
    pending): what verifies what this station signed."""
    station = s.get(Station, 1)
    assert station is not None
    handover = pending_handover(s)
    current = public_of(station.signing_key)
    return [current] if handover is None else [current, handover.old_public]


def pending_handover(s: Session) -> Handover | None:
    row = s.get(StationState, HANDOVER_STATE)
    if row is None:
        return None
    packed, _, first = row.value.partition(":")
    raw = base64.b64decode(packed)
    station = s.get(Station, 1)
    assert station is not None
    return Handover(
        raw[:32], public_of(station.signing_key), raw[32:], int(first) if first else None
    )


def _store(s: Session, handover: Handover) -> None:
    packed = base64.b64encode(handover.old_public + handover.signature).decode("ascii")
    first = "" if handover.first_sequence is None else str(handover.first_sequence)
    s.merge(StationState(name=HANDOVER_STATE, value=f"{packed}:{first}"))


def carried_from(s: Session, sequence: int) -> None:
    """Batch ``sequence`` carries the pending hand-over (the first one to, if none has yet)."""
    handover = pending_handover(s)
    if handover is not None and handover.first_sequence is None:
        _store(
            s,
            Handover(handover.old_public, handover.new_public, handover.signature, sequence),
        )


def acknowledged(s: Session, sequence: int) -> bool:
    """The county acknowledged batch ``sequence``: True if that ends a pending hand-over."""
    handover = pending_handover(s)
    if handover is None or handover.first_sequence is None or sequence < handover.first_sequence:
        return False
    s.delete(s.get(StationState, HANDOVER_STATE))
    return True


def check_can_rotate(s: Session) -> None:
    if pending_handover(s) is not None:
        raise UsageError(
            "上一次更换的签名密钥尚未被县区确认：请先导出批次并导入县区回执，再更换",
            "the last signing-key hand-over has not reached the county yet: export a "
            "batch and import its receipt first",
        )


def rotate_signing_key(ctx: Context, reason: str) -> Handover:
    """A new signing key, handed over by the old one. An admin's act; refused while an
    earlier hand-over has not reached the county (the county holds only one key)."""
    ctx.require(Permission.MANAGE_KEYS)
    with ctx.store.session() as s:
        check_can_rotate(s)
        station = s.get(Station, 1)
        assert station is not None
        old = Ed25519PrivateKey.from_private_bytes(station.signing_key)
        new = Ed25519PrivateKey.generate()
        old_public = old.public_key().public_bytes_raw()
        new_public = new.public_key().public_bytes_raw()
        signature = old.sign(
            handover_message(station.code, station.county_code, old_public, new_public)
        )
        station.signing_key = new.private_bytes_raw()
        handover = Handover(old_public, new_public, signature, None)
        _store(s, handover)
        audit.append(
            s,
            ctx.operator.login,
            "signing_key_rotated",
            reason=reason,
            detail={"old": old_public.hex()[:16], "new": new_public.hex()[:16]},
        )
    return handover
