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

#: What each reason means, for the Chinese line (the detail after it stays the checker's).
MEANING_ZH = {
    BAD_SIGNATURE: "签名核验不通过（文件被改动，或不是由应签名的一方签发）",
    UNKNOWN_STATION: "县区没有登记这个报名点",
    DECRYPT_FAILED: "无法解密（不是发给本县区的文件，或文件损坏）",
    HASH_MISMATCH: "与本机写出的批次对不上",
    REPLAYED: "同一序号已收到过内容不同的批次",
    SEQUENCE_GAP: "前面的批次还没有收到",
    MALFORMED: "文件格式不对，不是本系统的这类文件",
    WRONG_COUNTY: "文件属于另一个县区",
    OTHER_STATION: "文件属于另一个报名点",
    TRAINING_MISMATCH: "培训数据与正式数据不能混用",
}


class BatchRefused(StationError):
    """A batch file, receipt or review file failed a check; ``code`` says which."""

    exit_code = 1

    def __init__(self, code: str, detail: str, meaning_zh: str | None = None) -> None:
        meaning = meaning_zh or MEANING_ZH.get(code, code)
        super().__init__(
            f"文件被拒绝：{meaning}（{code}：{detail}）", f"file refused ({code}): {detail}"
        )
        self.code = code
        self.detail = detail


class KeyFileError(UsageError):
    """A key file is missing, unreadable, of the wrong kind, or its passphrase is wrong."""
