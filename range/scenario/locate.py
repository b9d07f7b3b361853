"""From a path into the scenario data to a line and column in the YAML text.

The loader keeps PyYAML's composed node tree next to the constructed data;
a path such as ``("hosts", "web", "services", 0, "port")`` (what pydantic
reports, or what a semantic check names) is walked down that tree to the node
a trainer has to fix. Positions are 1-based, like every editor shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

PathItem = str | int
Path = tuple[PathItem, ...]

# Singular names for collections, used to say *where* a problem is.
_SINGULAR = {
    "teams": "team",
    "networks": "network",
    "hosts": "host",
    "services": "service",
    "vulnerabilities": "vulnerability",
    "flags": "flag",
    "injects": "inject",
    "hints": "hint",
    "allow": "firewall rule",
    "provision": "provision entry",
    "commands": "command",
    "ports": "port",
    "external_images": "external image",
}
_LABEL_KEYS = ("name", "id")


@dataclass(frozen=True)
class Position:
    line: int
    column: int


def position_of(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def mapping_entry(node: MappingNode, key: PathItem) -> tuple[Node, Node] | None:
    """The (key node, value node) pair for ``key``, following ``<<`` merges."""
    wanted = str(key)
    merges: list[Node] = []
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode):
            if key_node.value == wanted:
                return key_node, value_node
            if key_node.tag == "tag:yaml.org,2002:merge":
                merges.append(value_node)
    for merged in merges:
        for candidate in merged.value if isinstance(merged, SequenceNode) else [merged]:
            if isinstance(candidate, MappingNode):
                found = mapping_entry(candidate, key)
                if found is not None:
                    return found
    return None


@dataclass(frozen=True)
class Resolved:
    """How far a path reached in the node tree."""

    node: Node  # deepest node reached
    key: Node | None  # key node of the last mapping step, if the last step was one
    consumed: Path  # the path items that matched nodes (union tags dropped)
    complete: bool  # every data item of the path was found

    def position(self, *, at_key: bool = False) -> Position:
        if at_key and self.key is not None:
            return position_of(self.key)
        return position_of(self.node)


def resolve(root: Node, path: Sequence[PathItem]) -> Resolved:
    """Walk ``path`` from ``root``; items that match nothing (pydantic's union
    branch tags such as ``list[constrained-str]``) are skipped."""
    node: Node = root
    key: Node | None = None
    consumed: list[PathItem] = []
    complete = True
    for item in path:
        if item == "[key]":
            # pydantic: the dict key itself is wrong; stay on it.
            return Resolved(key or node, key, tuple(consumed), complete)
        step = _step(node, item)
        if step is None:
            if _is_union_tag(item):
                continue
            complete = False
            continue
        key, node = step
        consumed.append(item)
    return Resolved(node, key, tuple(consumed), complete)


def _step(node: Node, item: PathItem) -> tuple[Node | None, Node] | None:
    if isinstance(node, MappingNode):
        found = mapping_entry(node, item)
        return None if found is None else (found[0], found[1])
    if isinstance(node, SequenceNode) and isinstance(item, int) and 0 <= item < len(node.value):
        return None, node.value[item]
    return None


def _is_union_tag(item: PathItem) -> bool:
    return isinstance(item, str) and ("[" in item or item in {"str", "int", "float", "bool"})


def locate(root: Node, path: Sequence[PathItem], *, at_key: bool = False) -> Position:
    """Line and column of the node ``path`` names (or of the closest parent)."""
    return resolve(root, path).position(at_key=at_key)


def _label(root: Node, path: Path, index: int) -> str:
    """``'web'`` for a dict entry, ``'shop'`` for a list item with a name, else ``#2``."""
    resolved = resolve(root, path)
    node = resolved.node if resolved.complete else None
    if isinstance(node, MappingNode):
        for key in _LABEL_KEYS:
            entry = mapping_entry(node, key)
            if entry is not None and isinstance(entry[1], ScalarNode) and entry[1].value:
                return repr(entry[1].value)
    return f"#{index + 1}"


def describe(root: Node, path: Sequence[PathItem]) -> str:
    """Human words for where ``path`` points: ``service 'shop' of host 'web'``."""
    parts: list[str] = []
    items = tuple(path)
    i = 0
    while i < len(items):
        item = items[i]
        nxt = items[i + 1] if i + 1 < len(items) else None
        if isinstance(item, str) and item in _SINGULAR and nxt is not None:
            noun = _SINGULAR[item]
            if isinstance(nxt, int):
                parts.append(f"{noun} {_label(root, items[: i + 2], nxt)}")
            else:
                parts.append(f"{noun} {str(nxt)!r}")
            i += 2
            continue
        if isinstance(item, str):
            parts.append(item.replace("_", " "))
        i += 1
    if not parts:
        return "the scenario"
    return " of ".join(reversed(parts))
