"""Running a trainer's attack playbook from a range host, task by task.

Unlike provisioning, a failed task here is an outcome (the attack did not
work), not an error: every task's result is returned for the caller to record.
"""

from __future__ import annotations

import dataclasses
import shlex
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from range.backends.base import Backend, ExecResult
from range.config import Settings
from range.errors import ProvisionError
from range.plan import Plan
from range.provision.inventory import build_inventory, inventory_path, write_inventory
from range.provision.model import ScenarioSource
from range.provision.runner import RunFiles

TASK_EVENTS = {
    "runner_on_ok": "ok",
    "runner_on_failed": "failed",
    "runner_on_unreachable": "unreachable",
    "runner_on_skipped": "skipped",
}


@dataclass(frozen=True)
class TaskOutcome:
    host: str  # container name the task ran on
    task: str
    status: str  # ok | failed | unreachable | skipped
    output: str  # stdout, msg and loop items' output, for flags and the log


TaskCallback = Callable[[TaskOutcome], None]


@dataclass
class _Collector:
    on_task: TaskCallback | None = None
    outcomes: list[TaskOutcome] = field(default_factory=list)

    def __call__(self, event: dict[str, Any]) -> bool:
        status = TASK_EVENTS.get(str(event.get("event", "")))
        data = event.get("event_data") or {}
        # Attack playbooks set ignore_errors so a failed step does not end the
        # campaign; the failure is still this step's outcome.
        if status is not None:
            outcome = TaskOutcome(
                host=str(data.get("host", "")),
                task=str(data.get("task", "")),
                status=status,
                output=_text_of(data.get("res") or {}),
            )
            self.outcomes.append(outcome)
            if self.on_task is not None:  # as it happens, so facts carry the right time
                self.on_task(outcome)
        return True


def _text_of(result: Any) -> str:
    """Every stdout/msg string inside a task result, loops included."""
    if isinstance(result, Mapping):
        parts = [str(result.get(k) or "") for k in ("stdout", "msg", "stderr")]
        parts += [_text_of(item) for item in result.get("results") or []]
        return "\n".join(p for p in parts if p)
    return ""


_LOG_LOCK = threading.Lock()  # concurrent runs (one per copy) share the range's attack log


def run_attack_playbook(
    plan: Plan,
    source: ScenarioSource,
    settings: Settings,
    playbook: Path,
    limit: str,
    extravars: Mapping[str, Any],
    on_task: TaskCallback | None = None,
    engine_args: Callable[[], Mapping[str, Sequence[str]]] | None = None,
) -> list[TaskOutcome]:
    """Run `playbook` on the container named `limit`; returns every task's outcome.

    Runs may go on in parallel (each gets its own private directory).
    `engine_args` is asked only when the inventory must be written anew.
    """
    import ansible_runner  # heavy import, only when attacking

    inventory = inventory_path(settings, plan.range)
    if not inventory.exists():
        where = engine_args() if engine_args else None
        write_inventory(inventory, build_inventory(plan, source, {}, where))
    private = settings.data_dir / "attacks" / plan.range / uuid.uuid4().hex[:12]
    # The plain strategy: attack steps keep the exec-per-task behaviour they were written for.
    files = RunFiles.prepare(private, inventory, extravars, forks=5, mitogen=False)
    files = dataclasses.replace(files, playbook=playbook)
    log = settings.logs_dir / f"{plan.range}-attacks.log"
    collector = _Collector(on_task)
    tail: list[str] = []
    title = f"{playbook.name} on {limit} {dict(extravars)} {time.strftime('%H:%M:%S')}"
    with log.open("a", encoding="utf-8") as handle:

        def on_event(event: dict[str, Any]) -> bool:
            if event.get("stdout"):
                lines = str(event["stdout"]).splitlines()
                with _LOG_LOCK:
                    handle.write("".join(f"[{title}] {line}\n" for line in lines))
                    handle.flush()
                tail[:] = (tail + lines)[-8:]
            return collector(event)

        runner = ansible_runner.run(
            private_data_dir=str(files.private_dir),
            playbook=str(playbook),
            inventory=str(files.inventory),
            limit=limit,
            cmdline=f"-e {shlex.quote('@' + str(files.extravars))}",
            envvars=files.environment(),
            event_handler=on_event,
            quiet=True,
            suppress_env_files=True,
        )
    shutil.rmtree(private, ignore_errors=True)  # holds extravars; the log keeps the story
    if not collector.outcomes:  # not one task ran: a broken playbook, not a failed attack
        detail = "\n".join(tail) or f"ansible-runner ended {runner.status}"
        raise ProvisionError(limit, playbook.name, detail)
    return collector.outcomes


@dataclass(frozen=True)
class RangeSteps:
    """Runs attack steps on a deployed range: argv lists by exec, playbooks by Ansible."""

    settings: Settings
    backend: Backend
    plan: Plan
    source: ScenarioSource

    def run_command(self, container: str, argv: Sequence[str], timeout: float) -> ExecResult:
        return self.backend.exec(self.plan.range, container, list(argv), timeout=timeout)

    def run_playbook(
        self,
        playbook: Path,
        container: str,
        extravars: dict[str, Any],
        on_task: TaskCallback | None = None,
    ) -> list[TaskOutcome]:
        def where() -> dict[str, list[str]]:
            return self.backend.engine_args(self.plan.range)

        return run_attack_playbook(
            self.plan, self.source, self.settings, playbook, container, extravars, on_task, where
        )
