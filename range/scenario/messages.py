"""pydantic's validation errors, said in the words of the scenario language.

Each error becomes one message that names the key, where it is and what was
expected, plus the path the loader turns into ``file:line:column``.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from range.scenario.locate import Path, PathItem, describe, resolve
from range.scenario.models import ENDPOINT_PATTERN, NAME_PATTERN, FirewallRule, Scenario

_TYPE_WORDS = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}

_PATTERN_WORDS = {
    NAME_PATTERN: "a name of lowercase letters, digits and '-', starting with a letter "
    "(at most 31 characters)",
    r"^CWE-\d+$": "a CWE id like CWE-89",
    r"^T\d{4}(\.\d{3})?$": "an ATT&CK technique id like T1190 or T1110.001",
    r"^CVSS:(3\.[01]|4\.0)/.+$": "a CVSS 3.x or 4.0 vector like CVSS:3.1/AV:N/AC:L/...",
    r"^/": "an absolute path like /root/flag.txt",
    r"^0?[0-7]{3,4}$": "an octal file mode like 0600",
    r"^\d+[kmg]$": "a size like 256m or 1g",
    ENDPOINT_PATTERN: "a network or host name, or an IPv4 address or CIDR like 10.1.2.3 "
    "or 10.{copy}.2.0/24",
}

# Keys people write for another key of a model (other tools' words), tried
# before the spelling guess.
_SYNONYMS: dict[type[BaseModel], dict[str, str]] = {
    FirewallRule: {
        "source": "from",
        "src": "from",
        "destination": "to",
        "dest": "to",
        "dst": "to",
        "port": "ports",
    },
}
# What a model's keys take, said after the list of keys in an unknown-key error.
_KEY_NOTES: dict[type[BaseModel], str] = {
    FirewallRule: "from and to each name a network, a host, or an IPv4 address/CIDR",
}


_BOUNDS = {
    "greater_than_equal": ("at least", "ge"),
    "greater_than": ("more than", "gt"),
    "less_than_equal": ("at most", "le"),
    "less_than": ("less than", "lt"),
    "too_short": ("at least this long:", "min_length"),
    "too_long": ("at most this long:", "max_length"),
}


@dataclass(frozen=True)
class Message:
    path: Path
    text: str
    at_key: bool = False


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _field(model: type[BaseModel], key: PathItem) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return None


def _pick_model(annotation: Any) -> Any:
    """``Firewall | None`` → ``Firewall``; other annotations unchanged."""
    if get_origin(annotation) in (typing.Union, types.UnionType):
        models = [a for a in get_args(annotation) if _is_model(a)]
        return models[0] if len(models) == 1 else annotation
    return annotation


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def model_at(path: Sequence[PathItem]) -> type[BaseModel] | None:
    """The scenario model class that the data at ``path`` must match."""
    current: Any = Scenario
    for item in path:
        current = _pick_model(current)
        if _is_model(current):
            current = _field(current, item)
            if current is None:
                return None
        elif get_origin(current) in (list, dict):
            current = get_args(current)[-1]
        else:
            return None
    current = _pick_model(current)
    return current if _is_model(current) else None


def _kind(node: Node | None, value: Any) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, ScalarNode) and node.tag != "tag:yaml.org,2002:null":
        value = node.value if node.style or not isinstance(value, int | float) else value
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _pattern_text(ctx: dict[str, Any] | None) -> str:
    pattern = str((ctx or {}).get("pattern", ""))
    return _PATTERN_WORDS.get(pattern, f"text matching {pattern}")


def translate(error: ErrorDetails, root: Node) -> Message:
    """One pydantic error → one located message."""
    loc = tuple(error["loc"])
    kind = error["type"]
    resolved = resolve(root, loc)
    path = resolved.consumed
    at_key = loc[-1:] == ("[key]",)
    if kind == "missing":
        where = describe(root, path)
        return Message(path, f"missing required key {str(loc[-1])!r} in {where}", at_key=True)
    if kind == "extra_forbidden":
        return Message(path, _unknown_key(root, path, model_at(path[:-1])), at_key=True)
    key = path[-1] if path else None
    subject = _subject(root, path, at_key)
    got = _kind(resolved.node if resolved.complete and not at_key else None, error.get("input"))
    if kind in _TYPE_WORDS:
        return Message(path, f"expected {_TYPE_WORDS[kind]} for {subject}, got {got}", at_key)
    if kind == "string_pattern_mismatch":
        text = f"expected {_pattern_text(error.get('ctx'))} for {subject}, got {got}"
        return Message(path, text, at_key)
    if kind == "union_type":
        detail = error["msg"].removeprefix("Input should be ")
        return Message(path, f"expected {detail} for {subject}, got {got}", at_key)
    detail = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in ("literal_error", "enum"):
        detail = "expected " + detail.removeprefix("Input should be ")
        return Message(path, f"{detail} for {subject}, got {got}", at_key)
    if kind in _BOUNDS:
        word, bound = _BOUNDS[kind]
        limit = (error.get("ctx") or {}).get(bound)
        return Message(path, f"{subject} must be {word} {limit}, got {got}", at_key)
    if kind == "value_error":
        return Message(path, f"{subject}: {detail}" if key is not None else detail, at_key)
    detail = detail[0].lower() + detail[1:] if detail else kind
    return Message(path, f"{subject}: {detail}, got {got}", at_key)


def _unknown_key(root: Node, path: Path, model: type[BaseModel] | None) -> str:
    names = _field_names(model) if model else []
    key = str(path[-1])
    synonym = _SYNONYMS.get(model, {}).get(key) if model else None
    guess = [synonym] if synonym else difflib.get_close_matches(key, names, n=1)
    hint = f"did you mean {guess[0]!r}? " if guess else ""
    expected = ", ".join(names) if names else "a known key"
    note = f"; {_KEY_NOTES[model]}" if model in _KEY_NOTES else ""
    where = describe(root, path[:-1])
    return f"unknown key {key!r} in {where} ({hint}expected one of: {expected}{note})"


def _subject(root: Node, path: Path, at_key: bool) -> str:
    if not path:
        return "the scenario"
    *parent, key = path
    where = describe(root, tuple(parent))
    if at_key:
        return f"key {str(key)!r} in {where}"
    if isinstance(key, int):
        return describe(root, path)
    return f"{str(key)!r} in {where}" if parent else f"{str(key)!r}"


def merge_union_errors(errors: Sequence[ErrorDetails], root: Node) -> list[ErrorDetails]:
    """A value of a union type (``networks``: list or mapping) yields one error per
    branch; keep the branch the trainer meant, or one error naming both."""
    kept: list[ErrorDetails] = []
    groups: dict[tuple[Any, ...], list[ErrorDetails]] = {}
    for error in errors:
        loc = tuple(error["loc"])
        tag = next((i for i, item in enumerate(loc) if _is_branch(item)), None)
        if tag is None:
            kept.append(error)
        else:
            groups.setdefault(loc[:tag], []).append(error)
    for prefix, members in groups.items():
        deeper = [
            e for e in members if e["type"] not in _TYPE_WORDS or len(e["loc"]) > len(prefix) + 1
        ]
        if deeper:
            kept.extend(deeper)
            continue
        words = sorted({_TYPE_WORDS[e["type"]] for e in members})
        merged: ErrorDetails = {
            "type": "union_type",
            "loc": prefix,
            "msg": "Input should be " + " or ".join(words),
            "input": members[0].get("input"),
        }
        kept.append(merged)
    return kept


def _is_branch(item: PathItem) -> bool:
    return isinstance(item, str) and "[" in item and item != "[key]"
