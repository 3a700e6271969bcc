"""Near duplicates among stored photos (照片查重): every stored photo (but the demo
placeholder) gets a perceptual hash; a new photo that nearly matches the current photo of
*another* candidate is flagged: one person registering twice, or one photo reused. A flagged
photo does not count as a good photo until a supervisor has looked and cleared it
(:mod:`station.photo.review`).

OpenCV is imported only when a photo is actually hashed, so that the CLI's other commands
and the queue never pay for it.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from station import audit
from station.auth import Context
from station.models import Candidate, Photo
from station.photo.stored import PhotoInput
from station.prepared import Prepared

# Built once (each save runs it): the photos stored since the index last looked.
_SINCE = Prepared(
    select(Photo.id, Photo.candidate_id, Photo.phash)
    .where(Photo.id > bindparam("after"), Photo.phash != "")
    .order_by(Photo.id)
)
#: Set in a session's ``info`` once it has written a photo (station/records/saving.py).
WROTE_PHOTOS = "wrote_photos"
_REMEMBERED = 1024  # hashes of the last photos hashed, by their SHA-256
_remembered: OrderedDict[bytes, str] = OrderedDict()
_remembering = threading.Lock()


def photo_hash(jpeg: bytes, sha256: str | None = None) -> str:
    """The photo's perceptual hash (:func:`station.photo.phash.perceptual_hash`). The last
    photos hashed are remembered by their SHA-256 (``sha256``: the caller's, in hex), so that
    the same bytes are not decoded twice (the desk hashes a photo when it is accepted, seeding
    each portrait before its save)."""
    from station.photo.phash import perceptual_hash

    digest = bytes.fromhex(sha256) if sha256 is not None else hashlib.sha256(jpeg).digest()
    with _remembering:
        known = _remembered.get(digest)
    if known is not None:
        return known
    value = perceptual_hash(jpeg)
    with _remembering:
        _remembered[digest] = value
        while len(_remembered) > _REMEMBERED:
            _remembered.popitem(last=False)
    return value


def prepare(ctx: Context, photo: PhotoInput) -> None:
    """A photo's part of its save, done ahead (the desk, off the GUI thread, as soon as the
    photo is accepted and while the operator goes on typing): its hash, and its comparison
    with every photo stored so far. The save then compares it only with the photos stored
    since, and finds its hash made."""
    if photo.source == "demo":
        return
    from station.photo.phash import NEAR_DUPLICATE

    value = int(photo_hash(photo.jpeg), 16)
    index = _index(ctx)
    with ctx.store.read() as s:
        index.refresh(s)
    index.scan_ahead(value, NEAR_DUPLICATE)


_AHEAD = 256  # photos compared ahead and not saved yet, remembered (the newest)


@dataclass(slots=True)
class _HashIndex:
    """The latest hashed photo of every candidate, kept per open store and topped up with
    what other processes stored since (photo ids only grow). Saves and the warm-up after a
    login use it from different threads: ``lock`` keeps them apart."""

    last_photo_id: int = 0
    by_candidate: dict[int, tuple[int, int]] = field(default_factory=dict)  # cand -> (photo, hash)
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrays: Any = None  # (candidate ids, hashes) as numpy arrays; None: to be built again
    filled: int = 0  # how much of the arrays holds hashes (the rest is room to grow)
    added: list[tuple[int, int]] = field(default_factory=list)  # new since the arrays
    generation: int = 0  # one more each time the arrays are built anew in another order
    # hash -> (generation, how many were compared, limit, matches): see scan_ahead
    ahead: OrderedDict[int, tuple[int, int, int, list[tuple[int, int]]]] = field(
        default_factory=OrderedDict
    )

    def refresh(self, s: Session) -> None:
        """Take in the photos committed since the last look. A save looks before it writes
        its own photo (not committed yet, it may still be rolled back and its id reused).
        Writers are serialised (BEGIN IMMEDIATE), so every row this session sees is
        committed, unless the session wrote it itself (a bulk job's earlier records): should
        such a session roll back, the index forgets everything (:meth:`forget`), since what
        it took in may be gone and its ids given again (a desk's save, which looks before it
        writes, never does). Read from the covering index
        ``ix_photos_phash_cover``, never from the photos' rows; a plain statement, so no
        flush of the caller's pending objects."""
        with self.lock:
            before = self.last_photo_id
            self.take_in(_SINCE.run(s.connection(), {"after": before}))
            took = self.last_photo_id != before
        if took and s.info.get(WROTE_PHOTOS):
            forgets = s.info.setdefault("after_rollback", [])
            if self.forget not in forgets:
                forgets.append(self.forget)

    def forget(self) -> None:
        """Hold nothing: the next look reads every hash again (a session that took in its
        own photos rolled back; rare, and 0.5 s at 50,000)."""
        with self.lock:
            self.last_photo_id = 0
            self.by_candidate.clear()
            self.arrays, self.filled = None, 0
            self.added.clear()
            self.generation += 1
            self.ahead.clear()

    def take_in(self, rows: Iterable[tuple[int, int, str]]) -> None:
        """Photos ``(id, candidate id, hash)`` stored since the last look, in id order; under
        ``lock``."""
        for photo_id, candidate_id, phash in rows:
            if candidate_id in self.by_candidate:
                self.arrays = None  # a photo replaced: built again from the dict
                self.generation += 1  # and what was compared ahead no longer holds
            else:
                self.added.append((candidate_id, int(phash, 16)))
            self.by_candidate[candidate_id] = (photo_id, int(phash, 16))
            self.last_photo_id = photo_id

    def near(self, value: int, exclude: int, limit: int) -> list[tuple[int, int]]:
        """``(candidate, distance)`` within ``limit`` bits of ``value``, nearest first: one XOR
        and popcount over all hashes at once (0.2 ms at 50,000, against 50 ms in Python), or
        over those added since the same hash was compared ahead (:meth:`scan_ahead`)."""
        with self.lock:
            candidates, hashes = self._arrays()
            start, found = 0, []
            ahead = self.ahead.pop(value, None)
            if ahead is not None:
                generation, compared, within, matches = ahead
                if (generation, within) == (self.generation, limit) and compared <= len(hashes):
                    start, found = compared, list(matches)
        found += _within(candidates[start:], hashes[start:], value, limit)
        return sorted((m for m in found if m[0] != exclude), key=lambda m: m[1])

    def scan_ahead(self, value: int, limit: int) -> None:
        """Compare ``value`` with every hash now, and remember what was found and how far:
        :meth:`near` for the same hash then compares only what was added since (the arrays
        only grow at their end, and a new order bumps ``generation``)."""
        with self.lock:
            candidates, hashes = self._arrays()
            generation = self.generation
        matches = _within(candidates, hashes, value, limit)
        with self.lock:
            self.ahead[value] = (generation, len(hashes), limit, matches)
            self.ahead.move_to_end(value)
            while len(self.ahead) > _AHEAD:
                self.ahead.popitem(last=False)

    def _arrays(self) -> tuple[Any, Any]:
        """(candidate ids, hashes) as numpy arrays, built or topped up; under ``lock``. They
        keep room to grow, so that a save's new photo is written into them, not copied with
        all the others (800 KB at 50,000)."""
        import numpy as np

        if self.arrays is None:
            n = len(self.by_candidate)
            candidates = np.empty(max(1024, 2 * n), np.int64)
            hashes = np.empty(len(candidates), np.uint64)
            candidates[:n] = np.fromiter(self.by_candidate, np.int64, n)
            hashes[:n] = np.fromiter((h for _p, h in self.by_candidate.values()), np.uint64, n)
            self.arrays, self.filled = (candidates, hashes), n
        elif self.added:  # new candidates since: appended
            n, more = self.filled, len(self.added)
            candidates, hashes = self.arrays
            if n + more > len(candidates):
                room = 2 * (n + more)
                candidates = np.concatenate((candidates[:n], np.empty(room - n, np.int64)))
                hashes = np.concatenate((hashes[:n], np.empty(room - n, np.uint64)))
            candidates[n : n + more] = [c for c, _h in self.added]
            hashes[n : n + more] = np.array([h for _c, h in self.added], np.uint64)
            self.arrays, self.filled = (candidates, hashes), n + more
        self.added.clear()
        # Views of what is filled: a later append writes past them, never into them.
        return self.arrays[0][: self.filled], self.arrays[1][: self.filled]


_FEW = 32  # fewer hashes than this are compared in Python: numpy's set-up costs more


def _within(candidates: Any, hashes: Any, value: int, limit: int) -> list[tuple[int, int]]:
    """``(candidate, distance)`` of the hashes within ``limit`` bits of ``value``, in the
    arrays' order: one XOR and popcount over them all."""
    if len(hashes) <= _FEW:  # a save's photos stored since its own was compared ahead
        return [
            (c, d)
            for c, h in zip(candidates.tolist(), hashes.tolist(), strict=True)
            if (d := (h ^ value).bit_count()) <= limit
        ]
    import numpy as np

    distances = np.bitwise_count(hashes ^ np.uint64(value))
    hit = distances <= limit
    return list(zip(candidates[hit].tolist(), distances[hit].tolist(), strict=True))


def near_matches(
    s: Session, ctx: Context, candidate_id: int | None, phash: str
) -> list[tuple[int, int]]:
    """``(candidate id, distance)`` of other candidates whose photo nearly matches a new
    photo of ``candidate_id`` (None: a candidate not written yet), before it is written."""
    from station.photo.phash import NEAR_DUPLICATE

    index = _index(ctx)
    index.refresh(s)
    return index.near(int(phash, 16), candidate_id or 0, NEAR_DUPLICATE)


def warm(ctx: Context) -> int:
    """Load the index now (after a login, off the GUI thread), so that the first save does
    not wait for it: the hashes read, their arrays built and scanned once (numpy's first
    scan loads code of its own). Returns how many candidates' hashes it holds."""
    index = _index(ctx)
    with ctx.store.read() as s:
        index.refresh(s)
    index.near(0, exclude=0, limit=0)
    return len(index.by_candidate)


_FLAG = "与报名号 {} 的照片高度相似，请审核员核实是否同一人重复报名或照片被重复使用"
_FLAG_EN = (
    "The photo closely resembles that of {}: a supervisor checks whether one person registered"
    " twice or a photo was reused"
)
_FLAG_RE = re.compile(r"与报名号 (.+) 的照片高度相似")


def flag_texts(similar: list[str]) -> tuple[str, str]:
    """(Chinese, English) text of a near-duplicate flag naming the similar 报名号. The store
    keeps the Chinese one (what the CLI and the county see)."""
    return _FLAG.format("、".join(similar)), _FLAG_EN.format(", ".join(similar))


def flag_in(flag: str, language: str) -> str:
    """A stored flag in the desk's language (a text not made by :func:`flag_texts` as is)."""
    if language != "en":
        return flag
    found = _FLAG_RE.match(flag)
    return flag_texts(found.group(1).split("、"))[1] if found else flag


@dataclass(frozen=True, slots=True)
class NearFlag:
    """A new photo's flag (the text stored on it, Chinese) and the detail of its
    ``photo_flagged`` audit event."""

    text: str
    detail: dict[str, Any]

    def event(self, candidate_id: int, version: int) -> audit.NewEvent:
        return ("photo_flagged", candidate_id, version, "", self.detail)


def near_flag(s: Session, ctx: Context, candidate_id: int | None, phash: str) -> NearFlag | None:
    """The flag for a new photo (hash ``phash``) of the candidate (None: a candidate not
    written yet), naming the 报名号 of the other candidates whose photo it nearly matches;
    None when none does. Asked before the photo is written; the caller stores the text on
    the photo and appends the event."""
    if not phash:
        return None
    matches = near_matches(s, ctx, candidate_id, phash)
    if not matches:
        return None  # the new photo enters the index by a later refresh, once it is committed
    numbers = dict(
        s.connection()
        .execute(
            select(Candidate.id, Candidate.registration_no).where(
                Candidate.id.in_([m[0] for m in matches[:5]])
            )
        )
        .all()
    )
    similar = [numbers.get(m[0], str(m[0])) for m in matches[:5]]
    return NearFlag(
        flag_texts(similar)[0],
        {"similar_to": [numbers.get(m[0]) for m in matches[:5]], "distance": matches[0][1]},
    )


_CREATING = threading.Lock()


def _index(ctx: Context) -> _HashIndex:
    with _CREATING:  # one index per open store, whichever thread asks first
        index = ctx.store.cache.get("photo_hashes")
        if index is None:
            index = ctx.store.cache["photo_hashes"] = _HashIndex()
    return index
