"""WireGuard key pairs: Curve25519, base64 as `wg genkey` / `wg pubkey` write them."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from range.errors import AccessError


@dataclass(frozen=True)
class KeyPair:
    private: str
    public: str


def new_key_pair() -> KeyPair:
    key = X25519PrivateKey.generate()
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return KeyPair(_b64(raw), _b64(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)))


def public_of(private: str) -> str:
    key = X25519PrivateKey.from_private_bytes(_decode(private))
    return _b64(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def check_key(text: str) -> str:
    """``text`` if it is a WireGuard key (32 bytes, base64), else AccessError."""
    _decode(text)
    return text


def _decode(text: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AccessError(f"malformed WireGuard key {text[:8]!r}...: not base64") from exc
    if len(raw) != 32:
        raise AccessError(f"malformed WireGuard key: {len(raw)} bytes, expected 32")
    return raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
