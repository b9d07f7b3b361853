"""Handing out a pool's sandboxes (docs/training.md): allocate, release, reset, repair.

`allocate` hands a trainee the lowest ready sandbox whose containers all run
— a database update and one status call, no container work, so it is fast
from warm. `release` (or expiry, through `reclaim`) makes the sandbox fresh
again: every container of its copy is recreated from its image and
configured in one provisioning run, with the copy's flags. `repair` brings
back what died: a broken or lost container is recreated, and a trainee keeps
the sandbox they hold. Creating and removing pools is cyberrange.pools'.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from range import lifecycle
from range.backends import get_backend
from range.config import Settings
from range.errors import CyberrangeError, NotFoundError
from range.pool_state import (
    Sandbox,
    SandboxState,
    claim,
    expired,
    held_by,
    sandboxes,
    set_state,
)
from range.provision.provisioner import provision
from range.scenario.loader import load
from range.state import get_record
from scoring.planted import objective_flags
from scoring.succession import range_exercise


def allocate(settings: Settings, engine: Engine, pool: str, holder: str, ttl: timedelta) -> Sandbox:
    """The trainee's sandbox: the one they hold, else the lowest ready one that runs."""
    found = held_by(engine, pool, holder)
    if found is not None:
        return found
    running = _running_copies(settings, pool)
    skip: set[int] = set()
    while True:
        sandbox = claim(engine, pool, holder, ttl, skip)
        if sandbox.number in running:
            return sandbox
        # A container of it is gone: never hand that out; `repair` brings it back.
        set_state(engine, pool, sandbox.number, SandboxState.BROKEN, "a container is not running")
        skip.add(sandbox.number)


def release(settings: Settings, engine: Engine, pool: str, holder: str) -> Sandbox:
    """The trainee is done: their sandbox is made fresh and goes back to the pool."""
    found = held_by(engine, pool, holder)
    if found is None:
        raise NotFoundError(f"{holder} holds no sandbox of pool {pool}")
    return reset_sandbox(settings, engine, pool, found.number)


def reset_sandbox(settings: Settings, engine: Engine, pool: str, number: int) -> Sandbox:
    """Recreate every container of the sandbox's copy and configure them again."""
    set_state(engine, pool, number, SandboxState.RESETTING)
    try:
        _recreate(settings, engine, pool, number, only_down=False)
    except CyberrangeError as exc:
        set_state(engine, pool, number, SandboxState.BROKEN, f"reset failed: {exc}")
        raise
    return set_state(engine, pool, number, SandboxState.READY)


def reclaim(settings: Settings, engine: Engine, pool: str) -> list[Sandbox]:
    """Reset every sandbox whose holder's time is up."""
    return [reset_sandbox(settings, engine, pool, s.number) for s in expired(engine, pool)]


def repair(
    settings: Settings, engine: Engine, pool: str, done: Callable[[Sandbox], None] | None = None
) -> list[Sandbox]:
    """Bring back every sandbox: broken ones are reset; a held one with a dead container
    gets that container recreated and configured, and stays with its trainee."""
    running = _running_copies(settings, pool)
    repaired = []
    for sandbox in sandboxes(engine, pool):
        if sandbox.state is SandboxState.ALLOCATED and sandbox.number not in running:
            _recreate(settings, engine, pool, sandbox.number, only_down=True)
        elif sandbox.state is not SandboxState.ALLOCATED and (
            sandbox.state is not SandboxState.READY or sandbox.number not in running
        ):
            sandbox = reset_sandbox(settings, engine, pool, sandbox.number)
        else:
            continue
        repaired.append(sandbox)
        if done is not None:
            done(sandbox)
    return repaired


def repair_held(settings: Settings, engine: Engine, pool: str, holder: str) -> bool:
    """The holder's sandbox: its dead containers recreated and configured (it stays
    theirs); False when everything of it was running."""
    found = held_by(engine, pool, holder)
    if found is None:
        raise NotFoundError(f"{holder} holds no sandbox of pool {pool}")
    if found.number in _running_copies(settings, pool):
        return False
    _recreate(settings, engine, pool, found.number, only_down=True)
    return True


def _running_copies(settings: Settings, pool: str) -> set[int]:
    """Copies whose every container runs."""
    statuses = get_backend(settings).status(pool)
    copies = {s.copy for s in statuses if s.copy}
    return {c for c in copies if all(s.state == "running" for s in statuses if s.copy == c)}


def _recreate(settings: Settings, engine: Engine, pool: str, number: int, only_down: bool) -> None:
    """Recreate the copy's containers (all, or those not running) and provision them."""
    record = get_record(engine, pool)
    plan = lifecycle.plan_of(engine, pool)
    states = {s.container: s.state for s in get_backend(settings).status(pool)}
    targets = [c for c in plan.containers if c.copy == number
               and not (only_down and states.get(c.name) == "running")]  # fmt: skip
    for container in targets:
        lifecycle.reset(settings, engine, pool, container.host, container.copy)
    exercise = range_exercise(engine, pool)
    if exercise is None or not targets:
        return
    loaded = load(Path(record.scenario_path), settings.root)
    flags = objective_flags(exercise, plan, loaded.scenario)
    hosts = {(c.host, c.copy) for c in targets}
    where = get_backend(settings).engine_args(pool)
    provision(plan, loaded, settings, flags, hosts=hosts, engine_args=where)  # raises on failure
