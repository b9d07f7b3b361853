"""A problem a semantic check found, named by its path in the scenario data.

Shared by every check module; the loader turns the path into
``file:line:column``.
"""

from __future__ import annotations

from dataclasses import dataclass

from range.scenario.locate import PathItem


@dataclass(frozen=True)
class Finding:
    path: tuple[PathItem, ...]
    message: str
    at_key: bool = False
