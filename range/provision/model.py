"""What the provisioner reads and returns: its small typed contracts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from range.scenario.models import Scenario

# Called with (container name, task name) as Ansible starts each task on a host.
ProvisionProgress = Callable[[str, str], None]

# (scenario host, copy, index in the host's `flags` list) -> flag text to plant.
FlagValues = Mapping[tuple[str, int, int], str]

# (scenario host, copy): the hosts one run is limited to (e.g. by `reset`).
HostSelection = set[tuple[str, int]]


class ScenarioSource(Protocol):
    """A loaded scenario: the model and the folder its relative paths start from."""

    @property
    def scenario(self) -> Scenario: ...

    @property
    def directory(self) -> Path: ...


@dataclass(frozen=True)
class FlagSpot:
    """One objective flag to plant: where, and which codec slot signs it."""

    host: str
    copy: int
    index: int  # position in the host's `flags` list
    slot: int  # scenario-wide objective number, the codec's `index`
    path: str


@dataclass(frozen=True)
class ProvisionReport:
    range: str
    hosts: tuple[str, ...]  # container names that were provisioned
    changed: Mapping[str, int] = field(default_factory=dict)  # container -> changed tasks
    ok: Mapping[str, int] = field(default_factory=dict)  # container -> ok tasks
    elapsed: float = 0.0
    inventory: Path | None = None
    log: Path | None = None

    @property
    def total_changed(self) -> int:
        return sum(self.changed.values())
