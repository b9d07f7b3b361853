"""Sandbox pools for trainings: N pre-built copies of a scenario, one per trainee.

`create` deploys the scenario as one range with N copies (apply, exercise,
provision: what `up` does) and registers sandbox 1..N; `destroy` removes the
range and the sandboxes. Handing sandboxes out, resetting and repairing them
is scoring.sandboxes' (the web UI uses it too).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from cyberrange.compose import deploy, teardown
from range.backends.base import ProgressCallback
from range.config import Settings
from range.errors import NotFoundError
from range.pool_state import (
    PoolError,
    Sandbox,
    forget_pool,
    register_pool,
    sandboxes,
)
from range.scenario.loader import load

ACTOR = "cli:pool"


def create_pool(
    settings: Settings,
    engine: Engine,
    scenario: Path,
    name: str,
    size: int,
    on_apply: ProgressCallback | None = None,
) -> list[Sandbox]:
    """Deploy (or repair) ``size`` copies of ``scenario`` as pool ``name``."""
    if not 1 <= size <= 250:
        raise PoolError(f"a pool holds 1 to 250 sandboxes, not {size}")
    loaded = load(scenario, settings.root)
    if not loaded.scenario.defending_teams():
        raise PoolError(
            f"{scenario}: no defending team (role blue or purple), so the scenario has no "
            "copies to give each trainee"
        )
    deploy(settings, engine, loaded, name, copies=size, on_apply=on_apply, actor=ACTOR)
    return register_pool(engine, name, size)


def destroy_pool(settings: Settings, engine: Engine, pool: str) -> int:
    """Remove the pool's range and its sandboxes; how many engine objects went."""
    if not sandboxes(engine, pool):
        raise NotFoundError(f"no pool {pool!r}")
    removed, _ = teardown(settings, engine, pool, actor=ACTOR)
    forget_pool(engine, pool)
    return removed
