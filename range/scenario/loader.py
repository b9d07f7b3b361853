"""Loading a scenario file: YAML → nodes → Scenario model → semantic checks.

Every problem found is reported at once, as one ScenarioError carrying
``file:line:column`` problems; nothing else ever escapes (no tracebacks for a
typo in YAML). Only YAML that cannot be parsed stops early; a structural error
(unknown key, wrong type) is reported together with the file checks and the
semantic checks of every part that did validate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from yaml.nodes import Node

from range.config import project_root
from range.errors import Problem, ScenarioError
from range.scenario.checks import KNOWN_FORMULAS, model_findings
from range.scenario.checks_raw import raw_findings
from range.scenario.finding import Finding
from range.scenario.locate import locate
from range.scenario.messages import merge_union_errors, translate
from range.scenario.models import Scenario
from range.scenario.partial import partial_scenario
from range.yamldoc import parse_mapping, read_text


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    path: Path
    directory: Path


def load(path: Path, root: Path | None = None) -> LoadedScenario:
    """Read, parse and validate the scenario at ``path``; raises ScenarioError."""
    path = Path(path)
    text = read_text(path, "a scenario YAML file")
    return load_text(text, str(path), path.resolve().parent, root or project_root())


def load_text(text: str, filename: str, directory: Path, root: Path) -> LoadedScenario:
    """Parse and validate scenario ``text``; ``filename`` only labels problems."""
    node, data = parse_mapping(text.removeprefix("\ufeff"), filename, "schema, name, ...")
    findings = raw_findings(data, directory, root, KNOWN_FORMULAS)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        # Report the rest too: checks of the keys that validate on their own.
        partial, valid = partial_scenario(data)
        findings += model_findings(partial, valid)
        located = {_locate(f, node, filename) for f in findings}
        problems = set(_validation_problems(exc, node, filename)) | located
        raise ScenarioError(sorted(problems)) from None
    findings += model_findings(scenario)
    if findings:
        raise ScenarioError(sorted({_locate(f, node, filename) for f in findings}))
    return LoadedScenario(scenario=scenario, path=Path(filename), directory=directory)


def _validation_problems(exc: ValidationError, root: Node, filename: str) -> list[Problem]:
    problems: set[Problem] = set()
    for error in merge_union_errors(exc.errors(), root):
        message = translate(error, root)
        pos = locate(root, message.path, at_key=message.at_key)
        problems.add(Problem(filename, pos.line, pos.column, message.text))
    return sorted(problems)


def _locate(finding: Finding, root: Node, filename: str) -> Problem:
    pos = locate(root, finding.path, at_key=finding.at_key)
    return Problem(filename, pos.line, pos.column, finding.message)
