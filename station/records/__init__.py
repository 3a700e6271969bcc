"""Candidate records (考生记录): create, edit, move along the lifecycle, find.

Every function takes a logged-in :class:`~station.auth.Context`. The ``*_in`` variants
(``create_in``, ``transition_in``, ``sign_in``, …) are the public session-level API: they work
inside a session the caller holds, so bulk jobs (seeding, roster import, the exchange) can
commit many records at once through exactly the same rules, without reaching for private
names (tests/test_layering.py keeps it so).

Callers use this package's names; its modules hold them by what they do: ``finding`` (by
key, the searches as rows), ``reading`` (values, canonical form, summaries), ``saving`` (a
new record, an edit, a roster's many) and ``transitions`` (the lifecycle's moves and the
facts its guards read).
"""

from station.records.finding import (
    CandidateRow,
    count_by_state,
    find_by_id_number,
    find_by_registration_no,
    get,
    list_candidates,
    lookup,
    row_by_id_number,
    row_by_registration_no,
    search_name_prefix,
)
from station.records.reading import (
    Saved,
    canonical_record,
    card_fields_of,
    detail,
    digest_of,
    record_values,
    summary,
)
from station.records.saving import (
    bulk_create_in,
    create,
    create_in,
    rehearse_create,
    set_photo,
    update,
    update_in,
)
from station.records.transitions import (
    bulk_transition_in,
    facts_of,
    photo_passes,
    record_password_in,
    record_printed_in,
    record_review,
    record_review_in,
    release_card_fields,
    settle_ready_in,
    sign,
    sign_in,
    transition,
    transition_in,
    unlock,
    versions,
)

__all__ = [
    "CandidateRow",
    "Saved",
    "bulk_create_in",
    "bulk_transition_in",
    "canonical_record",
    "card_fields_of",
    "count_by_state",
    "create",
    "create_in",
    "detail",
    "digest_of",
    "facts_of",
    "find_by_id_number",
    "find_by_registration_no",
    "get",
    "list_candidates",
    "lookup",
    "photo_passes",
    "record_password_in",
    "record_printed_in",
    "record_review",
    "record_review_in",
    "record_values",
    "rehearse_create",
    "release_card_fields",
    "row_by_id_number",
    "row_by_registration_no",
    "search_name_prefix",
    "set_photo",
    "settle_ready_in",
    "sign",
    "sign_in",
    "summary",
    "transition",
    "transition_in",
    "unlock",
    "update",
    "update_in",
    "versions",
]
