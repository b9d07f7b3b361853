"""The submit, scoreboard and rescore commands against a real database."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from conftest import MakeExercise
from sqlalchemy.engine import Engine

from cyberrange.cli import cli
from range.config import Settings
from range.db import open_engine
from scoring import ledger
from scoring.flags import FlagCodec

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _dispose_cli_engines(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A CLI process ends and frees its pool; commands run in-process here do not."""
    opened: list[Engine] = []

    def tracking(settings: Settings) -> Engine:
        engine = open_engine(settings)
        opened.append(engine)
        return engine

    monkeypatch.setattr("range.db.open_engine", tracking)
    yield
    for engine in opened:
        engine.dispose()


def run(db: Engine, *args: str, stdin: str | None = None) -> tuple[int, str]:
    url = db.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli, ["--database-url", url, *args], input=stdin)
    return result.exit_code, result.output


def test_submit_scoreboard_rescore(db: Engine, make_exercise: MakeExercise) -> None:
    exercise = make_exercise(current_tick=2)
    assert exercise.id is not None
    codec = FlagCodec(exercise.secret, exercise.id)
    flag = codec.service_flag(2, 1, 0)
    ledger.record_check(db, exercise, "blue-1", "web", "shop", "ok", tick=1)

    code, out = run(db, "submit", exercise.name, "--team", "red", flag, "junk")
    assert code == 0, out
    assert "accepted" in out and "invalid" in out
    assert "accepted accepted" not in out  # the answer once, its message only when it adds
    code, out = run(db, "submit", exercise.name, "--team", "red", "--json", "-", stdin=flag + "\n")
    assert code == 0 and json.loads(out) == [
        {"flag": flag, "answer": "duplicate", "message": "already captured"}
    ]

    code, out = run(db, "scoreboard", exercise.name, "--json")
    assert code == 0, out
    board = json.loads(out)
    red = next(t for t in board["teams"] if t["name"] == "red")
    assert red["categories"]["attack"] == pytest.approx(2 + 5)  # 1 + 1/1, first blood 5
    assert board["services"] == {"blue-1": {"web/shop": "OK"}}
    # points per service: red's capture of blue-1's shop flag (2 + first blood 5);
    # blue-1's shop: one ok check (sqrt(4 teams) = 2) less the flag lost to one team (1)
    assert red["services"] == {"web/shop": pytest.approx(7.0)}
    blue = next(t for t in board["teams"] if t["name"] == "blue-1")
    assert blue["services"] == {"web/shop": pytest.approx(1.0)}
    code, out = run(db, "scoreboard", exercise.name)
    assert code == 0 and "red" in out and "web/shop" in out and "7.00" in out

    code, out = run(db, "scoreboard", exercise.name, "--explain", "red", "--json")
    assert code == 0
    lines = json.loads(out)
    assert sum(line["points"] for line in lines) == pytest.approx(red["total"])
    assert {line["service"] for line in lines} == {"web/shop"}
    code, out = run(db, "scoreboard", exercise.name, "--explain", "blue-1")
    assert code == 0 and "web/shop: 1.000" in out

    code, out = run(db, "rescore", exercise.name, "--formula", "points", "--json")
    assert code == 0, out
    assert next(t for t in json.loads(out) if t["name"] == "red")["total"] == 15  # 10 + 5
    code, out = run(db, "scoreboard", exercise.name, "--json")
    assert json.loads(out)["formula"] == "faust"  # rescore changed nothing


def test_errors_are_messages(db: Engine, make_exercise: MakeExercise) -> None:
    code, out = run(db, "scoreboard", "no-such-exercise")
    assert code == 1 and "no exercise named 'no-such-exercise'" in out
    exercise = make_exercise()
    code, out = run(db, "rescore", exercise.name, "--formula", "elo")
    assert code == 1 and "unknown scoring formula 'elo'" in out
