"""Shared indicators scored by matching them to what red really did.

An indicator a team shares is matched to a ``RED_ACTION`` fact against that
team's copy (``Fact.target`` is the team) that happened at most
``scenario.sharing.deadline`` before the share (in ticks, rounded up) and not
after it. It matches when

* it names an address of the acting red team's hosts (the plan's addresses of
  hosts with ``team:`` that red team) and, if it names ATT&CK techniques, one
  of them is the action's technique (T1059 also matches T1059.004); or
* it names the action's technique and the attacked host.

Each indicator matches at most one action (the oldest it explains), each
action is credited at most once per team: the dedup key
``share:<team>:<action id>`` (unique per exercise in the ledger) is what holds
that, also under concurrent shares. A match is a ``SHARE_MATCH`` fact worth
``scoring.weights.share`` (default 5) points, counted in the *reports*
category; false and late indicators earn nothing and write nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from range.planner import make_plan
from range.scenario.models import Scenario
from scoring.ledger import FACT_TABLE, append_one, current_tick, fact_row
from scoring.reports import technique_matches
from scoring.tables import Exercise, FactKind

DEFAULT_SHARE_POINTS = 5.0


@dataclass(frozen=True)
class SharedIndicator:
    """What an indicator names, already pulled out of its STIX pattern."""

    ref: str  # its STIX id
    addresses: frozenset[str] = frozenset()
    hosts: frozenset[str] = frozenset()
    techniques: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ShareMatch:
    fact_id: int
    action_id: int
    ref: str
    points: float
    why: str


def red_addresses(scenario: Scenario, range_name: str) -> dict[str, frozenset[str]]:
    """Scenario team name -> the addresses of its hosts in the planned range."""
    teams = {name: host.team for name, host in scenario.hosts.items() if host.team}
    found: dict[str, set[str]] = {}
    for container in make_plan(scenario, range_name).containers:
        team = teams.get(container.host)
        if team is not None:
            found.setdefault(team, set()).update(i.address for i in container.interfaces)
    return {team: frozenset(addresses) for team, addresses in found.items()}


def explain_match(indicator: SharedIndicator, host: str, technique: str,
                  addresses: Iterable[str]) -> str | None:
    """Why the indicator describes the action (None when it does not)."""
    named = [t for t in indicator.techniques if technique_matches(t, technique)]
    ips = sorted(indicator.addresses & frozenset(addresses))
    if ips and (named or not indicator.techniques):
        return f"address {ips[0]}" + (f", technique {technique}" if named else "")
    if named and host in indicator.hosts:
        return f"technique {technique} on host {host}"
    return None


def score_shared(
    engine: Engine,
    exercise: Exercise,
    team: str,
    indicators: Sequence[SharedIndicator],
    *,
    actor: str,
    tick: int | None = None,
) -> list[ShareMatch]:
    """Match each indicator ``team`` shared to a red action; append SHARE_MATCH facts."""
    if not indicators:
        return []
    assert exercise.id is not None
    scenario = Scenario.model_validate(exercise.scenario)
    deadline = math.ceil(int(scenario.sharing.deadline) / max(1, exercise.tick_seconds))
    points = float(scenario.scoring.weights.get("share", DEFAULT_SHARE_POINTS))
    by_team = red_addresses(scenario, exercise.range_name)
    c = FACT_TABLE.c
    with engine.connect() as conn:
        now = current_tick(conn, exercise.id) if tick is None else tick
        actions = conn.execute(
            select(c.id, c.team, c.host, c.data)
            .where(c.exercise_id == exercise.id, c.kind == FactKind.RED_ACTION)
            .where(c.target == team, c.tick >= now - deadline, c.tick <= now)
            .order_by(c.tick, c.id)
        ).all()
    matches = []
    for indicator in indicators:
        for action_id, red_team, host, data in actions:
            technique = str(data.get("technique", ""))
            addresses = by_team.get(_base(red_team, by_team), frozenset())
            why = explain_match(indicator, host or "", technique, addresses)
            if why is None:
                continue
            row = fact_row(
                exercise.id, now, FactKind.SHARE_MATCH, team=team, target=red_team, host=host,
                points=points, actor=actor,
                message=f"indicator {indicator.ref} matched action {action_id}: {why}",
                data={"action_id": action_id, "ref": indicator.ref, "why": why},
                dedup_key=f"share:{team}:{action_id}",
            )
            try:
                fact_id = append_one(engine, row)
            except IntegrityError:
                continue  # this action was already credited to the team
            matches.append(ShareMatch(fact_id, action_id, indicator.ref, points, why))
            break
    return matches


def _base(team: str, known: dict[str, frozenset[str]]) -> str:
    """The scenario team of a team instance (red-2 -> red)."""
    if team in known:
        return team
    base, _, number = team.rpartition("-")
    return base if number.isdigit() and base in known else team
