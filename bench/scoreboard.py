"""Benchmark: the scoreboard of 50 teams x 10 services x 500 ticks.

Facts: one check per team, service and tick (250,000) and 20 captures per tick
(10,000), all teams purple (attack and defend). Prints the time of a full
recompute from every fact (target < 200 ms) and of the incremental update when
one more tick completes (target < 20 ms, median of several ticks): restore the
last snapshot, feed the tick's facts, save its snapshot. Also prints the time to
read a whole board (ranks, service status, history of every tick).

    .venv/bin/python bench/scoreboard.py [--ticks 500] [--formula faust] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import uuid
from typing import Any

from bench_game import open_db, running_exercise, scenario
from rich.progress import Progress
from sqlalchemy import update
from sqlalchemy.engine import Engine

from scoring.flags import FlagCodec
from scoring.ledger import fact_row, insert_rows
from scoring.scoreboard import compute_scoreboard, recompute, update_scores
from scoring.tables import Exercise, FactKind, utcnow

TEAMS, SERVICES, CAPTURES_PER_TICK = 50, 10, 20
FULL_TARGET, TICK_TARGET = 0.200, 0.020
STATUSES = ("OK",) * 8 + ("DOWN", "MUMBLE")


def tick_rows(
    exercise: Exercise, codec: FlagCodec, tick: int, rng: random.Random, seen: set[str]
) -> list[Any]:
    assert exercise.id is not None
    now = utcnow()
    rows = [
        fact_row(
            exercise.id,
            tick,
            FactKind.CHECK,
            team=f"team-{copy}",
            target=f"team-{copy}",
            host="srv",
            service=f"svc{slot}",
            outcome=rng.choice(STATUSES),
            created_at=now,
        )
        for copy in range(1, TEAMS + 1)
        for slot in range(SERVICES)
    ]
    for _ in range(CAPTURES_PER_TICK):
        attacker, victim = rng.sample(range(1, TEAMS + 1), 2)
        slot, flag_tick = rng.randrange(SERVICES), max(0, tick - rng.randrange(3))
        flag = codec.service_flag(flag_tick, victim, slot)
        data = {
            "flag": flag,
            "kind": "service",
            "flag_tick": flag_tick,
            "copy": victim,
            "slot": slot,
        }
        rows.append(
            fact_row(
                exercise.id,
                tick,
                FactKind.CAPTURE,
                team=f"team-{attacker}",
                target=f"team-{victim}",
                host="srv",
                service=f"svc{slot}",
                outcome="accepted",
                data=data,
                created_at=now,
                dedup_key=f"capture:team-{attacker}:{flag}",
            )
        )
    unique = []
    for row in rows:
        key = row["dedup_key"]
        if key is None or key not in seen:
            unique.append(row)
            seen.add(key)
    return unique


def set_tick(engine: Engine, exercise: Exercise, tick: int) -> None:
    table = Exercise.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == exercise.id).values(current_tick=tick))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ticks", type=int, default=500)
    parser.add_argument("--formula", default="faust")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    engine = open_db(args.database_url)
    spec = scenario(TEAMS, SERVICES, lifetime=5, role="purple")
    name = f"bench-board-{uuid.uuid4().hex[:8]}"
    exercise = running_exercise(engine, name, spec, 0)
    assert exercise.id is not None
    codec, rng = FlagCodec(exercise.secret, exercise.id), random.Random(7)
    seen: set[str] = set()
    with Progress(transient=True) as progress:
        task = progress.add_task("recording facts", total=args.ticks)
        for tick in range(args.ticks):
            with engine.begin() as conn:
                insert_rows(conn, tick_rows(exercise, codec, tick, rng, seen))
            progress.advance(task)
    set_tick(engine, exercise, args.ticks)

    start, cpu = time.perf_counter(), time.process_time()
    recompute(engine, name, args.formula, upto=args.ticks - 1)
    full, full_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    compute_scoreboard(engine, name, args.formula)  # saves one snapshot per tick
    first = time.perf_counter() - start

    timings, cpu_timings, boards = [], [], []
    for tick in range(args.ticks, args.ticks + 7):
        with engine.begin() as conn:
            insert_rows(conn, tick_rows(exercise, codec, tick, rng, seen))
        set_tick(engine, exercise, tick + 1)  # tick is now complete
        start, cpu = time.perf_counter(), time.process_time()
        update_scores(engine, name, args.formula)
        timings.append(time.perf_counter() - start)
        cpu_timings.append(time.process_time() - cpu)
        start = time.perf_counter()
        board = compute_scoreboard(engine, name, args.formula)
        boards.append(time.perf_counter() - start)
    tick_time = statistics.median(timings)
    print(f"database:            {engine.url.get_backend_name()}, formula {args.formula}")
    print(
        f"facts:               {TEAMS} teams x {SERVICES} services x {args.ticks} ticks "
        f"+ {CAPTURES_PER_TICK} captures/tick; board at tick {board.tick}"
    )
    print(
        f"full recompute:      {full * 1000:.0f} ms  (target < {FULL_TARGET * 1000:.0f} ms: "
        f"{'met' if full < FULL_TARGET else 'MISSED'})"
    )
    print(
        f"first board:         {first * 1000:.0f} ms  (recompute + saving {args.ticks} snapshots)"
    )
    print(
        f"one tick, increment: {tick_time * 1000:.1f} ms median, {max(timings) * 1000:.1f} max "
        f"(target < {TICK_TARGET * 1000:.0f} ms: {'met' if tick_time < TICK_TARGET else 'MISSED'})"
    )
    # On a busy machine wall time includes waiting for a CPU; CPU time does not
    # (SQLite runs in this process; a PostgreSQL server's work is not counted).
    print(
        f"CPU time:            full recompute {full_cpu * 1000:.0f} ms, one tick "
        f"{statistics.median(cpu_timings) * 1000:.1f} ms median (this process)"
    )
    print(
        f"board read:          {statistics.median(boards) * 1000:.1f} ms median (ranks, service "
        f"status, {len(board.history)} ticks of history, the live tick)"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
