"""Signed requests (请求签名) between a station and the county's intake service.

Every request a station makes carries its station code, a timestamp, a random nonce, the
SHA-256 of its body and an Ed25519 signature over all of them with the method and the path,
made with the station's signing key (the key the county registered, station/signing.py). The
county accepts a request only inside a window around its own clock and only once per nonce,
so a captured request cannot be sent again later. TLS is the transport's protection; this is
the proof of who asks, and works the same behind a proxy that ends TLS.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

DOMAIN: Final = b"zk-request/1"
#: A request older or newer than this (by the county's clock) is refused: the stations'
#: clocks are set by hand, so the window is generous, and nonces close the rest.
WINDOW_SECONDS: Final = 300

H_STATION: Final = "X-ZK-Station"
H_TIME: Final = "X-ZK-Timestamp"
H_NONCE: Final = "X-ZK-Nonce"
H_BODY: Final = "X-ZK-Body-SHA256"
H_KEY: Final = "X-ZK-Key"  # hex SHA-256 of the public key that signed (a hand-over's new key)
H_SIGNATURE: Final = "X-ZK-Signature"
HEADERS: Final = (H_STATION, H_TIME, H_NONCE, H_BODY, H_KEY, H_SIGNATURE)


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def message(method: str, path: str, station: str, timestamp: str, nonce: str, digest: str) -> bytes:
    """What the key signs: a domain tag and each part, separated by a zero byte."""
    parts = (method.upper(), path, station, timestamp, nonce, digest)
    return b"\0".join([DOMAIN, *(p.encode("utf-8") for p in parts)])


def sign(
    key: Ed25519PrivateKey,
    station: str,
    method: str,
    path: str,
    body: bytes,
    *,
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers that prove this station sent this request."""
    timestamp = str(int(time.time() if now is None else now))
    nonce = nonce or secrets.token_hex(16)
    digest = body_hash(body)
    public = key.public_key().public_bytes_raw()
    signature = key.sign(message(method, path, station, timestamp, nonce, digest))
    return {
        H_STATION: station,
        H_TIME: timestamp,
        H_NONCE: nonce,
        H_BODY: digest,
        H_KEY: hashlib.sha256(public).hexdigest(),
        H_SIGNATURE: base64.b64encode(signature).decode("ascii"),
    }


@dataclass(frozen=True, slots=True)
class Claimed:
    """A request's claims, read from its headers before anything is checked."""

    station: str
    timestamp: int
    nonce: str
    digest: str
    key_hash: str
    signature: bytes


class RequestRefused(Exception):
    """A request whose signature does not stand; ``code`` is the reason code answered."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


UNSIGNED = "unsigned_request"
BAD_REQUEST_SIGNATURE = "bad_request_signature"
STALE_REQUEST = "stale_request"
REPEATED_REQUEST = "repeated_request"


def claimed(headers: dict[str, str]) -> Claimed:
    """The claims of a request, or RequestRefused(unsigned_request) naming what is missing."""
    lower = {k.lower(): v for k, v in headers.items()}
    missing = [h for h in HEADERS if h.lower() not in lower]
    if missing:
        raise RequestRefused(UNSIGNED, f"missing header(s): {', '.join(missing)}")
    get = lambda name: lower[name.lower()].strip()  # noqa: E731
    try:
        timestamp = int(get(H_TIME))
        signature = base64.b64decode(get(H_SIGNATURE), validate=True)
    except ValueError:
        raise RequestRefused(UNSIGNED, "timestamp or signature is not readable") from None
    nonce = get(H_NONCE)
    if not 16 <= len(nonce) <= 64 or not nonce.isalnum():
        raise RequestRefused(UNSIGNED, "the nonce must be 16 to 64 letters or digits")
    return Claimed(get(H_STATION), timestamp, nonce, get(H_BODY), get(H_KEY), signature)


def verify(
    c: Claimed,
    public: bytes,
    method: str,
    path: str,
    body: bytes,
    *,
    now: float | None = None,
    digest: str | None = None,
) -> None:
    """Check the body hash, the window and the signature (the nonce is the caller's: it needs
    a store shared by every worker). ``digest``: the body's SHA-256, if already known."""
    current = time.time() if now is None else now
    if abs(current - c.timestamp) > WINDOW_SECONDS:
        raise RequestRefused(
            STALE_REQUEST,
            f"the request's time is {int(c.timestamp - current):+d} s from the county's clock "
            f"(allowed ±{WINDOW_SECONDS} s): set the station's clock",
        )
    if (digest or body_hash(body)) != c.digest:
        raise RequestRefused(BAD_REQUEST_SIGNATURE, "the body does not match its hash")
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(
            c.signature, message(method, path, c.station, str(c.timestamp), c.nonce, c.digest)
        )
    except (InvalidSignature, ValueError):
        raise RequestRefused(
            BAD_REQUEST_SIGNATURE, "the request is not signed by this station's key"
        ) from None
