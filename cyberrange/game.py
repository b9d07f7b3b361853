"""Wiring the game to a deployed range: the checks each tick runs."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from sqlalchemy.engine import Engine

from range.backends import get_backend
from range.config import Settings
from range.plan import Plan
from range.scenario.models import Scenario
from scoring.checkers.runner import TickChecks


def build_checks(
    settings: Settings,
    engine: Engine,
    plan: Plan,
    scenario: Scenario,
    scenario_path: Path,
    timeout: float = 10.0,
    workers: int = 32,
) -> TickChecks:
    """Checks of every service of every copy, run from each copy's checker container."""
    from range.backends.exec_session import DockerSessions
    from scoring.checkers.sessions import AgentSessions, SessionOpener
    from scoring.checkers.targets import load_scripts, service_targets

    if plan.copies != scenario.copy_count():
        scenario = scenario.with_copies(plan.copies)
    backend = get_backend(settings)
    # Long-lived agent sessions (one exec per checker container): the Docker engine's
    # own `docker exec -i`, or a backend that opens them on the right node (swarm).
    opener = getattr(backend, "open_session", None)
    if backend.name == "docker":
        sessions: AgentSessions | None = AgentSessions(DockerSessions())
    elif opener is not None:
        sessions = AgentSessions(cast(SessionOpener, backend))
    else:
        sessions = None
    scripts = load_scripts(scenario, scenario_path.parent, settings.root)
    targets = service_targets(plan, scenario)
    # FAUST's RECOVERING (an earlier flag lost, the service working again) under
    # the faust formula; ForcAD has no such status: CORRUPT there
    recovering = scenario.scoring.formula == "faust"
    return TickChecks(engine, backend, plan.range, targets, scripts, timeout, workers, sessions,
                      recovering=recovering)
