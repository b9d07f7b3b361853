"""Signed audit heads: the installation's Ed25519 key vouches for a chain's last entry.

The hash chain alone shows an entry edited, inserted or removed in the middle,
but not a tail cut off, a forged entry appended or the whole rest rehashed. A
*signed head* closes that: every export carries the chain's last (seq, hash),
signed with a key made once per installation and kept in its data directory
(``audit-signing-key``, owner-only); the public key is exported beside it.

- ``verify_file`` checks an exported log offline against a public key: the
  signature, the chain from its first entry, and that the chain ends exactly at
  the signed head (truncated, appended or rehashed → refused).
- ``verify_expected`` checks the live chain against a head an auditor kept (from
  an earlier export): it must still be in the chain, at its place.

What a seal cannot see: entries written to the live database, with the right
hashes, by someone who bypasses the application, after the last head an
auditor kept — they will be in the next export, and sealed with it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy.engine import Engine

from range.errors import RecordError
from records import audit
from records.audit_table import AuditEntry

KEY_FILE = "audit-signing-key"
PUBLIC_FILE = "audit-signing-key.pub"
FORMAT = "cyberrange-audit/1"


@dataclass(frozen=True)
class SignedHead:
    chain: str
    seq: int  # 0 for an empty chain
    hash: str  # full SHA-256 of the last entry (audit.GENESIS when empty)
    signed_at: str  # ISO 8601 UTC
    key_id: str  # first 16 hex digits of SHA-256 over the raw public key
    signature: str  # base64 Ed25519 signature over payload()

    def payload(self) -> bytes:
        return audit.canonical([FORMAT, self.chain, self.seq, self.hash,
                                self.signed_at]).encode("utf-8")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Sealer:
    """The installation's signing key."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.key = key

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> Sealer:
        """Load the key, or make it (0600) and its public half on first use."""
        path = data_dir / KEY_FILE
        try:
            if not path.exists():
                data_dir.mkdir(parents=True, exist_ok=True)
                key = Ed25519PrivateKey.generate()
                pem = key.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(pem)
                (data_dir / PUBLIC_FILE).write_bytes(public_pem(key.public_key()))
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError) as exc:
            raise RecordError(f"cannot read or create the audit signing key {path}: {exc}") \
                from exc
        if not isinstance(loaded, Ed25519PrivateKey):
            raise RecordError(f"{path} is not an Ed25519 private key")
        return cls(loaded)

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.key.public_key()

    def seal(self, engine: Engine, exercise_name: str | None) -> SignedHead:
        """Sign the chain's current head; RecordError if the chain is already broken."""
        verdict = audit.verify(engine, exercise_name)
        if not verdict.ok:
            raise RecordError(f"will not sign a broken chain: {verdict}")
        last = audit.entries(engine, exercise_name)[-1:]
        head = SignedHead(verdict.chain, last[0].seq if last else 0, verdict.head,
                          datetime.now(UTC).isoformat(timespec="seconds"),
                          key_id(self.public_key), "")
        signature = base64.b64encode(self.key.sign(head.payload())).decode("ascii")
        return SignedHead(**{**head.as_dict(), "signature": signature})


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise RecordError(f"not a PEM public key: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise RecordError("the audit public key must be an Ed25519 key")
    return key


def signature_ok(head: SignedHead, key: Ed25519PublicKey) -> bool:
    try:
        key.verify(base64.b64decode(head.signature, validate=True), head.payload())
    except (InvalidSignature, ValueError):
        return False
    return True


def document(engine: Engine, exercise_name: str | None, head: SignedHead,
             key: Ed25519PublicKey) -> dict[str, Any]:
    """The exported log: every entry, the signed head, and the public key."""
    rows = [e for e in audit.entries(engine, exercise_name) if e.seq <= head.seq]
    return {"format": FORMAT, "chain": head.chain, "head": head.as_dict(),
            "public_key": public_pem(key).decode("ascii"),
            "entries": [_entry(e) for e in rows]}


def _entry(e: AuditEntry) -> dict[str, Any]:
    return {"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
            "details": e.details, "prev_hash": e.prev_hash, "hash": e.hash}


def verify_file(path: Path, key: Ed25519PublicKey) -> str:
    """Check an exported log offline; its summary, or RecordError naming what is wrong."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        head = SignedHead(**doc["head"])
        rows = [AuditEntry(chain=head.chain, **e) for e in doc["entries"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RecordError(f"{path} is not an exported audit log: {exc}") from exc
    if not signature_ok(head, key):
        raise RecordError(f"{path}: the head's signature does not verify with this key "
                          f"(the head was changed, or signed by another key)")
    prev, expected = audit.GENESIS, 1
    for row in rows:
        problem = audit.check_entry(row, prev, expected)
        if problem:
            raise RecordError(f"{path}: entry #{row.seq}: {problem}")
        prev, expected = row.hash, row.seq + 1
    last_seq = rows[-1].seq if rows else 0
    if (last_seq, prev) != (head.seq, head.hash):
        raise RecordError(f"{path}: the log ends at #{last_seq} {prev[:16]} but the signed head "
                          f"is #{head.seq} {head.hash[:16]}: entries were cut, added or rehashed")
    return f"audit log {head.chain or '(global)'}: {len(rows)} entries, intact, " \
           f"head #{head.seq} {head.hash} signed by key {head.key_id}"


def verify_expected(engine: Engine, exercise_name: str | None, expected: str) -> str:
    """The live chain is intact and still holds the head an auditor kept."""
    verdict = audit.verify(engine, exercise_name)
    if not verdict.ok:
        raise RecordError(str(verdict))
    wanted = expected.strip().lower()
    if len(wanted) != 64:
        raise RecordError("--expect takes the full 64-digit head hash of an export")
    found = [e for e in audit.entries(engine, exercise_name) if e.hash == wanted]
    if not found:
        raise RecordError(f"audit chain {verdict.chain or '(global)'}: the expected head "
                          f"{wanted[:16]} is no longer in the chain: it was truncated or rewritten")
    return f"{verdict}; expected head is entry #{found[0].seq}, " \
           f"{verdict.count - found[0].seq} entries after it"
