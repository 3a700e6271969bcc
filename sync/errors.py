"""Errors of the batch exchange (批次交换), each with a stable reason code.

The reason codes are part of the file format's contract (docs/batch-format.md): the county
prints exactly one per refused file, and scripts on either side may match on them.
"""

from __future__ import annotations

from station.errors import StationError, UsageError

BAD_SIGNATURE = "bad_signature"
UNKNOWN_STATION = "unknown_station"
DECRYPT_FAILED = "decrypt_failed"
HASH_MISMATCH = "hash_mismatch"
REPLAYED = "replayed"
SEQUENCE_GAP = "sequence_gap"
MALFORMED = "malformed"
WRONG_COUNTY = "wrong_county"
OTHER_STATION = "other_station"
TRAINING_MISMATCH = "training_mismatch"

REASONS = (
    BAD_SIGNATURE,
    UNKNOWN_STATION,
    DECRYPT_FAILED,
    HASH_MISMATCH,
    REPLAYED,
    SEQUENCE_GAP,
    MALFORMED,
    WRONG_COUNTY,
    OTHER_STATION,
    TRAINING_MISMATCH,
)


class BatchRefused(StationError):
    """A batch file, receipt or review file failed a check; ``code`` says which."""

    exit_code = 1

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"文件被拒绝（{code}）：{detail}", f"file refused ({code}): {detail}")
        self.code = code
        self.detail = detail


class KeyFileError(UsageError):
    """A key file is missing, unreadable, of the wrong kind, or its passphrase is wrong."""
