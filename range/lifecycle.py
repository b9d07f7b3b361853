"""Range operations the CLI and web layer call: up, down, status, verify, reset, shell.

Each changing operation holds the range's lock, records its state in the
database before touching the engine, and leaves the engine work to the
backend. A crash mid-way is repaired by running the same command again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy.engine import Engine

from range.backends import get_backend
from range.backends.base import ApplyReport, Backend, HostStatus, ProgressCallback
from range.config import Settings
from range.errors import ConflictError, NotFoundError
from range.lock import range_lock
from range.netcheck import network_drift
from range.plan import SHARED_COPY, ContainerPlan, Plan
from range.planner import make_plan
from range.scenario.loader import LoadedScenario
from range.state import (
    RangeRecord,
    RangeState,
    all_ranges,
    get_record,
    plan_from_dict,
    save_deploying,
    set_state,
)
from range.verify import ProbeResult, verify_plan

# Called after a container was recreated by `reset`; provisioning hooks in here.
AfterReset = Callable[[Plan, ContainerPlan], None]

# Called by `up` under the range's lock with the plan and the range's record as
# it was (None: never deployed), after the range's own refusals and before
# anything is written or touched: upper layers decide (and may refuse) here.
BeforeApply = Callable[[Plan, RangeRecord | None], None]


@dataclass(frozen=True)
class UpResult:
    plan: Plan
    report: ApplyReport


@dataclass(frozen=True)
class RangeStatus:
    record: RangeRecord
    hosts: list[HostStatus] = field(default_factory=list)


def _backend(settings: Settings, backend: Backend | None) -> Backend:
    return backend if backend is not None else get_backend(settings)


def up(
    settings: Settings,
    engine: Engine,
    loaded: LoadedScenario,
    name: str | None = None,
    copies: int | None = None,
    progress: ProgressCallback | None = None,
    *,
    on_plan: Callable[[Plan], None] | None = None,
    backend: Backend | None = None,
    before_apply: BeforeApply | None = None,
) -> UpResult:
    """Deploy (or repair) a range from a scenario; returns the plan and what changed.

    Every refusal comes before the range is touched: another scenario under
    this name, no engine, missing images or names and subnets held by others
    (the backend's preflight), then ``before_apply``'s own.
    """
    plan = make_plan(loaded.scenario, range_name=name, copies=copies)
    if on_plan is not None:
        on_plan(plan)
    chosen = _backend(settings, backend)
    with range_lock(settings, plan.range):
        record = _find_record(engine, plan.range)
        _refuse_other_scenario(record, plan)
        chosen.check_engine()
        chosen.preflight(plan)  # images, names, subnets: refused before anything is written
        if before_apply is not None:
            before_apply(plan, record)
        save_deploying(engine, plan, str(loaded.path), chosen.name)
        try:
            report = chosen.apply(plan, progress)
        except BaseException as exc:
            set_state(engine, plan.range, RangeState.FAILED, str(exc) or type(exc).__name__)
            raise
        set_state(engine, plan.range, RangeState.UP)
    return UpResult(plan, report)


def _find_record(engine: Engine, name: str) -> RangeRecord | None:
    try:
        return get_record(engine, name)
    except NotFoundError:
        return None


def _refuse_other_scenario(record: RangeRecord | None, plan: Plan) -> None:
    if record is None:
        return
    if record.state != RangeState.DOWN and record.scenario_name != plan.scenario:
        raise ConflictError(
            f"range {plan.range} runs scenario {record.scenario_name}, not {plan.scenario}: "
            f"take it down first (`cyberrange down {plan.range}`) or pick another --name"
        )


def down(
    settings: Settings,
    engine: Engine,
    name: str,
    progress: ProgressCallback | None = None,
    *,
    backend: Backend | None = None,
    after_down: Callable[[str], None] | None = None,
) -> int:
    """Remove everything labeled with the range; returns how many objects went.

    ``after_down(name)`` runs under the range's lock once the range is down
    (the composition root ends the range's exercise there); a rerun calls it again.
    """
    chosen = _backend(settings, backend)
    with range_lock(settings, name):
        known = _find_record(engine, name) is not None
        removed = chosen.destroy(name, progress)
        if not known and removed == 0:
            raise NotFoundError(f"no range named {name!r}: see `cyberrange status` for the list")
        set_state(engine, name, RangeState.DOWN)
        if after_down is not None:
            after_down(name)
    return removed


def ranges(engine: Engine) -> list[RangeRecord]:
    return all_ranges(engine)


def status(
    settings: Settings,
    engine: Engine,
    name: str,
    *,
    backend: Backend | None = None,
    check_network: bool = False,
) -> RangeStatus:
    """The recorded range and every planned host as found on the engine (missing ones too).

    With ``check_network`` every running host's addresses, routes and (routers)
    firewall are read and compared with the plan; differences are its ``drift``.
    """
    record = get_record(engine, name)
    chosen = _backend(settings, backend)
    found = {(h.host, h.copy): h for h in chosen.status(name)}
    hosts = list(found.values())
    if record.state != RangeState.DOWN:
        plan = plan_from_dict(record.plan)
        if check_network:
            drift = network_drift(chosen, plan, hosts)
            hosts = [replace(h, drift=tuple(drift.get(h.container, ()))) for h in hosts]
        for container in plan.containers:
            if (container.host, container.copy) not in found:
                hosts.append(
                    HostStatus(container.host, container.copy, container.name, "missing", "none")
                )
    return RangeStatus(record, sorted(hosts, key=lambda h: (h.copy, h.host)))


def plan_of(engine: Engine, name: str) -> Plan:
    return plan_from_dict(get_record(engine, name).plan)


def find_container(plan: Plan, host: str, copy: int | None = None) -> ContainerPlan:
    """The host's container; without a copy, copy 1 (or the shared instance)."""
    candidates = [c for c in plan.containers if c.host == host]
    if not candidates:
        hosts = ", ".join(sorted({c.host for c in plan.containers}))
        raise NotFoundError(f"range {plan.range} has no host {host!r} (hosts: {hosts})")
    if copy is None:
        copies = sorted(c.copy for c in candidates)
        copy = 1 if 1 in copies else copies[0]
    for container in candidates:
        if container.copy == copy:
            return container
    numbers = ", ".join(str(c.copy) for c in candidates)
    where = "shared (copy 0)" if SHARED_COPY in {c.copy for c in candidates} else numbers
    raise NotFoundError(f"host {host} of range {plan.range} has no copy {copy} (copies: {where})")


def reset(
    settings: Settings,
    engine: Engine,
    name: str,
    host: str,
    copy: int | None = None,
    *,
    after: AfterReset | None = None,
    backend: Backend | None = None,
) -> ContainerPlan:
    """Recreate one host from its image; ``after`` (e.g. re-provisioning) runs under the lock."""
    plan = plan_of(engine, name)
    container = find_container(plan, host, copy)
    chosen = _backend(settings, backend)
    with range_lock(settings, name):
        chosen.recreate(plan, container)
        if after is not None:
            after(plan, container)
    return container


def verify(
    settings: Settings,
    engine: Engine,
    name: str,
    done: Callable[[ProbeResult], None] | None = None,
    *,
    started: Callable[[int], None] | None = None,
    backend: Backend | None = None,
) -> list[ProbeResult]:
    """Run the plan's probes inside the range; every result, in probe order."""
    plan = plan_of(engine, name)
    return verify_plan(_backend(settings, backend), plan, done=done, started=started)


def shell_argv(
    settings: Settings, engine: Engine, name: str, host: str, copy: int | None, tty: bool
) -> list[str]:
    container = find_container(plan_of(engine, name), host, copy)
    return get_backend(settings).shell_argv(name, container.name, tty)
