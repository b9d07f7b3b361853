"""Shared setup of the scoring benchmarks: a scenario and a running exercise."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import Engine

from cyberrange.tables import import_all_tables
from range.db import create_tables, make_engine
from range.scenario.models import Scenario
from scoring.exercise import create_exercise, transition
from scoring.tables import Exercise


def scenario(teams: int, services: int, lifetime: int, role: str = "blue") -> Scenario:
    return Scenario.model_validate(
        {
            "schema": "cyberrange/v1",
            "name": "bench-scoring",
            "title": "Scoring benchmark",
            "duration": "10h",
            "tick": "30s",
            "flag_lifetime": lifetime,
            "teams": [
                {"name": "red", "role": "red"},
                {"name": "team", "role": role, "copies": teams},
            ],
            "networks": {"lan": {"subnet": "10.{copy}.1.0/24"}},
            "hosts": {
                "srv": {
                    "image": "cyberrange/target",
                    "networks": ["lan"],
                    "services": [{"name": f"svc{i}", "port": 1000 + i} for i in range(services)],
                    "flags": [{"path": "/root/flag.txt", "points": 100}],
                }
            },
            "scoring": {"first_blood": 10},
        }
    )


def open_db(url: str | None) -> Engine:
    if url is None:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='cr-bench-')) / 'bench.db'}"
    import_all_tables()
    engine = make_engine(url)
    create_tables(engine)
    return engine


def running_exercise(engine: Engine, name: str, spec: Scenario, tick: int) -> Exercise:
    create_exercise(engine, name, name, spec, "bench.yaml")
    transition(engine, name, "start", "bench")
    table = Exercise.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(update(table).where(table.c.name == name).values(current_tick=tick))
    from scoring.ledger import load_exercise

    return load_exercise(engine, name)
