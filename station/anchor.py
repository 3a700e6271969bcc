"""The audit chain's anchor (审计链锚点): its head, signed, kept outside the database.

The chain's own head row is inside the database, so whoever holds the database key can
delete the newest events and rewrite the head to match: the chain then verifies. The anchor
is the last (sequence, hash) the station saw, signed by the station's signing key and kept
in ``keyslots.json`` (and so in every backup, whose header carries that file); it only moves
forward. ``station audit verify`` checks the chain against it, and a cut below it is found.
What reached the county is checked there as well: every batch carries its audit segment,
and a batch whose segment does not continue the last one is refused.

The anchor is written at the end of every login and when the station is closed (logout, the
end of a command); events after the last anchor and before a kill are covered by the next.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session

from station import signing
from station.models import AuditEvent, ChainHead, Station

if TYPE_CHECKING:
    from station.audit import VerifyResult
    from station.auth import Context
    from station.keyslots import KeySlots

_DOMAIN = b"zk-audit-anchor/1"


@dataclass(frozen=True, slots=True)
class Anchor:
    seq: int
    hash: str
    signature: bytes


def message(station: str, seq: int, head_hash: str) -> bytes:
    return b"\0".join(
        [_DOMAIN, station.encode("ascii"), struct.pack(">Q", seq) + bytes.fromhex(head_hash)]
    )


def current(s: Session) -> Anchor | None:
    """The chain's head as the database has it, signed: what the slot file should hold."""
    head = s.get(ChainHead, 1)
    station = s.get(Station, 1)
    if head is None or station is None or head.seq == 0:
        return None
    key = Ed25519PrivateKey.from_private_bytes(station.signing_key)
    return Anchor(head.seq, head.hash, key.sign(message(station.code, head.seq, head.hash)))


def advance(slots: KeySlots, s: Session) -> bool:
    """Move the slot file's anchor to the chain's head; True if it changed. Never back, and
    not at all while the chain disagrees with it: that evidence stays until someone looks
    (``station audit verify``)."""
    held = slots.audit_anchor()
    if check(s, held) is not None:
        return False
    new = current(s)
    if new is None or (
        held is not None and new.seq == held.seq and new.signature == held.signature
    ):
        return False
    slots.set_audit_anchor(new)
    return True


@dataclass(frozen=True, slots=True)
class AnchorProblem:
    seq: int
    message_zh: str
    message_en: str


def check(s: Session, held: Anchor | None) -> AnchorProblem | None:
    """The chain in the database against the anchor held outside it; None if they agree."""
    if held is None:
        return None
    station = s.get(Station, 1)
    if station is None:
        return None
    signed = message(station.code, held.seq, held.hash)
    if not any(_verifies(k, held.signature, signed) for k in signing.signing_publics(s)):
        return AnchorProblem(
            held.seq,
            "密钥文件中的审计链锚点签名不符（被改动，或来自另一个报名点）",
            "the audit anchor in the key-slot file does not verify (edited, or another station's)",
        )
    event = s.get(AuditEvent, held.seq)
    if event is None:
        head = s.get(ChainHead, 1)
        last = head.seq if head else 0
        return AnchorProblem(
            held.seq,
            f"审计链被截短：锚点记录到第 {held.seq} 条，数据库只到第 {last} 条",
            f"the audit chain was cut: the anchor holds #{held.seq}, the database ends at #{last}",
        )
    if event.hash != held.hash:
        return AnchorProblem(
            held.seq,
            f"审计链第 {held.seq} 条与锚点不符（链尾被截断后重写）",
            f"audit event #{held.seq} differs from the anchor (the tail was cut and rewritten)",
        )
    return None


def verify_chain(ctx: Context) -> VerifyResult:
    """The audit chain, and the chain against its anchor: what ``audit verify``, the doctor
    and the desk (after an unclean stop) all check."""
    from station import audit
    from station.keyslots import KeySlots

    held = KeySlots(ctx.data_dir).load().audit_anchor()
    with ctx.store.read() as s:
        return audit.verify_anchored(s, held)


def _verifies(public: bytes, signature: bytes, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, data)
    except InvalidSignature:
        return False
    return True
