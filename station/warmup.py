"""What the first save after a login needs, made ready right after the login (预热), off the
desk's GUI thread, so that the operator's first save costs what a later one does.

A save loads, on first use, the near-duplicate photo index (50,000 hashes read and put in
arrays), OpenCV with Pillow and numpy's masked arrays (decoding a JPEG and taking its hash's
median), pypinyin's dictionary (the name's initials), the code tables the validation reads,
and SQLAlchemy's compiled form of each of its statements. Without this the first save after
a login waits for all of them: 1.1-1.6 s at 50,000 photos, about 100× a later save
(benchmarks/bench_save.py --no-warm); after it, about what a later save costs. :func:`warm`
loads the index, then rehearses a save of a synthetic record with the placeholder portrait
in a transaction that is rolled back (station.records.rehearse_create): every step runs
once, nothing is stored (about 1 s in all at 50,000 candidates, while the operator types).
"""

from __future__ import annotations

import datetime as dt
import logging
import random

from station.auth import Context
from station.errors import DuplicateCandidate, StationError

log = logging.getLogger(__name__)


def warm(ctx: Context) -> int:
    """Load it all now; returns how many candidates' photo hashes the index holds."""
    from station import queries, records, seeding
    from station.photo import duplicates
    from station.photo.stored import PhotoInput, placeholder_jpeg

    held = duplicates.warm(ctx)  # the index first: it is most of the wait at 50,000 photos
    policy = ctx.settings.policy()
    rng = random.Random()
    photo = PhotoInput(placeholder_jpeg(), "camera", quality_ok=True)  # hashed and compared
    for _attempt in range(3):
        sample = seeding.synthetic_record(rng, policy.reference_date(), set())
        # As the desk's form sends a record: its dates as text.
        typed = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in sample.items()}
        try:
            records.rehearse_create(ctx, typed, photo)
        except DuplicateCandidate:
            continue  # the synthetic ID number is a stored candidate's: another one
        except StationError as exc:  # refused as a save would be (the station's own rules)
            log.info("no rehearsal of a save after the login: %s", exc.message_en)
        except Exception:  # a warm-up never stands in the way: the first save just pays
            log.warning("the save's warm-up failed", exc_info=True)
        break
    # What the desk reads right after a save: the record again, and its line in the queue.
    with ctx.store.read() as s:
        first = records.list_candidates(s, limit=1)
    if first:
        queries.desk_record(ctx, first[0].id)
        queries.queue_row(ctx, first[0].id)
    records.row_by_id_number(ctx, "")  # what the form asks as an ID number is typed
    return held
