"""JSON read from outside (batch files, signed documents, key files, backups, settings): one
parser whose only failure is ``ValueError``, so every caller's refusal path catches it.

``json.loads`` raises ``RecursionError`` on a document nested a few thousand levels deep; from
a crafted manifest, receipt, review or key file that was a traceback instead of a reason.
"""

from __future__ import annotations

import json
from typing import Any


def loads(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
