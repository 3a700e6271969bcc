"""What the first save after a login needs, made ready right after the login (预热), off the
desk's GUI thread: the near-duplicate photo index, and the libraries a save loads on first
use (OpenCV for the photo hash, pypinyin's dictionary for the name's initials). Without it
the first save of the day waited for all of them (38 s at 50,000 photos)."""

from __future__ import annotations

from station.auth import Context


def warm(ctx: Context) -> int:
    """Load it all now; returns how many candidates' photo hashes the index holds."""
    from station import pinyin
    from station.photo import duplicates, phash  # noqa: F401 - imported for its OpenCV load

    pinyin.initials("张三")
    return duplicates.warm(ctx)
