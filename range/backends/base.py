"""The narrow interface every backend implements. It takes a Plan.

Only backend modules talk to an engine; everything above works with these
typed results. A new engine (e.g. Swarm) implements this and reuses the planner.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from range.plan import ContainerPlan, Plan

# Called with (what was done, e.g. "created web (copy 1)") after each unit of work.
ProgressCallback = Callable[[str], None]


@dataclass(frozen=True)
class ExecResult:
    exit_code: int
    stdout: str
    stderr: str
    timed_out: bool = False


@dataclass(frozen=True)
class HostStatus:
    host: str
    copy: int
    container: str  # engine object name
    state: str  # running | exited | missing | ...
    health: str  # healthy | unhealthy | none | drifted
    addresses: dict[str, str] = field(default_factory=dict)  # network name → address
    node: str = ""  # cluster node (swarm); empty on a single engine
    drift: tuple[str, ...] = ()  # how addresses, routes or firewall differ from the plan


@dataclass(frozen=True)
class ApplyReport:
    created: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()


class Backend(Protocol):
    name: str

    def check_engine(self) -> None:
        """Raise EngineUnavailableError with how to start the engine."""

    def preflight(self, plan: Plan) -> None:
        """Raise every refusal apply would raise (engine, images, conflicts), touching nothing."""

    def apply(self, plan: Plan, progress: ProgressCallback | None = None) -> ApplyReport:
        """Make the running range match the plan: create missing, replace drifted."""

    def destroy(self, range_name: str, progress: ProgressCallback | None = None) -> int:
        """Remove every object labeled with the range; returns how many."""

    def status(self, range_name: str) -> list[HostStatus]:
        """Every container of the range, as found by label."""

    def recreate(self, plan: Plan, container: ContainerPlan) -> None:
        """Replace one container with a fresh one from its image."""

    def exec(
        self,
        range_name: str,
        container: str,
        argv: Sequence[str],
        timeout: float | None = None,
        user: str | None = None,
        stdin: str | None = None,
    ) -> ExecResult:
        """Run an argument list inside a container (never a shell string)."""

    def shell_argv(
        self,
        range_name: str,
        container: str,
        tty: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> list[str]:
        """The argument list that opens an interactive shell in a container (for execvp);
        ``env`` is added to the shell's environment (browser terminals mark theirs)."""

    def engine_args(self, range_name: str) -> dict[str, list[str]]:
        """Container -> the `docker` options that reach the engine running it.

        Containers on the default engine are left out; Ansible's docker
        connection passes these on (a swarm's hosts live on several engines).
        """
