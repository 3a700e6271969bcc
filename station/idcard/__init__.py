"""ID-card reader (二代身份证阅读器) support, no Qt.

* :mod:`.textblock`: the 256-byte UCS-2LE text block a reader returns, as :class:`CardData`;
* :mod:`.protocol`: frames of the common serial reader protocol (``AA AA AA 96 69`` …);
* :mod:`.reader`: the :class:`Reader` interface and the errors an operator sees;
* :mod:`.serial_reader`: :class:`SerialReader`, a reader on a serial port (pyserial);
* :mod:`.demo`: :class:`DemoReader`, synthetic sample cards for the demo station.
"""

from __future__ import annotations

from station.idcard.demo import DemoReader, demo_cards
from station.idcard.reader import (
    CardRemoved,
    CorruptFrame,
    NoCard,
    Reader,
    ReaderError,
    ReaderFault,
    ReaderTimeout,
    ReaderUnavailable,
)
from station.idcard.textblock import (
    CardData,
    CardError,
    CardExpired,
    check_validity,
    encode_card,
    encode_text_block,
    parse_text_block,
)

__all__ = [
    "CardData",
    "CardError",
    "CardExpired",
    "CardRemoved",
    "CorruptFrame",
    "DemoReader",
    "NoCard",
    "Reader",
    "ReaderError",
    "ReaderFault",
    "ReaderTimeout",
    "ReaderUnavailable",
    "check_validity",
    "demo_cards",
    "encode_card",
    "encode_text_block",
    "parse_text_block",
]
