"""Python's cyclic garbage collector, paused while a roster is read and stored.

Reading a roster builds tens of thousands of objects that all stay alive until the import
ends (the sheet's rows, a record and its checked values for every row). The collector runs
each time some hundred objects more were made than freed and, now and then, walks every
object alive: over a 9,000-row import that was 0.25–0.65 s of CPU time, a fifth of the
import, to find about 300 objects of cyclic garbage (measured, benchmarks/bench_roster.py).
Paused, nothing changes but that: every object is still freed by reference counting as soon
as it is no longer used, and the few cycles are collected once the collector runs again.
(Mercurial pauses it around building large structures for the same reason.)

The collector is one for the whole process: the pause nests, and the last one to end
restores what was there before the first began (a collector someone else had turned off
stays off).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0  # pauses under way, in any thread
_was_enabled = False  # the collector's state before the first of them


@contextmanager
def collector_paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
