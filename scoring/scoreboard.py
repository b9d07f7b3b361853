"""The scoreboard: totals per team and category, service status, history, explain.

Public API (used by the web UI and records):

* :func:`compute_scoreboard` — the board as a viewer of a given role sees it.
* :func:`explain` — the facts behind one team's category score, line by line.
* :func:`recompute` — a full recompute from every fact (rescore, checks).

Incremental: after each completed tick the formula's totals and running state
are saved as a :class:`~scoring.score_tables.ScoreSnapshot`; the next call
restores the latest snapshot and feeds only the newer ticks' facts. The
current, still running tick is applied on top without being saved. Snapshots
are a cache keyed by formula and parameters; the ledger is the truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from range.scenario.models import Scenario
from scoring.formulas import new_accumulator
from scoring.formulas.base import (
    NO_SCORE_ROLES,
    Accumulator,
    FactRow,
    GameParams,
    ScoreLine,
    TeamRef,
    flag_catalog,
)
from scoring.ledger import FACT_TABLE, load_exercise, load_teams
from scoring.score_tables import ScoreSnapshot
from scoring.tables import Exercise, ExerciseState, FactKind

FULL_VIEW_ROLES = frozenset({"white", "auditor", "admin"})  # see the live board during a freeze
SCORING_KINDS = (
    FactKind.CAPTURE,
    FactKind.CHECK,
    FactKind.REPORT_MATCH,
    FactKind.INJECT_GRADE,
    FactKind.HINT,
    FactKind.ADJUSTMENT,
    FactKind.RED_ACTION,
)
STATUS_WINDOW = 3  # ticks searched back for the last check result of each service
SNAPSHOT = ScoreSnapshot.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class TeamScore:
    name: str
    role: str
    copy: int  # the copy the team defends, 0 for none
    total: float
    categories: dict[str, float]
    rank: int  # 1 = best; equal totals share a rank


@dataclass(frozen=True)
class Scoreboard:
    exercise: str
    tick: int  # the last tick whose facts are included
    frozen: bool  # True: this viewer sees the board as it was at the freeze
    formula: str
    teams: list[TeamScore]  # ordered by rank
    services: dict[str, dict[str, str]]  # team -> "host/service" -> last check status
    history: list[tuple[int, dict[str, float]]] = field(default_factory=list)  # tick, totals


@dataclass(frozen=True)
class _View:
    """Which ticks a viewer sees: complete ticks up to ``saved``, then up to ``last``."""

    saved: int
    last: int
    frozen: bool


def game_params(exercise: Exercise, scenario: Scenario, engine: Engine) -> GameParams:
    assert exercise.id is not None
    teams = tuple(
        TeamRef(t.name, t.role, t.copy)
        for t in load_teams(engine, exercise.id)
        if t.role not in NO_SCORE_ROLES
    )
    return GameParams(
        teams=teams,
        catalog=flag_catalog(scenario),
        flag_lifetime=exercise.flag_lifetime,
        tick_seconds=exercise.tick_seconds,
        weights=dict(scenario.scoring.weights),
        first_blood=scenario.scoring.first_blood,
    )


def freeze_tick(exercise: Exercise, scenario: Scenario) -> int | None:
    """First tick hidden from teams by the score freeze (None: no freeze)."""
    if scenario.scoring.freeze is None:
        return None
    visible = max(0, exercise.duration_seconds - int(scenario.scoring.freeze))
    return visible // max(1, exercise.tick_seconds)


def _view(
    exercise: Exercise, scenario: Scenario, viewer_role: str, frozen_at_tick: int | None
) -> _View:
    current = exercise.current_tick
    complete = current if exercise.state is ExerciseState.FINISHED else current - 1
    if frozen_at_tick is None and viewer_role not in FULL_VIEW_ROLES:
        start_of_freeze = freeze_tick(exercise, scenario)
        if start_of_freeze is not None and current >= start_of_freeze:
            frozen_at_tick = start_of_freeze - 1
    if frozen_at_tick is not None:
        last = min(frozen_at_tick, current)
        return _View(min(last, complete), last, True)
    return _View(complete, current, False)


def load_rows(
    conn: Connection, exercise_id: int, first: int, last: int
) -> dict[int, list[FactRow]]:
    """Scoring facts of ticks ``first..last``, grouped by tick, in (tick, id) order."""
    c = FACT_TABLE.c
    query = (
        select(
            c.id, c.tick, c.kind, c.team, c.target, c.host, c.service, c.outcome, c.points, c.data
        )
        .where(c.exercise_id == exercise_id, c.tick >= first, c.tick <= last)
        .where(c.kind.in_(SCORING_KINDS))
        .order_by(c.tick, c.id)
    )
    grouped: dict[int, list[FactRow]] = {}
    for row in conn.execute(query):
        grouped.setdefault(row[1], []).append(FactRow._make(row))
    return grouped


def _feed(acc: Accumulator, rows: dict[int, list[FactRow]], first: int, last: int) -> None:
    for tick in range(first, last + 1):
        acc.apply_tick(tick, rows.get(tick, ()))


def _restore(conn: Connection, exercise_id: int, key: str, upto: int, acc: Accumulator) -> None:
    """Load the newest snapshot at or before ``upto`` that no late fact made stale."""
    mine = (SNAPSHOT.c.exercise_id == exercise_id) & (SNAPSHOT.c.formula_key == key)
    while upto >= 0:
        query = (
            select(SNAPSHOT.c.tick, SNAPSHOT.c.max_fact_id, SNAPSHOT.c.state)
            .where(mine, SNAPSHOT.c.tick <= upto)
            .order_by(SNAPSHOT.c.tick.desc())
            .limit(1)
        )
        found = conn.execute(query).first()
        if found is None:
            return
        tick, max_id, state = found
        late = _earliest_tick_after(conn, exercise_id, int(max_id))
        if late is None or late > tick:
            acc.load_state(state)
            return
        upto = late - 1  # facts of tick ``late`` arrived after it was saved


def _earliest_tick_after(conn: Connection, exercise_id: int, fact_id: int) -> int | None:
    c = FACT_TABLE.c
    query = select(func.min(c.tick)).where(
        c.exercise_id == exercise_id, c.id > fact_id, c.kind.in_(SCORING_KINDS)
    )
    value = conn.execute(query).scalar_one_or_none()
    return None if value is None else int(value)


def _max_fact_id(conn: Connection, exercise_id: int) -> int:
    c = FACT_TABLE.c
    value = conn.execute(select(func.max(c.id)).where(c.exercise_id == exercise_id)).scalar()
    return int(value or 0)


def _catch_up(engine: Engine, exercise_id: int, key: str, acc: Accumulator, upto: int) -> None:
    """Feed complete ticks after the restored state, saving a snapshot per tick."""
    if acc.tick >= upto:
        return
    first = acc.tick + 1
    with engine.connect() as conn:
        seen = _max_fact_id(conn, exercise_id)
        rows = load_rows(conn, exercise_id, first, upto)
    snapshots = []
    for tick in range(first, upto + 1):
        acc.apply_tick(tick, rows.get(tick, ()))
        totals = {team: sum(cats.values()) for team, cats in acc.totals().items()}
        snapshots.append(
            {
                "max_fact_id": seen,
                "exercise_id": exercise_id,
                "formula_key": key,
                "tick": tick,
                "totals": totals,
                "state": acc.state(),
            }
        )
    try:
        with engine.begin() as conn:
            # stale snapshots (see _restore) of the ticks recomputed here are replaced
            conn.execute(
                delete(SNAPSHOT).where(
                    SNAPSHOT.c.exercise_id == exercise_id,
                    SNAPSHOT.c.formula_key == key,
                    SNAPSHOT.c.tick >= first,
                )
            )
            conn.execute(insert(SNAPSHOT), snapshots)
    except IntegrityError:
        pass  # another process saved the same ticks first: same facts, same snapshots


def _history(
    conn: Connection, exercise_id: int, key: str, upto: int
) -> list[tuple[int, dict[str, float]]]:
    query = (
        select(SNAPSHOT.c.tick, SNAPSHOT.c.totals)
        .where(SNAPSHOT.c.exercise_id == exercise_id, SNAPSHOT.c.formula_key == key)
        .where(SNAPSHOT.c.tick <= upto)
        .order_by(SNAPSHOT.c.tick)
    )
    return [(int(tick), dict(totals)) for tick, totals in conn.execute(query)]


def service_status(conn: Connection, exercise_id: int, tick: int) -> dict[str, dict[str, str]]:
    """Last check result per team and ``host/service`` among the last few ticks."""
    c = FACT_TABLE.c
    query = (
        select(c.team, c.host, c.service, c.outcome)
        .where(c.exercise_id == exercise_id, c.kind == FactKind.CHECK)
        .where(c.tick > tick - STATUS_WINDOW, c.tick <= tick)
        .order_by(c.tick, c.id)
    )
    status: dict[str, dict[str, str]] = {}
    for team, host, service, outcome in conn.execute(query):
        status.setdefault(team, {})[f"{host}/{service}"] = outcome
    return status


def rank(params: GameParams, totals: dict[str, dict[str, float]]) -> list[TeamScore]:
    scored = sorted(params.teams, key=lambda t: (-sum(totals[t.name].values()), t.name))
    result: list[TeamScore] = []
    for index, team in enumerate(scored):
        total = round(sum(totals[team.name].values()), 6)
        place = result[-1].rank if result and result[-1].total == total else index + 1
        categories = {cat: round(points, 6) for cat, points in totals[team.name].items()}
        result.append(TeamScore(team.name, team.role, team.copy, total, categories, place))
    return result


def compute_scoreboard(
    engine: Engine,
    exercise_name: str,
    formula: str | None = None,
    viewer_role: str = "white",
    frozen_at_tick: int | None = None,
) -> Scoreboard:
    """The board for a viewer of ``viewer_role``: teams and other roles see the
    frozen board during a score freeze; white team, auditors and admins the live one.
    ``frozen_at_tick`` shows the board as it was after that tick, for anyone."""
    exercise = load_exercise(engine, exercise_name)
    assert exercise.id is not None
    scenario = Scenario.model_validate(exercise.scenario)
    params = game_params(exercise, scenario, engine)
    name = formula or exercise.formula
    key = params.key(name)
    view = _view(exercise, scenario, viewer_role, frozen_at_tick)
    acc = new_accumulator(name, params)
    with engine.connect() as conn:
        _restore(conn, exercise.id, key, view.saved, acc)
    _catch_up(engine, exercise.id, key, acc, view.saved)
    with engine.connect() as conn:
        history = _history(conn, exercise.id, key, view.saved)
        if view.last > acc.tick:  # the running tick: applied, never saved
            live = new_accumulator(name, params)
            live.load_state(acc.state())
            first = acc.tick + 1
            _feed(live, load_rows(conn, exercise.id, first, view.last), first, view.last)
            acc = live
            history.append((view.last, {t: sum(c.values()) for t, c in acc.totals().items()}))
        services = service_status(conn, exercise.id, view.last)
    return Scoreboard(
        exercise.name, view.last, view.frozen, name, rank(params, acc.totals()), services, history
    )


def recompute(
    engine: Engine,
    exercise_name: str,
    formula: str | None = None,
    upto: int | None = None,
    record: bool = False,
) -> Accumulator:
    """Feed every fact up to tick ``upto`` (default: the current tick) to a fresh formula."""
    exercise = load_exercise(engine, exercise_name)
    assert exercise.id is not None
    scenario = Scenario.model_validate(exercise.scenario)
    params = game_params(exercise, scenario, engine)
    last = exercise.current_tick if upto is None else upto
    acc = new_accumulator(formula or exercise.formula, params, record=record)
    with engine.connect() as conn:
        _feed(acc, load_rows(conn, exercise.id, 0, last), 0, last)
    return acc


def explain(
    engine: Engine,
    exercise_name: str,
    team: str,
    category: str,
    formula: str | None = None,
    viewer_role: str = "white",
) -> list[ScoreLine]:
    """The lines behind ``team``'s ``category`` score on the board this viewer sees;
    their points sum to that category's score."""
    exercise = load_exercise(engine, exercise_name)
    scenario = Scenario.model_validate(exercise.scenario)
    view = _view(exercise, scenario, viewer_role, None)
    acc = recompute(engine, exercise_name, formula, upto=view.last, record=True)
    lines = [ln for ln in acc.all_lines() if ln.team == team and ln.category == category]
    return sorted(lines, key=lambda ln: (ln.tick, ln.fact_id or 0))


def drop_snapshots(engine: Engine, exercise_name: str) -> int:
    """Forget every cached snapshot of an exercise (they are rebuilt on demand)."""
    exercise = load_exercise(engine, exercise_name)
    with engine.begin() as conn:
        result = conn.execute(delete(SNAPSHOT).where(SNAPSHOT.c.exercise_id == exercise.id))
        return int(result.rowcount)
