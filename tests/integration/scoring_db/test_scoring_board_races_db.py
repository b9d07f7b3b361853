"""The incremental board equals a full recompute after racing writers (SQLite, PostgreSQL).

PostgreSQL assigns a fact's id at INSERT and makes it visible at COMMIT: a
writer with a lower id that commits after a board was computed must still be
counted (scoring.tables: fact ids follow commit order).
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from conftest import MakeExercise, set_tick
from sqlalchemy.engine import Engine

from scoring.ledger import fact_row, insert_rows
from scoring.liveboard import LiveBoards
from scoring.scoreboard import compute_scoreboard, recompute
from scoring.tables import Exercise, FactKind

pytestmark = pytest.mark.postgres
TEAMS = ("red", "blue-1", "blue-2", "purple")


def adjustment(exercise: Exercise, tick: int, team: str, points: float) -> dict[str, object]:
    assert exercise.id is not None
    return fact_row(exercise.id, tick, FactKind.ADJUSTMENT, team=team, target=team,
                    points=points, actor="test", message="race")  # fmt: skip


def board_totals(db: Engine, exercise: Exercise) -> dict[str, float]:
    return {t.name: t.total for t in compute_scoreboard(db, exercise.name).teams}


def full_totals(db: Engine, exercise: Exercise) -> dict[str, float]:
    totals = recompute(db, exercise.name).totals()
    return {team: round(sum(cats.values()), 6) for team, cats in totals.items()}


def test_a_late_commit_with_a_lower_id_is_counted(db: Engine, make_exercise: MakeExercise) -> None:
    """Writer A inserts (lower id) and commits late; writer B inserts after it and
    tries to commit at once; a board is computed in between."""
    exercise = make_exercise(current_tick=3)
    slow = db.connect()
    transaction = slow.begin()
    insert_rows(slow, [adjustment(exercise, 1, "red", 2.0)])  # A: id n, not committed
    b_done = threading.Event()

    def writer_b() -> None:
        with db.begin() as conn:
            insert_rows(conn, [adjustment(exercise, 2, "blue-1", 1.0)])  # id n + 1
        b_done.set()

    during: dict[str, float] = {}
    board = threading.Thread(target=lambda: during.update(board_totals(db, exercise)))
    thread = threading.Thread(target=writer_b)
    thread.start()
    b_done.wait(1.0)  # without the fact-order lock B commits here, before A
    board.start()  # saves snapshots of ticks 1 and 2 (on SQLite it waits for A to save them)
    board.join(1.0)
    transaction.commit()
    slow.close()
    thread.join()
    board.join()
    assert during["red"] == 0.0  # A was not committed yet
    assert board_totals(db, exercise) == full_totals(db, exercise)
    assert board_totals(db, exercise)["red"] == 2.0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_racing_writers_and_readers_agree_with_a_recompute(
    db: Engine, make_exercise: MakeExercise, seed: int
) -> None:
    """Property: whatever the interleaving of writers (facts of the current and
    past ticks, held open for random times), clock ticks and board readers, the
    incremental board (and a live board fed only new facts) ends equal to a
    full recompute."""
    exercise = make_exercise(current_tick=1)
    rng = random.Random(seed)
    def step() -> tuple[int, str, float, float]:  # ticks back, team, points, seconds held
        return rng.randint(0, 3), rng.choice(TEAMS), rng.choice((1.0, 2.0, -1.0)), rng.random() / 50

    plans = [[step() for _ in range(25)] for _ in range(4)]
    tick = [1]
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer(plan: list[tuple[int, str, float, float]]) -> None:
        try:
            for back, team, points, hold in plan:
                with db.begin() as conn:
                    insert_rows(conn, [adjustment(exercise, max(0, tick[0] - back), team, points)])
                    time.sleep(hold)  # committed later than its id was taken
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    live = LiveBoards()  # shared by two readers, as a web worker's threads share it

    def reader(index: int) -> None:
        try:
            while not stop.is_set():
                if index % 2:
                    live.board(db, exercise.name)
                else:
                    compute_scoreboard(db, exercise.name)
        except BaseException as exc:
            errors.append(exc)

    writers = [threading.Thread(target=writer, args=(plan,)) for plan in plans]
    readers = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
    for thread in writers + readers:
        thread.start()
    while any(t.is_alive() for t in writers):
        time.sleep(rng.random() / 20)
        tick[0] += 1
        set_tick(db, exercise, tick[0])
    stop.set()
    for thread in readers:
        thread.join()
    assert errors == []
    assert board_totals(db, exercise) == full_totals(db, exercise)
    assert {t.name: t.total for t in live.board(db, exercise.name).teams} == full_totals(
        db, exercise
    )
