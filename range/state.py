"""What the database knows about deployed ranges: one row per range name.

The row holds the plan the range was last deployed with, so `down`, `status`,
`verify` and `reset` work from the same plan without re-reading the scenario.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, select

from range.config import Settings
from range.db import session_scope
from range.errors import NotFoundError
from range.lock import Holder, abandoned_lock
from range.plan import (
    HOOK_FORWARD,
    AccessGrant,
    ContainerPlan,
    FirewallRulePlan,
    GrantedHost,
    GrantedNetwork,
    Interface,
    NetworkPlan,
    Plan,
    Route,
    ServicePlan,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class RangeState(StrEnum):
    DEPLOYING = "deploying"
    UP = "up"
    FAILED = "failed"
    DOWN = "down"


class RangeRecord(SQLModel, table=True):
    __tablename__ = "range_record"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    scenario_path: str
    scenario_name: str = ""
    copies: int = 1
    backend: str = "docker"
    plan: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: RangeState = RangeState.DEPLOYING
    error: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


def plan_from_dict(data: dict[str, Any]) -> Plan:
    """The inverse of Plan.to_dict (JSON turns tuples into lists)."""
    networks = tuple(NetworkPlan(**n) for n in data["networks"])
    containers = tuple(_container(c) for c in data["containers"])
    return Plan(
        range=data["range"],
        scenario=data["scenario"],
        copies=int(data["copies"]),
        networks=networks,
        containers=containers,
        access=tuple(_grant(g) for g in data.get("access", ())),
    )


def _grant(data: dict[str, Any]) -> AccessGrant:
    return AccessGrant(
        **{
            **data,
            "networks": tuple(GrantedNetwork(**n) for n in data.get("networks", ())),
            "hosts": tuple(GrantedHost(**h) for h in data.get("hosts", ())),
        }
    )


def _container(data: dict[str, Any]) -> ContainerPlan:
    fields = dict(data)
    fields["interfaces"] = tuple(Interface(**i) for i in data["interfaces"])
    fields["routes"] = tuple(Route(**r) for r in data.get("routes", ()))
    fields["firewall"] = tuple(
        FirewallRulePlan(
            **{
                **r,
                "ports": tuple(r.get("ports", ())),
                "hooks": tuple(r.get("hooks", (HOOK_FORWARD,))),
            }
        )
        for r in data.get("firewall", ())
    )
    fields["services"] = tuple(ServicePlan(**s) for s in data.get("services", ()))
    fields["capabilities"] = tuple(data.get("capabilities", ()))
    if data.get("command") is not None:
        fields["command"] = tuple(data["command"])
    return ContainerPlan(**fields)


def find(session: Session, name: str) -> RangeRecord | None:
    return session.exec(select(RangeRecord).where(RangeRecord.name == name)).first()


def get_record(engine: Engine, name: str) -> RangeRecord:
    with Session(engine) as session:
        record = find(session, name)
        if record is None:
            raise NotFoundError(f"no range named {name!r}: see `cyberrange status` for the list")
        return record


def all_ranges(engine: Engine) -> list[RangeRecord]:
    with Session(engine) as session:
        return list(session.exec(select(RangeRecord).order_by(RangeRecord.name)).all())


def interrupted_deploy(settings: Settings, engine: Engine, name: str) -> Holder | None:
    """The process that was deploying range NAME, if it is gone and left it `deploying`.

    `up` records `deploying` and `up`/`failed` under the range's lock, and the
    kernel drops the lock when its process dies (even by SIGKILL): a range
    still `deploying` while nobody holds its lock was abandoned. The state is
    read again while the lock is held shared, so an `up` that finishes or
    starts meanwhile is never taken for a dead one.
    """
    with abandoned_lock(settings, name) as holder:
        if holder is None:
            return None
        with Session(engine) as session:
            record = find(session, name)
            if record is None or record.state != RangeState.DEPLOYING:
                return None
        return holder


def save_deploying(engine: Engine, plan: Plan, scenario_path: str, backend: str) -> RangeRecord:
    """Record (or update) the range as being deployed with this plan, before any work."""
    with session_scope(engine) as session:
        record = find(session, plan.range) or RangeRecord(
            name=plan.range, scenario_path=scenario_path
        )
        record.scenario_path = scenario_path
        record.scenario_name = plan.scenario
        record.copies = plan.copies
        record.backend = backend
        record.plan = plan.to_dict()
        record.state = RangeState.DEPLOYING
        record.error = ""
        record.updated_at = utcnow()
        session.add(record)
        session.flush()
        session.refresh(record)
        session.expunge(record)
        return record


def set_state(engine: Engine, name: str, state: RangeState, error: str = "") -> None:
    with session_scope(engine) as session:
        record = find(session, name)
        if record is None:
            return
        record.state = state
        record.error = error[:2000]
        record.updated_at = utcnow()
        session.add(record)
