"""The xAPI export of a played exercise, checked against the xAPI 1.0.3 rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from records.exports import export
from tests.unit.records.xapi_rules import violations


def test_every_exported_statement_is_valid(engine: Engine, played: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CYBERRANGE_PUBLIC_URL", "https://range.cert.example/")
    (path,) = export(engine, played, "xapi", tmp_path)
    statements = json.loads(path.read_text())
    assert len(statements) > 10
    assert {s["id"]: tuple(violations(s)) for s in statements} == {
        s["id"]: () for s in statements}
    assert len({s["id"] for s in statements}) == len(statements)
    assert {s["actor"]["account"]["homePage"] for s in statements} == {
        "https://range.cert.example/"}
    registrations = {s["context"]["registration"] for s in statements}
    assert len(registrations) == 1  # one run of one exercise
