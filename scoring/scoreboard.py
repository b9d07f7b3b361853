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
from typing import Any

from sqlalchemy import (
    String,
    delete,
    func,
    insert,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from range.scenario.models import Scenario
from scoring.factrows import data_of, load_rows
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
from scoring.roles import READ_ALL_ROLES
from scoring.score_tables import ScoreSnapshot
from scoring.tables import Exercise, ExerciseState, FactKind

FULL_VIEW_ROLES = READ_ALL_ROLES  # see the live board during a freeze
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
    # "host/service" (or "host:path" of an objective) -> the points its captures
    # and checks earned or cost; they sum to attack + defense + availability
    # less red-action points
    services: dict[str, float] = field(default_factory=dict)


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
    """First tick hidden from teams by the score freeze (None: no freeze).

    Tick n spans game seconds ``[(n-1)·T, n·T)``; the hidden ticks start with
    the one during which the freeze begins (a 3 m freeze of a 10 m game of 60 s
    ticks begins at 420 s, in tick 8: teams follow the board through tick 7).
    """
    if scenario.scoring.freeze is None:
        return None
    visible = max(0, exercise.duration_seconds - int(scenario.scoring.freeze))
    return visible // max(1, exercise.tick_seconds) + 1


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
    """Lowest tick among this exercise's facts newer than ``fact_id`` (any kind)."""
    c = FACT_TABLE.c
    # "+exercise_id" keeps SQLite on the primary key range (only the newest facts)
    # instead of scanning every fact of the exercise through the kind/tick index.
    query = select(func.min(c.tick)).where(
        c.id > fact_id, literal_column("+fact.exercise_id") == exercise_id
    )
    value = conn.execute(query).scalar_one_or_none()
    return None if value is None else int(value)


def _max_fact_id(conn: Connection) -> int:
    # Ids are global: the newest fact id overall is a watermark for every exercise.
    return int(conn.execute(select(func.max(FACT_TABLE.c.id))).scalar() or 0)


def _catch_up(
    engine: Engine, exercise_id: int, key: str, acc: Accumulator, upto: int, seen: int
) -> None:
    """Feed complete ticks after the restored state, saving a snapshot per tick.

    ``seen`` is the newest fact id read *before* the restored snapshot was
    checked: the restored state holds every fact up to it, and so will the new
    snapshots. (A watermark read later could claim a late fact that committed
    between the check and this read, for a tick the restored state predates.)
    """
    if acc.tick >= upto:
        return
    first = acc.tick + 1
    with engine.connect() as conn:
        rows = load_rows(conn, exercise_id, first, upto)
    snapshots = []
    for tick in range(first, upto + 1):
        acc.apply_tick(tick, rows.get(tick, ()))
        snapshots.append(snapshot_row(exercise_id, key, acc, seen))
    save_snapshots(engine, exercise_id, key, first, snapshots)


def snapshot_row(exercise_id: int, key: str, acc: Accumulator, seen: int) -> dict[str, Any]:
    """The snapshot of ``acc`` after its tick, holding every fact up to id ``seen``."""
    totals = {team: sum(cats.values()) for team, cats in acc.totals().items()}
    return {"max_fact_id": seen, "exercise_id": exercise_id, "formula_key": key,
            "tick": acc.tick, "totals": totals, "state": acc.state()}  # fmt: skip


def save_snapshots(
    engine: Engine, exercise_id: int, key: str, first: int, snapshots: list[dict[str, Any]]
) -> None:
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
        select(SNAPSHOT.c.tick, type_coerce(SNAPSHOT.c.totals, String))
        .where(SNAPSHOT.c.exercise_id == exercise_id, SNAPSHOT.c.formula_key == key)
        .where(SNAPSHOT.c.tick <= upto)
        .order_by(SNAPSHOT.c.tick)
    )
    return [(int(tick), data_of(totals)) for tick, totals in conn.execute(query)]


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


def rank(
    params: GameParams,
    totals: dict[str, dict[str, float]],
    services: dict[str, dict[str, float]] | None = None,
) -> list[TeamScore]:
    scored = sorted(params.teams, key=lambda t: (-sum(totals[t.name].values()), t.name))
    result: list[TeamScore] = []
    for index, team in enumerate(scored):
        total = round(sum(totals[team.name].values()), 6)
        place = result[-1].rank if result and result[-1].total == total else index + 1
        categories = {cat: round(points, 6) for cat, points in totals[team.name].items()}
        per_service = {
            label: round(points, 6)
            for label, points in sorted((services or {}).get(team.name, {}).items())
        }
        result.append(
            TeamScore(team.name, team.role, team.copy, total, categories, place, per_service)
        )
    return result


@dataclass(frozen=True)
class _Game:
    exercise: Exercise
    scenario: Scenario
    params: GameParams

    @property
    def id(self) -> int:
        assert self.exercise.id is not None
        return self.exercise.id


def _game(engine: Engine, exercise_name: str) -> _Game:
    exercise = load_exercise(engine, exercise_name)
    scenario = Scenario.model_validate(exercise.scenario)
    return _Game(exercise, scenario, game_params(exercise, scenario, engine))


def _saved_scores(engine: Engine, game: _Game, formula: str, upto: int) -> Accumulator:
    """Scores after tick ``upto`` from the newest valid snapshot plus newer ticks."""
    key = game.params.key(formula)
    acc = new_accumulator(formula, game.params)
    with engine.connect() as conn:
        seen = _max_fact_id(conn)  # first: every fact up to it is committed (scoring.tables)
        _restore(conn, game.id, key, upto, acc)
    _catch_up(engine, game.id, key, acc, upto, seen)
    return acc


def update_scores(engine: Engine, exercise_name: str, formula: str | None = None) -> int:
    """Save snapshots up to the last complete tick (the clock may call this after
    each tick so boards only read); returns that tick."""
    game = _game(engine, exercise_name)
    view = _view(game.exercise, game.scenario, "white", None)
    return _saved_scores(engine, game, formula or game.exercise.formula, view.saved).tick


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
    game = _game(engine, exercise_name)
    name = formula or game.exercise.formula
    view = _view(game.exercise, game.scenario, viewer_role, frozen_at_tick)
    acc = _saved_scores(engine, game, name, view.saved)
    with engine.connect() as conn:
        history = _history(conn, game.id, game.params.key(name), view.saved)
        if view.last > acc.tick:  # the running tick: applied, never saved
            live = new_accumulator(name, game.params)
            live.load_state(acc.state())
            first = acc.tick + 1
            _feed(live, load_rows(conn, game.id, first, view.last), first, view.last)
            acc = live
            history.append((view.last, {t: sum(c.values()) for t, c in acc.totals().items()}))
        services = service_status(conn, game.id, view.last)
    teams = rank(game.params, acc.totals(), acc.service_totals())
    return Scoreboard(game.exercise.name, view.last, view.frozen, name, teams, services, history)


def recompute(
    engine: Engine,
    exercise_name: str,
    formula: str | None = None,
    upto: int | None = None,
    record: bool = False,
) -> Accumulator:
    """Feed every fact up to tick ``upto`` (default: the current tick) to a fresh formula."""
    game = _game(engine, exercise_name)
    last = game.exercise.current_tick if upto is None else upto
    acc = new_accumulator(formula or game.exercise.formula, game.params, record=record)
    with engine.connect() as conn:
        _feed(acc, load_rows(conn, game.id, 0, last, sum_checks=not record), 0, last)
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
    game = _game(engine, exercise_name)
    view = _view(game.exercise, game.scenario, viewer_role, None)
    acc = recompute(engine, exercise_name, formula, upto=view.last, record=True)
    lines = [ln for ln in acc.all_lines() if ln.team == team and ln.category == category]
    return sorted(lines, key=lambda ln: (ln.tick, ln.fact_id or 0))


def drop_snapshots(engine: Engine, exercise_name: str) -> int:
    """Forget every cached snapshot of an exercise (they are rebuilt on demand)."""
    exercise = load_exercise(engine, exercise_name)
    with engine.begin() as conn:
        result = conn.execute(delete(SNAPSHOT).where(SNAPSHOT.c.exercise_id == exercise.id))
        return int(result.rowcount)
