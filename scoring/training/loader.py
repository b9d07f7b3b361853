"""Reading training definitions: YAML → :class:`TrainingSpec`, every problem located.

The sandbox scenario the definition names is loaded too (its own problems are
summarised at the ``scenario`` key: `cyberrange validate` shows them), and
what the levels refer to in it must exist: a ``flag`` answer's host and flag,
attachments next to the definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from yaml.nodes import MappingNode

from range.errors import Problem, ScenarioError
from range.scenario.loader import LoadedScenario, load
from range.scenario.locate import locate
from range.yamldoc import model_problems, parse_mapping, read_text
from scoring.training.spec import TaskLevel, TrainingSpec


class TrainingError(ScenarioError):
    """A training definition is invalid; every problem names file:line:col."""


@dataclass(frozen=True)
class LoadedTraining:
    spec: TrainingSpec
    path: Path
    scenario: LoadedScenario
    raw: dict[str, Any] = field(compare=False, repr=False)


def load_training(path: Path, root: Path | None = None) -> LoadedTraining:
    path = Path(path)
    name = str(path)
    try:
        node, raw = parse_mapping(read_text(path, "a training YAML file"), name,
                                  "schema, name, scenario, levels, ...")  # fmt: skip
    except ScenarioError as exc:
        raise TrainingError(exc.problems) from None
    try:
        spec = TrainingSpec.model_validate(raw)
    except ValidationError as exc:
        raise TrainingError(model_problems(exc, node, name, TrainingSpec)) from None
    directory = path.resolve().parent
    scenario, problems = _scenario(spec, node, name, directory, root)
    problems += _attachment_problems(spec, node, name, directory)
    if scenario is not None:
        problems += _flag_problems(spec, scenario, node, name)
    if problems or scenario is None:
        raise TrainingError(sorted(set(problems)))
    return LoadedTraining(spec, path, scenario, raw)


def _at(node: MappingNode, filename: str, where: tuple[str | int, ...], text: str) -> Problem:
    pos = locate(node, where)
    return Problem(filename, pos.line, pos.column, text)


def _scenario(
    spec: TrainingSpec, node: MappingNode, filename: str, directory: Path, root: Path | None
) -> tuple[LoadedScenario | None, list[Problem]]:
    target = (directory / spec.scenario).resolve()
    try:
        loaded = load(target, root)
    except ScenarioError as exc:
        text = (f"the sandbox scenario {spec.scenario} does not load ({len(exc.problems)} "
                f"problem(s), first: {exc.problems[0].message}); see `cyberrange validate "
                f"{target}`")  # fmt: skip
        return None, [_at(node, filename, ("scenario",), text)]
    if not loaded.scenario.defending_teams():
        text = f"the sandbox scenario {spec.scenario} has no defending team to give copies"
        return None, [_at(node, filename, ("scenario",), text)]
    return loaded, []


def _attachment_problems(
    spec: TrainingSpec, node: MappingNode, filename: str, directory: Path
) -> list[Problem]:
    problems = []
    for number, level in enumerate(spec.levels):
        if not isinstance(level, TaskLevel):
            continue
        for index, relative in enumerate(level.attachments):
            target = (directory / relative).resolve()
            if not target.is_relative_to(directory):
                text = f"attachment {relative!r} is outside the training's directory"
            elif not target.is_file():
                text = f"attachment {relative!r} not found next to the training file"
            else:
                continue
            problems.append(_at(node, filename, ("levels", number, "attachments", index), text))
    return problems


def _flag_problems(
    spec: TrainingSpec, scenario: LoadedScenario, node: MappingNode, filename: str
) -> list[Problem]:
    problems = []
    hosts = scenario.scenario.hosts
    for number, level in enumerate(spec.levels):
        if not isinstance(level, TaskLevel) or level.flag is None:
            continue
        host = hosts.get(level.flag.host)
        if host is None:
            text = f"the sandbox has no host {level.flag.host!r} (hosts: {', '.join(hosts)})"
        elif level.flag.index >= len(host.flags):
            count, wanted = len(host.flags), level.flag.index
            text = f"host {level.flag.host} has {count} flag(s), no index {wanted}"
        else:
            continue
        problems.append(_at(node, filename, ("levels", number, "flag"), text))
    return problems
