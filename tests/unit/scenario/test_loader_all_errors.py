"""A structural error does not hide the rest: file and semantic checks still run.

Structural errors (keys, types) come from the models; file checks (images,
checkers, roles, playbooks, the scoring formula) read the plain YAML data, so
they run wherever the models failed; semantic checks run on every part that
validated on its own and skip the ones that need a broken part.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from scenario_fixture_text import with_change

from cyberrange.cli import cli
from range.errors import Problem, ScenarioError
from range.scenario.loader import load_text

ROOT = Path(__file__).resolve().parents[3]

# An unknown key in host 'web', a checker file that does not exist in the same
# host, and an image without a Dockerfile in host 'db'.
THREE_KINDS = (
    with_change(
        "{name: shop, port: 80/tcp, check: http}",
        "{name: shop, port: 80/tcp, checker: checkers/nope.py}\n    comand: [x]",
    )
    .replace("  db:\n    image: ext/web", "  db:\n    image: cyberrange/nope")
    .replace("formula: faust", "formula: elo")
)


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(ScenarioError) as caught:
        load_text(text, "t.yaml", ROOT, ROOT)
    return caught.value.problems


def test_file_checks_run_behind_an_unknown_key() -> None:
    found = {(p.line, p.message.split(" (")[0]) for p in problems_of(THREE_KINDS)}
    assert (32, "unknown key 'comand' in host 'web'") in found
    assert (31, "checker 'checkers/nope.py' not found") in found
    assert (36, "image 'cyberrange/nope' has no Dockerfile in " + str(ROOT / "docker")) in found
    assert (44, "unknown scoring formula 'elo'") in found


def test_semantic_checks_of_valid_parts_run_behind_a_type_error() -> None:
    text = with_change("formula: faust", "formula: faust\n  first_blood: lots").replace(
        "{from: internet, to: dmz", "{from: internet, to: lab"
    )
    found = [(p.line, p.message) for p in problems_of(text)]
    assert any(line == 44 and "'first_blood'" in m for line, m in found), found
    assert any(line == 26 and "firewall rule names 'lab'" in m for line, m in found), found


def test_checks_needing_a_broken_part_are_skipped() -> None:
    # The dmz network is broken: hosts on it must not be told it is undeclared.
    text = with_change('dmz: {subnet: "10.{copy}.1.0/24"}', "dmz: {subnet: [10]}")
    messages = [p.message for p in problems_of(text)]
    assert len(messages) == 1, messages
    assert "expected a string for 'subnet' in network 'dmz'" in messages[0]


def test_every_problem_is_located_once_and_in_file_order() -> None:
    found = problems_of(THREE_KINDS)
    assert found == sorted(set(found))


def test_validate_prints_structural_and_file_problems(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(THREE_KINDS, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)], catch_exceptions=False)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{path}:32:5: error: unknown key 'comand'") for line in lines)
    assert any(line.startswith(f"{path}:31:") and "checker" in line for line in lines)
    assert any(line.startswith(f"{path}:36:") and "Dockerfile" in line for line in lines)
    assert any(line.startswith(f"{path}:44:") and "'elo'" in line for line in lines)
