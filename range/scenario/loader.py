"""Loading a scenario file: YAML → nodes → Scenario model → semantic checks.

Every problem found is reported at once, as one ScenarioError carrying
``file:line:column`` problems; nothing else ever escapes (no tracebacks for a
typo in YAML). Only YAML that cannot be parsed stops early; a structural error
(unknown key, wrong type) is reported together with the file checks and the
semantic checks of every part that did validate.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from range.config import project_root
from range.errors import Problem, ScenarioError
from range.scenario.checks import KNOWN_FORMULAS, model_findings
from range.scenario.checks_raw import raw_findings
from range.scenario.finding import Finding
from range.scenario.locate import locate, position_of
from range.scenario.messages import merge_union_errors, translate
from range.scenario.models import Scenario
from range.scenario.partial import partial_scenario


class _Loader(yaml.SafeLoader):
    """SafeLoader whose scalar constructors report a bad value at its node:
    ``!!int dmz``, ``!!timestamp x`` or a 5,000-digit integer is a located
    problem, not a ValueError from deep inside PyYAML."""


def _guarded(tag: str) -> Any:
    construct = yaml.SafeLoader.yaml_constructors[tag]

    def guarded(loader: yaml.SafeLoader, node: Node) -> Any:
        try:
            return construct(loader, node)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            kind = tag.rsplit(":", 1)[-1]
            text = str(node.value)
            shown = repr(text) if len(text) <= 40 else f"{text[:20]!r}... ({len(text)} chars)"
            why = "too many digits" if "limit" in str(exc) else f"not a valid {kind}"
            raise yaml.constructor.ConstructorError(
                None, None, f"{shown} tagged !!{kind}: {why}", node.start_mark) from None

    return guarded


for _tag in ("int", "float", "bool", "timestamp", "binary", "set", "omap", "pairs"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _guarded(f"tag:yaml.org,2002:{_tag}"))


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    path: Path
    directory: Path


def load(path: Path, root: Path | None = None) -> LoadedScenario:
    """Read, parse and validate the scenario at ``path``; raises ScenarioError."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise _single(name, "file not found") from None
    except IsADirectoryError:
        raise _single(name, "is a directory, expected a scenario YAML file") from None
    except UnicodeDecodeError as exc:
        raise _single(name, f"not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    except OSError as exc:
        raise _single(name, f"cannot read file: {exc.strerror or exc}") from None
    return load_text(text, name, path.resolve().parent, root or project_root())


def load_text(text: str, filename: str, directory: Path, root: Path) -> LoadedScenario:
    """Parse and validate scenario ``text``; ``filename`` only labels problems."""
    node, data = _parse(text.removeprefix("\ufeff"), filename)
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


def _single(filename: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(filename, 1, 1, message)])


def _parse(text: str, filename: str) -> tuple[MappingNode, dict[str, Any]]:
    """The node tree and the plain data of a YAML text with one mapping."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            problems = list(_duplicate_keys(node, filename)) if node is not None else []
            if problems:
                raise ScenarioError(problems)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        raise ScenarioError([_yaml_problem(exc, filename)]) from None
    except yaml.YAMLError as exc:
        raise _single(filename, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise _single(filename, "YAML nested too deeply (or a recursive alias)") from None
    if node is None:
        raise _single(filename, "empty file: expected a scenario mapping (schema, name, ...)")
    if not isinstance(node, MappingNode) or not isinstance(data, dict):
        line, col = position_of(node).line, position_of(node).column
        raise ScenarioError(
            [
                Problem(
                    filename,
                    line,
                    col,
                    "expected a mapping of keys (schema, name, ...) at the top level",
                )
            ]
        )
    return node, data


def _yaml_problem(exc: yaml.MarkedYAMLError, filename: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    words = [w for w in (exc.context, exc.problem) if w]
    kind = "invalid YAML value" if isinstance(exc, yaml.constructor.ConstructorError) else (
        "YAML syntax error")
    message = f"{kind}: " + ("; ".join(words) if words else "cannot parse")
    if exc.context_mark is not None and exc.context and mark is not exc.context_mark:
        message += f" (started at line {exc.context_mark.line + 1})"
    return Problem(filename, line, col, message)


def _duplicate_keys(root: Node, filename: str) -> Iterator[Problem]:
    """Duplicate keys in any mapping: PyYAML would silently keep the last one."""
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, MappingNode):
            first: dict[str, Node] = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    if key.value in first:
                        where = position_of(first[key.value]).line
                        pos = position_of(key)
                        yield Problem(
                            filename,
                            pos.line,
                            pos.column,
                            f"duplicate key {key.value!r} (first given on line {where})",
                        )
                    else:
                        first[key.value] = key
                stack.extend((key, value))
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


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
