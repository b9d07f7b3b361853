"""Reading ``challenge.yml`` files: YAML → :class:`ChallengeSpec`, with positions.

Every problem found in one file is reported at once as a :class:`ChallengeError`
whose problems name ``file:line:column`` (the node tree PyYAML composed is kept
beside the data and walked with :mod:`range.scenario.locate`, as scenarios do).
A directory holds one challenge (``DIR/challenge.yml``) or many (any
``challenge.yml`` below it, as a ctfcli repository lays them out).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from range.errors import Problem, ScenarioError
from range.scenario.locate import locate, position_of
from scoring.challenges.spec import (
    ChallengeSpec,
    Dynamic,
    FlagSpec,
    HintSpec,
    Requirements,
    Solution,
)

FILE_NAMES = ("challenge.yml", "challenge.yaml")
MAX_BYTES = 1_000_000


class ChallengeError(ScenarioError):
    """One or more ``challenge.yml`` files are invalid; every problem has its position."""


@dataclass(frozen=True)
class LoadedChallenge:
    spec: ChallengeSpec
    raw: dict[str, Any]  # the YAML data as written (what export writes back)
    path: Path
    directory: Path
    node: MappingNode = field(compare=False, repr=False)

    def problem(self, path: Sequence[str | int], message: str) -> Problem:
        """A problem located at ``path`` in this file."""
        pos = locate(self.node, path)
        return Problem(str(self.path), pos.line, pos.column, message)


def find_challenge_files(directory: Path) -> list[Path]:
    """``directory``'s own challenge.yml, else every one below it (sorted)."""
    directory = Path(directory)
    if directory.is_file():
        return [directory]
    for name in FILE_NAMES:
        if (directory / name).is_file():
            return [directory / name]
    found = sorted(p for name in FILE_NAMES for p in directory.rglob(name) if p.is_file())
    if not found:
        raise ChallengeError([Problem(str(directory), 1, 1, "no challenge.yml found here")])
    return found


def load_directory(directory: Path) -> list[LoadedChallenge]:
    """Every challenge below ``directory``; all files' problems in one error."""
    loaded: list[LoadedChallenge] = []
    problems: list[Problem] = []
    for path in find_challenge_files(directory):
        try:
            loaded.append(load_challenge(path))
        except ChallengeError as exc:
            problems.extend(exc.problems)
    names: dict[str, Path] = {}
    for item in loaded:
        if item.spec.name in names:
            problems.append(Problem(str(item.path), 1, 1, f"challenge name {item.spec.name!r} "
                                    f"is also used by {names[item.spec.name]}"))
        names[item.spec.name] = item.path
    if problems:
        raise ChallengeError(problems)
    return loaded


def load_challenge(path: Path) -> LoadedChallenge:
    path = Path(path)
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _single(name, f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise _single(name, f"file larger than {MAX_BYTES} bytes")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise _single(name, f"not UTF-8 text (byte {exc.start})") from None
    return load_text(text, name, path.resolve().parent)


def load_text(text: str, filename: str, directory: Path) -> LoadedChallenge:
    """Parse and validate one challenge text; files are looked up in ``directory``."""
    node, raw = _parse(text, filename)
    problems: list[Problem] = []
    try:
        spec = ChallengeSpec.model_validate(raw)
    except ValidationError as exc:
        raise ChallengeError(_problems(exc, node, filename, ())) from None
    if spec.type == "dynamic":
        try:
            Dynamic.model_validate(spec.extra)
        except ValidationError as exc:
            problems += _problems(exc, node, filename, ("extra",))
    problems += _file_problems(spec, node, filename, directory)
    if problems:
        raise ChallengeError(problems)
    return LoadedChallenge(spec, raw, Path(filename), directory, node)


def _file_problems(spec: ChallengeSpec, node: Node, filename: str,
                   directory: Path) -> list[Problem]:
    problems = []
    base = directory.resolve()
    for index, relative in enumerate(spec.files):
        target = (directory / relative).resolve()
        if not target.is_relative_to(base):
            message = f"file {relative!r} is outside the challenge directory"
        elif not target.is_file():
            message = f"file {relative!r} not found next to challenge.yml"
        else:
            continue
        pos = locate(node, ("files", index))
        problems.append(Problem(filename, pos.line, pos.column, message))
    return problems


def _single(filename: str, message: str) -> ChallengeError:
    return ChallengeError([Problem(filename, 1, 1, message)])


def _parse(text: str, filename: str) -> tuple[MappingNode, dict[str, Any]]:
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                duplicates = list(_duplicate_keys(node, filename))
                if duplicates:
                    raise ChallengeError(duplicates)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"YAML syntax error: {exc.problem}"
        raise ChallengeError([Problem(filename, line, col, message)]) from None
    except yaml.YAMLError as exc:
        raise _single(filename, f"invalid YAML: {exc}") from None
    if node is None or not isinstance(node, MappingNode) or not isinstance(data, dict):
        pos = position_of(node) if node is not None else None
        raise ChallengeError([Problem(filename, pos.line if pos else 1, pos.column if pos else 1,
                                      "expected a mapping of keys (name, category, ...)")])
    return node, data


def _duplicate_keys(root: Node, filename: str) -> Iterator[Problem]:
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    if key.value in seen:
                        pos = position_of(key)
                        yield Problem(filename, pos.line, pos.column,
                                      f"duplicate key {key.value!r} (first on line "
                                      f"{seen[key.value]})")
                    seen.setdefault(key.value, position_of(key).line)
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


def _problems(exc: ValidationError, root: Node, filename: str,
              prefix: Sequence[str | int]) -> list[Problem]:
    problems: set[Problem] = set()
    for error in exc.errors(include_url=False):
        loc = (*prefix, *(item for item in error["loc"] if not _is_tag(item)))
        kind = error["type"]
        if kind == "extra_forbidden":
            pos = locate(root, loc, at_key=True)
            message = f"unknown key {str(loc[-1])!r}{_where(loc[:-1])}; expected one of: " \
                      f"{', '.join(_known_keys(loc[:-1]))}"
        elif kind == "missing":
            pos = locate(root, loc[:-1])
            message = f"missing required key {str(loc[-1])!r}{_where(loc[:-1])}"
        else:
            pos = locate(root, loc)
            got = error.get("input")
            shown = repr(got) if isinstance(got, str | int | float | bool) else type(got).__name__
            detail = error["msg"].removeprefix("Value error, ")
            message = f"{_label(loc)}: {detail} (got {shown})"
        problems.add(Problem(filename, pos.line, pos.column, message))
    return sorted(problems)


def _is_tag(item: Any) -> bool:
    # pydantic names union branches in locations ("str", "int", "list[...]")
    return isinstance(item, str) and (item in {"str", "int", "float", "bool"} or "[" in item)


def _label(loc: Sequence[Any]) -> str:
    return ".".join(str(i) if isinstance(i, str) else f"[{i}]" for i in loc).replace(".[", "[") \
        or "challenge"


def _where(loc: Sequence[Any]) -> str:
    return f" in {_label(loc)}" if loc else ""


_NESTED: dict[str, type[BaseModel]] = {
    "flags": FlagSpec, "hints": HintSpec, "requirements": Requirements, "extra": Dynamic,
    "solution": Solution,
}


def _model_at(loc: Sequence[Any]) -> type[BaseModel]:
    named = [i for i in loc if isinstance(i, str)]
    return _NESTED.get(named[-1], ChallengeSpec) if named else ChallengeSpec


def _known_keys(loc: Sequence[Any]) -> list[str]:
    return list(_model_at(loc).model_fields)
