"""The scenario's sharing block is checked at load, with file:line:col."""

from __future__ import annotations

import pytest

from range.errors import ScenarioError
from range.scenario.loader import load_text
from tests.conftest import ROOT

DMZ = ROOT / "scenarios" / "dmz-breach"
TEAMS = """teams:
  - {name: red, role: red}
  - {name: blue, role: blue, copies: 3}
  - {name: isac, role: isac}
  - {name: white, role: white}
"""


def scenario_text(sharing: str) -> str:
    text = (DMZ / "scenario.yaml").read_text()
    start = text.index("teams:")
    end = text.index("\nnetworks:")
    return text[:start] + TEAMS + text[end:] + "\n" + sharing


def problems(sharing: str) -> list[str]:
    try:
        load_text(scenario_text(sharing), "s.yaml", DMZ, ROOT)
    except ScenarioError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_a_good_sharing_block_loads() -> None:
    assert problems("""sharing:
  isac: isac
  deadline: 10m
  organisations:
    - {name: energy, members: [blue-1, blue-2], clients: [blue-3, isac]}
""") == []


@pytest.mark.parametrize(("block", "fragment"), [
    ("sharing: {isac: blue}", "the ISAC 'blue' must be a team with role isac or white"),
    ("sharing: {isac: nobody}", "the ISAC 'nobody' must be a team"),
    ("sharing: {organisations: [{name: x, members: [blue-7]}]}",
     "no team or team instance 'blue-7'"),
    ("sharing: {organisations: [{name: x, members: [red]}]}", "'red' is red"),
    ("sharing: {organisations: [{name: x, members: [blue]}, {name: y, members: [blue-2]}]}",
     "blue-2 is already a member of 'x'"),
    ("sharing: {organisations: [{name: x, members: [isac]}, {name: x, members: [white]}]}",
     "organisation 'x' is declared twice"),
    ("sharing: {tlp: red}", "tlp"),
])
def test_bad_sharing_blocks_name_the_place(block: str, fragment: str) -> None:
    found = problems(block)
    assert any(fragment in p for p in found), found
    assert all(p.startswith("s.yaml:") for p in found)
