"""What a drill shows while it runs: the DrillDisplay protocol, and no output code.

``cyberrange/drill.py`` runs the steps and tells a DrillDisplay what happens;
``cyberrange/cli/drill_console.py`` draws it with rich for `demo` and `run`.
Tests pass a display that records what it was told.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from cyberrange.participant_access import HandedOut
    from range.images import BuildEvent
    from scoring.scoreboard import Scoreboard


class DeployWatch(Protocol):
    """Progress of one deployment: containers and networks, then Ansible tasks."""

    def planned(self, units: int) -> None:
        """The plan is known: ``units`` containers and networks to apply."""

    def applied(self, unit: str) -> None:
        """One container or network is in place."""

    def task(self, host: str, task: str) -> None:
        """Ansible started ``task`` on ``host``."""


# Called with the current tick and, when it was computed, the scoreboard.
ExerciseWatch = Callable[[int, "Scoreboard | None"], None]


class DrillDisplay(Protocol):
    def phase_started(self, title: str) -> None: ...

    def phase_done(self, title: str, seconds: float) -> None: ...

    def note(self, text: str) -> None:
        """A plain line of news (probe counts, the web UI's address, red team steps)."""

    def warning(self, text: str) -> None:
        """Something went wrong and the drill goes on (e.g. the clock's error)."""

    def building(self) -> AbstractContextManager[Callable[[BuildEvent], None]]:
        """While images build: the callback that receives each build event."""

    def deploying(self) -> AbstractContextManager[DeployWatch]: ...

    def exercising(self, ticks: int) -> AbstractContextManager[ExerciseWatch]:
        """While the clock runs an exercise of ``ticks`` ticks."""

    def handed_out(self, participants: list[HandedOut]) -> None:
        """Where each participant gets in (VPN configs, terminals)."""
