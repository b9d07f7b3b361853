"""Operations that span packages: deploying a range is apply + exercise + provision.

`range` cannot import `scoring` (layers point one way), yet objective flags are
signed with the exercise's secret. The composition root does both: it creates
the exercise, signs the flags, and hands their values to the provisioner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from range import lifecycle
from range.backends import get_backend
from range.backends.base import ApplyReport, ProgressCallback
from range.config import Settings
from range.plan import ContainerPlan, Plan
from range.provision.inventory import flag_spots
from range.provision.model import ProvisionProgress, ProvisionReport
from range.provision.provisioner import provision
from range.scenario.loader import LoadedScenario
from range.scenario.models import Scenario
from scoring.exercise import create_exercise
from scoring.flags import FlagCodec
from scoring.tables import Exercise


@dataclass(frozen=True)
class Deployment:
    plan: Plan
    applied: ApplyReport
    exercise: Exercise
    provisioned: ProvisionReport


def objective_flags(
    exercise: Exercise, plan: Plan, scenario: Scenario
) -> dict[tuple[str, int, int], str]:
    """(host, copy, index) → signed objective flag of that copy."""
    assert exercise.id is not None
    codec = FlagCodec(exercise.secret, exercise.id)
    return {
        (spot.host, spot.copy, spot.index): codec.objective_flag(spot.copy, spot.slot)
        for spot in flag_spots(plan, scenario)
    }


def deploy(
    settings: Settings,
    engine: Engine,
    loaded: LoadedScenario,
    name: str | None = None,
    copies: int | None = None,
    *,
    on_apply: ProgressCallback | None = None,
    on_task: ProvisionProgress | None = None,
    on_plan: Callable[[Plan], None] | None = None,
) -> Deployment:
    """Bring the range up (or repair it), make its exercise, and configure every host.

    Idempotent: running it again after a crash converges (apply repairs, the
    exercise is reused, Ansible's roles are idempotent).
    """
    backend = get_backend(settings)
    result = lifecycle.up(
        settings, engine, loaded, name, copies, on_apply, on_plan=on_plan, backend=backend
    )
    plan = result.plan
    exercise = create_exercise(
        engine, plan.range, plan.range, loaded.scenario, str(loaded.path), plan.copies
    )
    flags = objective_flags(exercise, plan, loaded.scenario)
    where = backend.engine_args(plan.range)
    report = provision(plan, loaded, settings, flags, progress=on_task, engine_args=where)
    return Deployment(plan, result.report, exercise, report)


def reprovision_after_reset(
    settings: Settings, engine: Engine, loaded: LoadedScenario, exercise: Exercise
) -> Callable[[Plan, ContainerPlan], None]:
    """The `after` hook of lifecycle.reset: configure the recreated host again.

    `settings` name the range's backend: the new container may be on another node.
    """

    def after(plan: Plan, container: ContainerPlan) -> None:
        flags = objective_flags(exercise, plan, loaded.scenario)
        where = get_backend(settings).engine_args(plan.range)
        hosts = {(container.host, container.copy)}
        provision(plan, loaded, settings, flags, hosts=hosts, engine_args=where)

    return after
