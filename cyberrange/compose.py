"""Operations that span packages: deploying a range is apply + exercise + provision.

`range` cannot import `scoring` (layers point one way), yet objective flags are
signed with the exercise's secret. The composition root does both: it settles
the range's exercise (kept, created or replaced: scoring.succession) before
the range is touched, signs the flags, and hands their values to the
provisioner; `down` ends the range's exercise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from cyberrange.range_exercise import Settled, end_exercise, settle_exercise
from range import lifecycle
from range.access.service import close_vpn
from range.backends import get_backend
from range.backends.base import ApplyReport, ProgressCallback
from range.backends.docker_hostfw import engine_is_local
from range.config import Settings
from range.plan import ContainerPlan, Plan
from range.provision.model import ProvisionProgress, ProvisionReport
from range.provision.playbook import resolve_steps
from range.provision.provisioner import provision
from range.scenario.loader import LoadedScenario
from range.state import RangeRecord
from scoring.planted import objective_flags
from scoring.succession import Succession, range_exercise
from scoring.tables import Exercise


@dataclass(frozen=True)
class Deployment:
    plan: Plan
    applied: ApplyReport
    exercise: Exercise
    provisioned: ProvisionReport
    succession: Succession  # how the range came to play `exercise`


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
    actor: str = "cyberrange",
) -> Deployment:
    """Bring the range up (or repair it), settle its exercise, and configure every host.

    Decides first, touches after: under the range's lock and before any object
    is created or replaced, the provisioning entries are resolved and the
    range's exercise is kept, created or replaced (scoring.succession) — any
    refusal leaves the range as it was. Idempotent: running it again after a
    crash converges (apply repairs, the exercise is kept, Ansible's roles are
    idempotent).
    """
    backend = get_backend(settings)
    settled: list[Settled] = []

    def before_apply(plan: Plan, record: RangeRecord | None) -> None:
        resolve_steps(loaded, plan.containers, settings)  # a missing role refuses here
        settled.append(settle_exercise(engine, plan, loaded, record, actor))

    result = lifecycle.up(
        settings, engine, loaded, name, copies, on_apply,
        on_plan=on_plan, backend=backend, before_apply=before_apply,
    )  # fmt: skip
    plan, (chosen,) = result.plan, settled
    flags = objective_flags(chosen.exercise, plan, loaded.scenario)
    where = backend.engine_args(plan.range)
    report = provision(plan, loaded, settings, flags, progress=on_task, engine_args=where)
    return Deployment(plan, result.report, chosen.exercise, report, chosen.succession)


def deploy_unconfigured(
    settings: Settings,
    engine: Engine,
    loaded: LoadedScenario,
    name: str | None = None,
    copies: int | None = None,
    *,
    on_apply: ProgressCallback | None = None,
    on_plan: Callable[[Plan], None] | None = None,
    actor: str = "cyberrange",
) -> tuple[lifecycle.UpResult, Settled | None]:
    """`up --no-provision`: networks and containers only, no exercise of its own.

    A range that already has an exercise still settles it (kept or replaced by
    the same rules), so a changed scenario never leaves a stale exercise behind.
    """
    settled: list[Settled] = []

    def before_apply(plan: Plan, record: RangeRecord | None) -> None:
        if range_exercise(engine, plan.range) is not None:
            settled.append(settle_exercise(engine, plan, loaded, record, actor))

    result = lifecycle.up(
        settings, engine, loaded, name, copies, on_apply,
        on_plan=on_plan, before_apply=before_apply,
    )  # fmt: skip
    return result, (settled[0] if settled else None)


def teardown(
    settings: Settings,
    engine: Engine,
    name: str,
    progress: ProgressCallback | None = None,
    *,
    actor: str = "cyberrange",
) -> tuple[int, Exercise | None]:
    """`down`: remove the range, then end its exercise (unless finished) under the same lock.

    Returns how many objects went and the exercise that was stopped, if any.
    """
    stopped: list[Exercise | None] = []
    removed = lifecycle.down(
        settings, engine, name, progress,
        after_down=lambda range_name: stopped.append(end_exercise(engine, range_name, actor)),
    )  # fmt: skip
    if engine_is_local():  # the range's VPN endpoints live on this host (no-op without any)
        removed += len(close_vpn(name))
    return removed, (stopped[-1] if stopped else None)


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
