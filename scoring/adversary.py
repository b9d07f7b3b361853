"""Adversary emulation: inject `run` steps executed from a range host.

Each attack step becomes a RED_ACTION fact (team, target copy's team, host,
ATT&CK technique, outcome), so blue incident reports can be matched against it
and findings drafted from it. Flags that show up in a step's output are handed
to a submit callback (the composition root submits them through the API).

Steps are either argv lists (no shell) with ``{copy}`` / ``{host.network}``
placeholders, or Ansible playbooks whose task names start with a technique:
``T1190 web: exploit the login form`` (technique, attacked host, text).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import Engine

from range.backends.base import ExecResult
from range.errors import CyberrangeError
from range.plan import SHARED_COPY, Plan
from range.provision.attack_run import TaskOutcome
from range.scenario.loader import LoadedScenario
from range.scenario.models import Inject, RunStep
from scoring.exercise import get_exercise
from scoring.ledger import record_red_action

FLAG_TEXT = re.compile(r"FLAG\{[A-Za-z0-9_-]{32}\}")
TASK_NAME = re.compile(r"^(T\d{4}(?:\.\d{3})?)\s+(?:([a-z][a-z0-9-]*):\s*)?(.*)$")
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9-]*)(?:\.([a-z][a-z0-9-]*))?\}")
ACTOR = "adversary"

Submit = Callable[[str, list[str]], Any]  # (team, flags)


class StepExecutor(Protocol):
    """How steps reach the range: exec for commands, Ansible for playbooks."""

    def run_command(self, container: str, argv: Sequence[str], timeout: float) -> ExecResult: ...

    def run_playbook(
        self,
        playbook: Path,
        container: str,
        extravars: dict[str, Any],
        on_task: Callable[[TaskOutcome], None] | None = None,
    ) -> list[TaskOutcome]: ...


@dataclass(frozen=True)
class StepOutcome:
    copy: int
    host: str
    technique: str
    outcome: str  # success | failed
    message: str
    flags: tuple[str, ...] = ()


@dataclass
class Adversary:
    engine: Engine
    exercise_name: str
    loaded: LoadedScenario
    plan: Plan
    executor: StepExecutor
    submit: Submit | None = None
    team: str = "red"
    command_timeout: float = 120.0
    problems: list[str] = field(default_factory=list)

    def run(self, inject: Inject) -> list[StepOutcome]:
        """Run the inject's step against every defending copy at once.

        Each outcome is recorded (and its flags submitted) the moment it is
        known, so a blue report filed right after an attack finds the action.
        """
        step = inject.run
        if step is None:
            return []
        copies = range(1, self.plan.copies + 1)
        with ThreadPoolExecutor(max_workers=min(8, self.plan.copies)) as pool:
            runs = pool.map(lambda copy: self._run_copy(step, copy), copies)
            return [outcome for outcomes in runs for outcome in outcomes]

    def _run_copy(self, step: RunStep, copy: int) -> list[StepOutcome]:
        if step.playbook is not None:
            return self._playbook(step, copy)
        return self._commands(step, copy)

    def _done(self, outcome: StepOutcome) -> None:
        self._record(outcome)
        if outcome.flags and self.submit is not None:
            try:
                self.submit(self.team, sorted(set(outcome.flags)))
            except CyberrangeError as exc:  # a refused submission must not stop the attack
                self.problems.append(f"submitting {len(outcome.flags)} flag(s): {exc}")

    def _source(self, step: RunStep) -> str:
        """The container a step runs from: a shared host, or (first) copy's one."""
        for container in self.plan.containers:
            if container.host == step.host and container.copy in (SHARED_COPY, 1):
                return container.name
        raise KeyError(f"no host {step.host!r} in the plan")

    def _commands(self, step: RunStep, copy: int) -> list[StepOutcome]:
        outcomes = []
        for argv in step.commands:
            expanded, target = expand_argv(argv, self.plan, copy)
            result = self.executor.run_command(self._source(step), expanded, self.command_timeout)
            text = f"{result.stdout}\n{result.stderr}"
            outcome = StepOutcome(
                copy=copy,
                host=target or step.host,
                technique=step.attack or "",
                outcome="success" if result.exit_code == 0 else "failed",
                message=f"{' '.join(expanded)} → exit {result.exit_code}",
                flags=tuple(FLAG_TEXT.findall(text)),
            )
            self._done(outcome)
            outcomes.append(outcome)
        return outcomes

    def _playbook(self, step: RunStep, copy: int) -> list[StepOutcome]:
        assert step.playbook is not None
        playbook = (self.loaded.directory / step.playbook).resolve()
        extravars = {"target_copy": copy, "red_copies": [copy]}
        outcomes: list[StepOutcome] = []

        def on_task(task: TaskOutcome) -> None:
            outcome = task_outcome(task, step, copy)
            if outcome is not None:
                self._done(outcome)
                outcomes.append(outcome)

        self.executor.run_playbook(playbook, self._source(step), extravars, on_task)
        return outcomes

    def _record(self, outcome: StepOutcome) -> None:
        if not outcome.technique:
            return
        exercise = get_exercise(self.engine, self.exercise_name)
        owners = self.loaded.scenario.with_copies(self.plan.copies).copy_owners()
        record_red_action(
            self.engine,
            exercise,
            self.team,
            owners.get(outcome.copy, str(outcome.copy)),
            outcome.host,
            outcome.technique,
            outcome=outcome.outcome,
            actor=ACTOR,
            message=outcome.message[:500],
        )


def task_outcome(task: TaskOutcome, step: RunStep, copy: int) -> StepOutcome | None:
    """A playbook task as an attack step; tasks without a technique only carry flags."""
    if task.status == "skipped":
        return None
    flags = tuple(FLAG_TEXT.findall(task.output))
    match = TASK_NAME.match(task.task)
    if match is None and not flags:
        return None
    technique, host, text = match.groups() if match else ("", None, task.task)
    return StepOutcome(
        copy=copy,
        host=host or step.host,
        technique=technique,
        outcome="success" if task.status == "ok" else "failed",
        message=text or task.task,
        flags=flags,
    )


def expand_argv(argv: Sequence[str], plan: Plan, copy: int) -> tuple[list[str], str | None]:
    """Fill ``{copy}`` and ``{host.network}`` in each argument (no shell ever sees them)."""
    first_host: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name, network = match.group(1), match.group(2)
        if name == "copy" and network is None:
            return str(copy)
        address = _address(plan, name, network, copy)
        if address is None:
            return match.group(0)
        first_host.append(name)
        return address

    expanded = [PLACEHOLDER.sub(replace, argument) for argument in argv]
    return expanded, (first_host[0] if first_host else None)


def _address(plan: Plan, host: str, network: str | None, copy: int) -> str | None:
    for container in plan.containers:
        if container.host != host or container.copy not in (copy, SHARED_COPY):
            continue
        for interface in container.interfaces:
            if network is None or plan.network(interface.network).network == network:
                return interface.address
    return None
