"""YAML documents that keep their positions: the shared front half of every loader.

Scenarios, training definitions (and any other YAML a trainer writes) are
parsed here into PyYAML's node tree *and* plain data, so a problem found
later — by pydantic or by a semantic check — is reported at
``file:line:column`` (walk the tree with :mod:`range.scenario.locate`).
Nothing escapes as a traceback: bad syntax, a bad tagged scalar, duplicate
keys, recursion and undecodable files all become :class:`Problem` lists.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from range.errors import Problem, ScenarioError
from range.scenario.locate import locate, position_of


class PositionedLoader(yaml.SafeLoader):
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
    PositionedLoader.add_constructor(
        f"tag:yaml.org,2002:{_tag}", _guarded(f"tag:yaml.org,2002:{_tag}")
    )


def single(filename: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(filename, 1, 1, message)])


def read_text(path: Path, expected: str) -> str:
    """The UTF-8 text of ``path`` (a BOM dropped); ``expected`` names what a file should be."""
    name = str(path)
    try:
        return path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except FileNotFoundError:
        raise single(name, "file not found") from None
    except IsADirectoryError:
        raise single(name, f"is a directory, expected {expected}") from None
    except UnicodeDecodeError as exc:
        raise single(name, f"not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    except OSError as exc:
        raise single(name, f"cannot read file: {exc.strerror or exc}") from None


def parse_mapping(text: str, filename: str, keys: str) -> tuple[MappingNode, dict[str, Any]]:
    """The node tree and the plain data of a YAML text holding one mapping.

    ``keys`` names a few expected top-level keys for the message when it is
    not a mapping (e.g. "schema, name, ...").
    """
    try:
        loader = PositionedLoader(text)
        try:
            node = loader.get_single_node()
            problems = list(duplicate_keys(node, filename)) if node is not None else []
            if problems:
                raise ScenarioError(problems)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        raise ScenarioError([yaml_problem(exc, filename)]) from None
    except yaml.YAMLError as exc:
        raise single(filename, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise single(filename, "YAML nested too deeply (or a recursive alias)") from None
    if node is None:
        raise single(filename, f"empty file: expected a mapping ({keys})")
    if not isinstance(node, MappingNode) or not isinstance(data, dict):
        pos = position_of(node)
        message = f"expected a mapping of keys ({keys}) at the top level"
        raise ScenarioError([Problem(filename, pos.line, pos.column, message)])
    return node, data


def yaml_problem(exc: yaml.MarkedYAMLError, filename: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    words = [w for w in (exc.context, exc.problem) if w]
    kind = "invalid YAML value" if isinstance(exc, yaml.constructor.ConstructorError) else (
        "YAML syntax error")
    message = f"{kind}: " + ("; ".join(words) if words else "cannot parse")
    if exc.context_mark is not None and exc.context and mark is not exc.context_mark:
        message += f" (started at line {exc.context_mark.line + 1})"
    return Problem(filename, line, col, message)


def duplicate_keys(root: Node, filename: str) -> Iterator[Problem]:
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
                        yield Problem(filename, pos.line, pos.column,
                                      f"duplicate key {key.value!r} (first given on line {where})")
                    else:
                        first[key.value] = key
                stack.extend((key, value))
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


def model_problems(
    exc: ValidationError, root: Node, filename: str, model: type[BaseModel]
) -> list[Problem]:
    """pydantic's errors of ``model`` as located problems (generic wording; scenarios have
    their own, richer translation in range.scenario.messages)."""
    problems: set[Problem] = set()
    for error in exc.errors(include_url=False):
        loc, owner = _data_path(model, error["loc"])
        if error["type"] == "extra_forbidden":
            pos = locate(root, loc, at_key=True)
            known = ", ".join(_field_names(owner)) or "none"
            text = f"unknown key {str(loc[-1])!r}{_where(loc[:-1])}; expected one of: {known}"
        elif error["type"] == "missing":
            pos = locate(root, loc[:-1])
            text = f"missing key {str(loc[-1])!r}{_where(loc[:-1])}"
        else:
            pos = locate(root, loc)
            text = f"{error['msg']}{_where(loc)}"
        problems.add(Problem(filename, pos.line, pos.column, text))
    return sorted(problems)


def _data_path(
    model: type[BaseModel], loc: Sequence[str | int]
) -> tuple[tuple[str | int, ...], type[BaseModel] | None]:
    """pydantic's error location without union branch tags (``levels.0.task.x`` is
    ``levels.0.x``), and the model the last key belongs (or would belong) to."""
    path: list[str | int] = []
    models: list[type[BaseModel]] = [model]
    owner: type[BaseModel] | None = model
    for item in loc:
        if _is_tag(item):
            continue
        if isinstance(item, int):
            path.append(item)
            continue
        holders = [m for m in models if item in m.model_fields]
        tagged = [m for m in models if _tag_of(m) == item]
        if not holders and tagged:  # a discriminated union's branch: not a data key
            models = tagged
            continue
        path.append(item)
        owner = holders[0] if holders else (models[0] if len(models) == 1 else None)
        field = owner.model_fields.get(item) if owner is not None else None
        models = _inner_models(field.annotation) if field is not None else []
    return tuple(path), owner


def _tag_of(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("type")
    args: tuple[Any, ...] = getattr(field.annotation, "__args__", ()) if field else ()
    return str(args[0]) if len(args) == 1 else None


def _field_names(model: type[BaseModel] | None) -> list[str]:
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _inner_models(annotation: Any) -> list[type[BaseModel]]:
    """The models inside ``list[M]``, ``dict[str, M]``, ``A | B``, ``Annotated[...]``."""
    found: list[type[BaseModel]] = []
    stack = [annotation]
    while stack:
        current = stack.pop()
        if isinstance(current, type) and issubclass(current, BaseModel):
            if current not in found:
                found.append(current)
        else:  # Annotated[X, ...] has __args__ == (X,) too
            stack.extend(getattr(current, "__args__", ()))
    return found


def _is_tag(item: str | int) -> bool:
    # Discriminated-union branch names and function validators are not data keys.
    return isinstance(item, str) and (item[:1].isupper() or item.startswith("function-"))


def _where(loc: Sequence[str | int]) -> str:
    return f" at {'.'.join(str(p) for p in loc)}" if loc else ""
