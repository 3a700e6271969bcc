"""The QR code text of the printed form (登记表二维码) and its parser.

Format, version 1 (one line, ASCII, fields separated by ``|``)::

    ZK1|<报名号>|<version>|<digest>

* ``ZK1``: the format name and its version (中考, format 1); a later format gets ``ZK2``.
* 报名号: the registration number as stored (no ``|`` or white space).
* version: the record version printed, a decimal integer ≥ 1.
* digest: SHA-256 (64 lower-case hex digits) of the canonical JSON of that record version
  (``records.canonical_record`` → ``audit.canonical_json``), the same value that is kept in
  ``candidate_versions.digest`` and printed in text under the code.

Example: ``ZK1|27410105030001|2|3f5c…e01a``. A reader compares it with the station's record
(``service.verify_qr``) or, at the county, with the record version received in a batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from station.errors import UsageError

PREFIX = "ZK1"
_DIGEST_RE = re.compile(r"^[0-9a-f]{64}$")
_REGNO_RE = re.compile(r"^[^|\s]{1,32}$")  # the 报名号 template decides the rest


@dataclass(frozen=True, slots=True)
class QrPayload:
    registration_no: str
    version: int
    digest: str

    def text(self) -> str:
        return f"{PREFIX}|{self.registration_no}|{self.version}|{self.digest}"


def qr_text(registration_no: str, version: int, digest: str) -> str:
    return QrPayload(registration_no, version, digest).text()


def parse(text: str) -> QrPayload:
    """The payload of a scanned QR text; :class:`UsageError` (exit 2) when it is not one."""
    parts = text.strip().split("|")
    if len(parts) != 4 or parts[0] != PREFIX:
        raise UsageError(
            "二维码内容不是报名登记表格式（应为 ZK1|报名号|版本|摘要）",
            "not a registration-form QR text (expected ZK1|registration no|version|digest)",
        )
    _, number, version, digest = parts
    digest = digest.lower()
    if not _REGNO_RE.match(number) or not version.isdigit() or int(version) < 1:
        raise UsageError("二维码中的报名号或版本无效", "bad registration number or version")
    if not _DIGEST_RE.match(digest):
        raise UsageError("二维码中的摘要不是 64 位十六进制数", "the digest is not 64 hex digits")
    return QrPayload(number, int(version), digest)


def grouped(digest: str, size: int = 4) -> str:
    """``3f5ce01a…`` → ``3f5c e01a …``: easier to read aloud and compare by eye."""
    return " ".join(digest[i : i + size] for i in range(0, len(digest), size))
