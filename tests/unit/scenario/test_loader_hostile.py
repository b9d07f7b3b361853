"""The cases of issue 15, item 14: each is a located problem, never a traceback,
and a scenario at every bound still starts an exercise."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from range.errors import ScenarioError
from range.scenario.loader import load_text

ROOT = Path(__file__).resolve().parents[3]
DMZ = ROOT / "scenarios" / "dmz-breach"
BASE = (DMZ / "scenario.yaml").read_text(encoding="utf-8")


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_text(text, "hostile.yaml", DMZ, ROOT)
    problems = caught.value.problems
    assert problems and all(p.line >= 1 and p.column >= 1 for p in problems)
    return [str(p) for p in problems]


def _swap(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new, 1)


@pytest.mark.parametrize("tag", ["timestamp", "int", "float", "bool", "binary"])
def test_a_tag_on_the_wrong_scalar(tag: str) -> None:
    problems = _problems(_swap("name: dmz-breach", f"name: !!{tag} dmz breach"))
    assert any(p.startswith("hostile.yaml:2:7: error: invalid YAML value: ") for p in problems)
    if tag != "binary":  # (PyYAML's own message names the base64 fault)
        assert any(f"'dmz breach' tagged !!{tag}: not a valid {tag}" in p for p in problems)


def test_an_integer_of_5000_digits() -> None:
    problems = _problems(_swap("flag_lifetime: 5", "flag_lifetime: " + "9" * 5000))
    assert any("(5000 chars) tagged !!int: too many digits" in p for p in problems), problems


@pytest.mark.parametrize("old,new,words", [
    ("flag_lifetime: 5", "flag_lifetime: 1e30", "flag_lifetime"),
    ("flag_lifetime: 5", "flag_lifetime: 1" + "0" * 30, "at most 10000"),
    ("points: 100", "points: 1" + "0" * 30, "at most 1000000"),
    ("duration: 90m", "duration: 99999999999h", "duration"),
    ("duration: 90m", "duration: 9999999999999", "at most 366 days"),
])
def test_numbers_past_their_bounds(old: str, new: str, words: str) -> None:
    problems = _problems(_swap(old, new))
    assert any(words in p for p in problems), problems


@pytest.mark.parametrize("old,new", [
    ("provision: [roles/db]", 'provision: ["roles/d\\0b"]'),
    ("provision: [roles/db]", "provision: [roles/" + "a" * 256 + "]"),
    ("checker: checkers/shop.py", 'checker: "checkers/s\\0hop.py"'),
    ("checker: checkers/shop.py", "checker: checkers/" + "a" * 256 + ".py"),
])
def test_nul_and_long_names_in_paths(old: str, new: str) -> None:
    assert _problems(_swap(old, new))


def test_validate_prints_no_traceback(tmp_path: Path) -> None:
    from cyberrange.cli import cli

    bad = tmp_path / "scenario.yaml"
    bad.write_text(_swap("name: dmz-breach", "name: !!timestamp dmz"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "d"), "validate", str(bad)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "tagged !!timestamp" in result.output


def test_a_scenario_at_every_bound_starts(engine: Engine) -> None:
    from scoring.clock import Clock
    from scoring.exercise import create_exercise, transition

    text = _swap("flag_lifetime: 5", "flag_lifetime: 10000")
    text = text.replace("duration: 90m", "duration: 8784h", 1).replace(
        "points: 100", "points: 1000000", 1)
    scenario = load_text(text, "edge.yaml", DMZ, ROOT).scenario
    created = create_exercise(engine, "edge", "edge", scenario, str(DMZ / "scenario.yaml"))
    transition(engine, "edge", "start", "test")
    assert created.id is not None
    Clock(engine, created.id).poll()
