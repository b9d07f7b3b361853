"""Signed audit heads: each tampering of the issue's list is detected.

An exported log is checked offline against the public key (``verify_file``); the
live chain against a head an auditor kept (``verify_expected``).
"""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.engine import Engine

from range.errors import RecordError
from records import audit, audit_seal
from records.audit_seal import Sealer

CHAIN = "rec-seal"


@pytest.fixture
def sealer(tmp_path: Path) -> Sealer:
    return Sealer.for_data_dir(tmp_path / "keys")


@pytest.fixture
def exported(engine: Engine, sealer: Sealer, tmp_path: Path) -> Path:
    for i in range(5):
        audit.append(engine, CHAIN, f"cli:user{i}", "test.step", {"n": i})
    head = sealer.seal(engine, CHAIN)
    path = tmp_path / "log.json"
    path.write_text(json.dumps(audit_seal.document(engine, CHAIN, head, sealer.public_key)))
    return path


def _rewrite(path: Path, change: Any) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def _rehash(entries: list[dict[str, Any]]) -> None:
    """What a forger with no key can do: make the chain consistent again."""
    prev = audit.GENESIS
    for seq, entry in enumerate(entries, start=1):
        entry["seq"], entry["prev_hash"] = seq, prev
        entry["hash"] = prev = audit.entry_hash(prev, CHAIN, seq, entry["at"], entry["actor"],
                                                entry["action"], entry["details"])


def test_key_is_made_once_and_private(tmp_path: Path) -> None:
    first = Sealer.for_data_dir(tmp_path / "k")
    again = Sealer.for_data_dir(tmp_path / "k")
    assert audit_seal.key_id(first.public_key) == audit_seal.key_id(again.public_key)
    assert stat.S_IMODE((tmp_path / "k" / audit_seal.KEY_FILE).stat().st_mode) == 0o600
    pem = (tmp_path / "k" / audit_seal.PUBLIC_FILE).read_bytes()
    assert audit_seal.key_id(audit_seal.load_public(pem)) == audit_seal.key_id(first.public_key)


def test_intact_export_verifies(exported: Path, sealer: Sealer) -> None:
    assert "5 entries, intact" in audit_seal.verify_file(exported, sealer.public_key)


def _truncate(doc: dict[str, Any]) -> None:
    doc["entries"] = doc["entries"][:-2]


def _append(doc: dict[str, Any]) -> None:
    last = doc["entries"][-1]
    forged = {"seq": last["seq"] + 1, "at": last["at"], "actor": "cli:mallory",
              "action": "finding.confirm", "details": {}, "prev_hash": last["hash"]}
    forged["hash"] = audit.entry_hash(last["hash"], CHAIN, forged["seq"], forged["at"],
                                      forged["actor"], forged["action"], forged["details"])
    doc["entries"].append(forged)


def _rehash_rest(doc: dict[str, Any]) -> None:
    doc["entries"][1]["actor"] = "cli:mallory"
    _rehash(doc["entries"])


def _delete_and_rehash(doc: dict[str, Any]) -> None:
    del doc["entries"][2]
    _rehash(doc["entries"])


def _edit(doc: dict[str, Any]) -> None:
    doc["entries"][2]["details"] = {"n": 99}


def _move_head(doc: dict[str, Any]) -> None:
    _rehash_rest(doc)
    doc["head"]["hash"] = doc["entries"][-1]["hash"]


def _resign(doc: dict[str, Any]) -> None:
    """Rehash, then sign the new head with a key of the forger's own."""
    _move_head(doc)
    head = audit_seal.SignedHead(**{**doc["head"], "signature": ""})
    forged = Sealer(Ed25519PrivateKey.generate()).key.sign(head.payload())
    doc["head"]["signature"] = base64.b64encode(forged).decode()


@pytest.mark.parametrize(("attack", "message"), [
    (_truncate, "entries were cut, added or rehashed"),
    (_append, "entries were cut, added or rehashed"),
    (_rehash_rest, "entries were cut, added or rehashed"),
    (_delete_and_rehash, "entries were cut, added or rehashed"),
    (_edit, "entry #3: contents do not match its hash"),
    (_move_head, "signature does not verify"),
    (_resign, "signature does not verify"),
])
def test_each_tampering_of_an_export_is_detected(exported: Path, sealer: Sealer,
                                                 attack: Any, message: str) -> None:
    _rewrite(exported, attack)
    with pytest.raises(RecordError, match=message):
        audit_seal.verify_file(exported, sealer.public_key)


def test_another_installations_key_is_refused(exported: Path) -> None:
    other = Sealer(Ed25519PrivateKey.generate())
    with pytest.raises(RecordError, match="signature does not verify"):
        audit_seal.verify_file(exported, other.public_key)


def test_live_chain_keeps_the_expected_head(engine: Engine, exported: Path) -> None:
    head = json.loads(exported.read_text())["head"]["hash"]
    audit.append(engine, CHAIN, "cli:later", "test.step", {})
    assert "1 entries after it" in audit_seal.verify_expected(engine, CHAIN, head)


def test_truncated_live_chain_loses_the_expected_head(engine: Engine, exported: Path) -> None:
    head = json.loads(exported.read_text())["head"]["hash"]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM auditentry WHERE chain=:c AND seq=5"), {"c": CHAIN})
    with pytest.raises(RecordError, match="no longer in the chain"):
        audit_seal.verify_expected(engine, CHAIN, head)


def test_rehashed_live_chain_loses_the_expected_head(engine: Engine, exported: Path) -> None:
    head = json.loads(exported.read_text())["head"]["hash"]
    rows = [e.model_dump() for e in audit.entries(engine, CHAIN)]
    rows[2]["actor"] = "cli:mallory"
    _rehash(rows)
    with engine.begin() as conn:
        for row in rows:
            conn.execute(text("UPDATE auditentry SET actor=:actor, prev_hash=:prev_hash, "
                              "hash=:hash WHERE chain=:chain AND seq=:seq"), row)
    assert audit.verify(engine, CHAIN).ok  # the chain alone cannot tell
    with pytest.raises(RecordError, match="no longer in the chain"):
        audit_seal.verify_expected(engine, CHAIN, head)


def test_broken_chain_is_not_signed(engine: Engine, sealer: Sealer, exported: Path) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE auditentry SET actor='x' WHERE chain=:c AND seq=2"),
                     {"c": CHAIN})
    with pytest.raises(RecordError, match="will not sign a broken chain"):
        sealer.seal(engine, CHAIN)
