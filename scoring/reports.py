"""Blue incident reports scored by matching them to red actions.

A report matches a ``RED_ACTION`` fact when the action targeted the reporting
team's copy (``Fact.target`` is the team), on the same host, with the same
ATT&CK technique (a report of a technique also matches its sub-techniques:
T1059 matches T1059.004), and the report comes at most
``scenario.scoring.report_deadline`` after the action (in ticks, rounded up).
Each action is matched at most once per team (dedup key
``report:<team>:<action id>``). The white team can override any decision;
overrides are new facts, nothing is deleted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from range.errors import NotFoundError, RecordError
from range.scenario.models import Scenario
from scoring.ledger import FACT_TABLE, append_one, current_tick, fact_row, insert_one
from scoring.tables import Exercise, FactKind

DEFAULT_REPORT_POINTS = 10.0


@dataclass(frozen=True, slots=True)
class ReportMatch:
    fact_id: int  # the REPORT_MATCH fact
    action_id: int | None  # the RED_ACTION fact matched (None for a manual acceptance)
    points: float


def technique_matches(reported: str, acted: str) -> bool:
    reported, acted = reported.strip().upper(), acted.strip().upper()
    return acted == reported or acted.startswith(reported + ".")


def _settings(exercise: Exercise) -> tuple[int, float]:
    scoring = Scenario.model_validate(exercise.scenario).scoring
    deadline_ticks = math.ceil(int(scoring.report_deadline) / max(1, exercise.tick_seconds))
    return deadline_ticks, float(scoring.weights.get("report", DEFAULT_REPORT_POINTS))


def _exercise_id(exercise: Exercise) -> int:
    if exercise.id is None:
        raise NotFoundError("exercise has not been saved")
    return exercise.id


def record_report(
    engine: Engine,
    exercise: Exercise,
    team: str,
    host: str,
    technique: str,
    *,
    tick: int | None = None,
    report_ref: str = "",
    actor: str | None = None,
) -> ReportMatch | None:
    """Match a report by ``team`` to the oldest unmatched red action it explains;
    append a REPORT_MATCH fact and return it, or None when nothing matches."""
    exercise_id = _exercise_id(exercise)
    deadline, points = _settings(exercise)
    c = FACT_TABLE.c
    with engine.connect() as conn:
        now = current_tick(conn, exercise_id) if tick is None else tick
        query = (
            select(c.id, c.tick, c.team, c.data)
            .where(c.exercise_id == exercise_id, c.kind == FactKind.RED_ACTION)
            .where(c.target == team, c.host == host)
            .where(c.tick >= now - deadline, c.tick <= now)
            .order_by(c.tick, c.id)
        )
        actions = conn.execute(query).all()
    for action_id, _action_tick, red_team, data in actions:
        if not technique_matches(technique, str(data.get("technique", ""))):
            continue
        row = fact_row(
            exercise_id,
            now,
            FactKind.REPORT_MATCH,
            team=team,
            target=red_team,
            host=host,
            points=points,
            actor=actor or team,
            message=f"report {report_ref} matched action {action_id}",
            data={"action_id": action_id, "technique": technique, "report_ref": report_ref},
            dedup_key=f"report:{team}:{action_id}",
        )
        try:
            return ReportMatch(append_one(engine, row), action_id, points)
        except IntegrityError:
            continue  # already matched by an earlier report of this team
    return None


def report_points(engine: Engine, exercise: Exercise, team: str, report_ref: str) -> float:
    """Net points a report has earned so far (matches and overrides)."""
    with engine.connect() as conn:
        return report_points_on(conn, exercise, team, report_ref)


def report_points_on(conn: Connection, exercise: Exercise, team: str, report_ref: str) -> float:
    """:func:`report_points` read in the caller's transaction."""
    c = FACT_TABLE.c
    query = select(c.points, c.data).where(
        c.exercise_id == _exercise_id(exercise), c.kind == FactKind.REPORT_MATCH, c.team == team
    )
    rows = conn.execute(query).all()
    return sum(p or 0.0 for p, data in rows if data.get("report_ref") == report_ref)


@dataclass(frozen=True, slots=True)
class Override:
    """A white team decision on one report (see :func:`override_match`)."""

    team: str
    report_ref: str
    accept: bool
    actor: str
    reason: str
    points: float | None = None


def override_match(
    engine: Engine,
    exercise: Exercise,
    team: str,
    report_ref: str,
    *,
    accept: bool,
    actor: str,
    reason: str,
    points: float | None = None,
    tick: int | None = None,
) -> ReportMatch | None:
    """White team decision on a report: accepted reports are worth ``points``
    (default: the scenario's report points), rejected ones 0. Appends one
    REPORT_MATCH fact with the difference; None when nothing changes."""
    decision = Override(team, report_ref, accept, actor, reason, points)
    with engine.begin() as conn:
        return override_on(conn, exercise, decision, tick)


def override_on(conn: Connection, exercise: Exercise, decision: Override,
                tick: int | None = None) -> ReportMatch | None:
    """:func:`override_match` in the caller's (writing) transaction."""
    if not decision.actor or not decision.reason.strip():
        raise RecordError("an override needs an actor and a reason")
    exercise_id = _exercise_id(exercise)
    _, default_points = _settings(exercise)
    chosen = default_points if decision.points is None else decision.points
    wanted = chosen if decision.accept else 0.0
    delta = wanted - report_points_on(conn, exercise, decision.team, decision.report_ref)
    if abs(delta) < 1e-9:
        return None
    row = fact_row(
        exercise_id,
        current_tick(conn, exercise_id) if tick is None else tick,
        FactKind.REPORT_MATCH,
        team=decision.team,
        points=delta,
        actor=decision.actor,
        outcome="override-accept" if decision.accept else "override-reject",
        message=decision.reason,
        data={"report_ref": decision.report_ref, "override": True},
    )
    return ReportMatch(insert_one(conn, row), None, delta)
