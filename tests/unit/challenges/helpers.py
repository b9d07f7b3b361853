"""Shared set-up of the challenge tests: a running competition with challenges."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import Engine

from range.scenario import load
from scoring.challenges.loader import load_directory
from scoring.challenges.store import import_challenges
from scoring.clock import Clock
from scoring.exercise import create_exercise, get_exercise, transition
from scoring.tables import Exercise

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).parent / "fixtures"
COMPETITION = ROOT / "challenges" / "competition.yaml"


def competition(engine: Engine, name: str = "ctf", *directories: Path) -> Exercise:
    """The bundled competition scenario (teams alpha, bravo, charlie; first blood 10),
    started at tick 1, with the challenges of ``directories`` imported in order."""
    scenario = load(COMPETITION, root=ROOT).scenario
    created = create_exercise(engine, name, name, scenario, str(COMPETITION))
    transition(engine, name, "start", "test")
    assert created.id is not None
    Clock(engine, created.id).poll()
    for directory in directories:
        import_challenges(engine, name, load_directory(directory), "test")
    return get_exercise(engine, name)


def set_tick(engine: Engine, exercise: Exercise, tick: int) -> None:
    """Move the game clock (what the clock does after that many ticks)."""
    table = Exercise.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == exercise.id).values(current_tick=tick))
