"""HPKE (RFC 9180) base mode, single shot: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM.

Real batches are sealed and opened by ``cryptography``'s own HPKE (from 47,
``cryptography.hazmat.primitives.hpke``; see ``station.keyslots.hpke_suite``). The library always
draws a fresh ephemeral key, so reproducible test vectors cannot be made with it: these lines
are the RFC's own algorithm over the library's primitives, used for the vectors, and the tests
check that each opens what the other sealed and that both meet RFC 9180's own vectors.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

KEM_ID = 0x0020  # DHKEM(X25519, HKDF-SHA256)
KDF_ID = 0x0001  # HKDF-SHA256
AEAD_ID = 0x0002  # AES-256-GCM
ENC_LEN = 32  # the encapsulated key: the ephemeral X25519 public key
_KEM_SUITE = b"KEM" + KEM_ID.to_bytes(2, "big")
_SUITE = (
    b"HPKE" + KEM_ID.to_bytes(2, "big") + KDF_ID.to_bytes(2, "big") + AEAD_ID.to_bytes(2, "big")
)
_MODE_BASE = b"\x00"


def _extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt or b"\x00" * 32, ikm, hashlib.sha256).digest()


def _expand(prk: bytes, info: bytes, length: int) -> bytes:
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def _labeled_extract(suite: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return _extract(salt, b"HPKE-v1" + suite + label + ikm)


def _labeled_expand(suite: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    return _expand(prk, length.to_bytes(2, "big") + b"HPKE-v1" + suite + label + info, length)


def _raw(public: X25519PublicKey) -> bytes:
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _shared_secret(dh: bytes, enc: bytes, pk_r: bytes) -> bytes:
    eae_prk = _labeled_extract(_KEM_SUITE, b"", b"eae_prk", dh)
    return _labeled_expand(_KEM_SUITE, eae_prk, b"shared_secret", enc + pk_r, 32)


def _key_schedule(shared_secret: bytes, info: bytes) -> tuple[bytes, bytes]:
    psk_id_hash = _labeled_extract(_SUITE, b"", b"psk_id_hash", b"")
    info_hash = _labeled_extract(_SUITE, b"", b"info_hash", info)
    context = _MODE_BASE + psk_id_hash + info_hash
    secret = _labeled_extract(_SUITE, shared_secret, b"secret", b"")
    key = _labeled_expand(_SUITE, secret, b"key", context, 32)
    base_nonce = _labeled_expand(_SUITE, secret, b"base_nonce", context, 12)
    return key, base_nonce


def seal(
    recipient: bytes,
    plaintext: bytes,
    *,
    info: bytes = b"",
    aad: bytes = b"",
    ephemeral: X25519PrivateKey | None = None,
) -> bytes:
    """``enc || ciphertext`` for the raw X25519 public key ``recipient``.

    ``ephemeral`` is for test vectors only: a fixed ephemeral key makes the output repeatable,
    and reusing one for real data would be a catastrophic key reuse.
    """
    sk_e = ephemeral or X25519PrivateKey.generate()
    enc = _raw(sk_e.public_key())
    dh = sk_e.exchange(X25519PublicKey.from_public_bytes(recipient))
    key, nonce = _key_schedule(_shared_secret(dh, enc, recipient), info)
    return enc + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_(
    private: X25519PrivateKey, sealed: bytes, *, info: bytes = b"", aad: bytes = b""
) -> bytes:
    """The plaintext; raises ``cryptography.exceptions.InvalidTag`` (or ValueError) if it fails."""
    if len(sealed) < ENC_LEN + 16:
        raise ValueError("sealed data too short")
    enc = sealed[:ENC_LEN]
    dh = private.exchange(X25519PublicKey.from_public_bytes(enc))
    key, nonce = _key_schedule(_shared_secret(dh, enc, _raw(private.public_key())), info)
    return AESGCM(key).decrypt(nonce, sealed[ENC_LEN:], aad)
