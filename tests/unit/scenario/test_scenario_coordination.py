"""The scenario's ``coordination`` block: organisations, SITREPs, requests that
need an answer; every mistake named by file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_fixture_text import BASE

from range.errors import ScenarioError
from range.scenario.loader import load_text
from range.scenario.schema import json_schema
from range.scenario.timing import compress

ROOT = Path(__file__).resolve().parents[3]

GOOD = """\
coordination:
  organisations:
    - {name: cert-xy, kind: csirt, title: CERT-XY (foreign CSIRT)}
    - {name: daily-news, kind: press}
  sitrep: {every: 10m, to: blue, rubric: {accuracy: 5, timeliness: 5}}
  requests:
    - {at: 5m, from: cert-xy, to: blue, subject: "Indicators?", message: Send IPs, due: 30m,
       points: 10}
"""


def load(extra: str):  # type: ignore[no-untyped-def]
    return load_text(BASE + extra, "t.yaml", ROOT, ROOT).scenario


def problems(extra: str) -> list[tuple[int, int, str]]:
    with pytest.raises(ScenarioError) as caught:
        load(extra)
    return [(p.line, p.column, p.message) for p in caught.value.problems]


def test_a_full_block_loads() -> None:
    block = load(GOOD).coordination
    assert [o.name for o in block.organisations] == ["cert-xy", "daily-news"]
    assert block.sitrep is not None and block.sitrep.every == 600
    assert block.sitrep.rubric == {"accuracy": 5, "timeliness": 5}
    request = block.requests[0]
    assert (request.sender, request.due, request.points) == ("cert-xy", 1800, 10)


def test_no_block_means_nothing_required() -> None:
    block = load("").coordination
    assert block.organisations == [] and block.sitrep is None and block.requests == []


BASE_LINES = BASE.count("\n")


@pytest.mark.parametrize(("old", "new", "line", "fragment"), [
    ("kind: csirt", "kind: police", 3, "expected 'csirt', 'vendor', 'regulator', 'press'"),
    ("name: daily-news", "name: blue", 4, "organisation 'blue' has the name of a team"),
    ("name: daily-news", "name: white-cell", 4, "has the name of a team or of the white cell"),
    ("name: daily-news", "name: cert-xy", 4, "duplicate organisation name 'cert-xy'"),
    ("from: cert-xy", "from: cert-zz", 7, "request from undeclared organisation 'cert-zz'"),
    ("to: blue, subject", "to: red, subject", 7, "'red' names a red team"),
    ("to: blue, subject", "to: green, subject", 7, "unknown recipient 'green'"),
    ("sitrep: {every: 10m, to: blue", "sitrep: {every: 10m, to: red", 5, "names a red team"),
    ("at: 5m", "at: 2h", 7, "comes after the end of the exercise"),
    ("due: 30m", "due: soon", 7, "expected a duration like 30s"),
    ("from: cert-xy", "sender: cert-xy", 7, "unknown key 'sender'"),
    ("kind: press}", "kind: press, phone: 1}", 4, "unknown key 'phone'"),
])
def test_mistakes_name_their_line(old: str, new: str, line: int, fragment: str) -> None:
    assert old in GOOD, old
    found = problems(GOOD.replace(old, new, 1))
    matching = [(ln, col, msg) for ln, col, msg in found if fragment in msg]
    assert matching, found
    assert matching[0][0] == BASE_LINES + line, matching[0]
    assert matching[0][1] >= 1


def test_the_json_schema_is_generated_with_the_block() -> None:
    schema = json_schema()
    assert "coordination" in schema["properties"]
    request = schema["$defs"]["AnswerRequest"]
    assert "from" in request["properties"] and "sender" not in request["properties"]
    assert schema["$defs"]["ExternalOrganisation"]["properties"]["kind"]


def test_a_compressed_rehearsal_scales_coordination_times() -> None:
    scenario = load(GOOD)  # 30 minutes; request at 5m due 30m; SITREP every 10m
    fast = compress(scenario, duration=180, tick=5)  # a tenth
    request = fast.coordination.requests[0]
    assert (request.at, request.due) == (30, 180)
    assert fast.coordination.sitrep is not None and fast.coordination.sitrep.every == 60
    assert fast.coordination.organisations == scenario.coordination.organisations
    assert compress(load(""), 180, 5).coordination.sitrep is None
