"""Challenge scoring through the ledger, on a real (SQLite) database."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy.engine import Engine

from range.errors import GameError, NotFoundError
from records.audit import entries
from records.challenge_actions import submit_answer, take_hint
from scoring.challenges.board import challenge_board
from scoring.challenges.feeds import CTFD_HEADER, ctfd_scoreboard_csv, ctftime_feed
from scoring.challenges.loader import load_challenge
from scoring.challenges.play import Outcome
from scoring.challenges.store import set_rules
from scoring.challenges.values import linear, logarithmic
from scoring.exercise import transition
from scoring.ledger import facts
from scoring.tables import FactKind
from tests.unit.challenges.helpers import FIXTURES, competition, set_tick

CTFCLI = FIXTURES / "ctfcli"
SCORING = FIXTURES / "scoring"


def answer(engine: Engine, team: str, challenge: str, text: str, actor: str = "") -> Outcome:
    return submit_answer(engine, "ctf", team, challenge, text, actor or f"{team}-user").outcome


def scores(engine: Engine, role: str = "white") -> dict[str, float]:
    return {s.team: s.score for s in challenge_board(engine, "ctf", role).standings}


def test_ctfd_decay_formulas() -> None:
    curve = load_challenge(SCORING / "curve" / "challenge.yml").spec.dynamic
    line = load_challenge(SCORING / "linear" / "challenge.yml").spec.dynamic
    assert curve is not None and line is not None
    # CTFd: s = solves - 1; ceil; never below the minimum
    assert [logarithmic(curve, n) for n in range(6)] == [500, 500, 456, 323, 100, 100]
    assert [linear(line, n) for n in range(6)] == [100, 100, 80, 60, 40, 30]


def test_dynamic_values_and_first_blood(engine: Engine) -> None:
    competition(engine, "ctf", SCORING)
    assert answer(engine, "alpha", "Linear", "flag{linear}") is Outcome.CORRECT
    assert scores(engine) == {"alpha": 110.0, "bravo": 0.0, "charlie": 0.0}
    assert answer(engine, "bravo", "Linear", "flag{linear}") is Outcome.CORRECT
    assert answer(engine, "charlie", "Linear", "flag{linear}") is Outcome.CORRECT
    # every solver holds the current value (60 at three solves); alpha keeps its bonus
    assert scores(engine) == {"alpha": 70.0, "bravo": 60.0, "charlie": 60.0}
    board = challenge_board(engine, "ctf")
    assert [s.team for s in board.standings] == ["alpha", "bravo", "charlie"]
    assert {c.name: (c.value, c.solves) for c in board.challenges}["Linear"] == (60, 3)
    reasons = [ln.reason for ln in board.lines if ln.team == "alpha"]
    assert "first blood on Linear" in reasons
    assert any("linear" in r and "3 solve(s): 60" in r for r in reasons)
    assert answer(engine, "alpha", "Linear", "flag{linear}") is Outcome.ALREADY_SOLVED
    # rescore: the same facts under another first-blood bonus
    rescored = challenge_board(engine, "ctf", first_blood=0)
    assert {s.team: s.score for s in rescored.standings}["alpha"] == 60.0


def test_every_answer_is_recorded_and_audited(engine: Engine) -> None:
    exercise = competition(engine, "ctf", SCORING)
    assert answer(engine, "alpha", "Curve", "flag{nope}") is Outcome.INCORRECT
    assert answer(engine, "alpha", "Curve", "FLAG{CURVE}") is Outcome.INCORRECT  # case matters
    assert answer(engine, "alpha", "Curve", "flag{curve}") is Outcome.CORRECT
    assert exercise.id is not None
    attempts = facts(engine, exercise.id, kinds=[FactKind.CHALLENGE_ATTEMPT])
    assert [f.outcome for f in attempts] == ["incorrect", "incorrect", "correct"]
    assert {f.actor for f in attempts} == {"alpha-user"}
    log = [e for e in entries(engine, "ctf") if e.action == "challenge.answer"]
    assert [e.details["outcome"] for e in log] == ["incorrect", "incorrect", "correct"]
    with pytest.raises(NotFoundError):
        answer(engine, "alpha", "No Such", "x")


def test_hints_are_charged_once_in_order(engine: Engine) -> None:
    competition(engine, "ctf", SCORING)
    with pytest.raises(GameError, match="costs 25 points; your team has 0"):  # as CTFd
        take_hint(engine, "ctf", "bravo", "Curve", 1, "bravo-user")
    answer(engine, "bravo", "Linear", "flag{linear}")  # 100 + first blood 10
    with pytest.raises(GameError, match="unlock hint"):
        take_hint(engine, "ctf", "bravo", "Curve", 2, "bravo-user")
    assert take_hint(engine, "ctf", "bravo", "Curve", 1, "bravo-user").content == "look closer"
    with pytest.raises(GameError, match="unlocked already"):
        take_hint(engine, "ctf", "bravo", "Curve", 1, "bravo-user")
    take_hint(engine, "ctf", "bravo", "Curve", 2, "bravo-user")
    assert scores(engine)["bravo"] == 110.0 - 65.0
    audit = [e.details for e in entries(engine, "ctf") if e.action == "challenge.hint"]
    charged = [(d["team"], d["hint"], d["cost"]) for d in audit]
    assert charged == [("bravo", 1, 25), ("bravo", 2, 40)]
    with pytest.raises(NotFoundError):
        take_hint(engine, "ctf", "bravo", "Curve", 3, "bravo-user")


def test_prerequisites_attempts_and_account_limit(engine: Engine) -> None:
    competition(engine, "ctf", CTFCLI / "other-test-challenge", CTFCLI / "test-challenge-full")
    assert answer(engine, "alpha", "Test Challenge", "flag{test-flag}") is Outcome.LOCKED
    assert answer(engine, "alpha", "Other Test Challenge", "flag{other}") is Outcome.CORRECT
    # requirements [1, "Other Test Challenge"]: challenge id 1 is the other one
    assert answer(engine, "alpha", "Test Challenge", "FLAG{TEST-STATIC}") is Outcome.CORRECT
    assert answer(engine, "bravo", "Other Test Challenge", "flag{other}") is Outcome.CORRECT
    for index in range(5):  # attempts: 5, counted per team over its accounts
        assert answer(engine, "bravo", "Test Challenge", "no", f"b{index}") is Outcome.INCORRECT
    assert answer(engine, "bravo", "Test Challenge", "flag{test-flag}") is Outcome.EXHAUSTED
    set_rules(engine, "ctf", 2, 60)
    assert answer(engine, "charlie", "Other Test Challenge", "a", "c1") is Outcome.INCORRECT
    assert answer(engine, "charlie", "Other Test Challenge", "b", "c1") is Outcome.INCORRECT
    assert answer(engine, "charlie", "Other Test Challenge", "flag{other}", "c1") \
        is Outcome.RATE_LIMITED
    assert answer(engine, "charlie", "Other Test Challenge", "flag{other}", "c2") \
        is Outcome.CORRECT


def test_regex_flag_and_hidden_challenge(engine: Engine) -> None:
    competition(engine, "ctf", CTFCLI / "other-test-challenge", CTFCLI / "test-challenge-full",
                CTFCLI / "test-challenge-minimal")
    answer(engine, "alpha", "Other Test Challenge", "flag{other}")
    assert answer(engine, "alpha", "Test Challenge", "FLAG{test-regex-x}") is Outcome.CORRECT
    with pytest.raises(NotFoundError):  # state: hidden
        answer(engine, "alpha", "Minimal Challenge", "x")


def test_freeze_hides_late_solves_from_teams(engine: Engine) -> None:
    exercise = competition(engine, "ctf", SCORING)
    answer(engine, "alpha", "Linear", "flag{linear}")
    set_tick(engine, exercise, 215)  # past the freeze: 4h - 30m at 60 s ticks = tick 210
    answer(engine, "bravo", "Linear", "flag{linear}")
    assert scores(engine, "red") == {"alpha": 110.0, "bravo": 0.0, "charlie": 0.0}
    assert challenge_board(engine, "ctf", "red").frozen
    assert scores(engine, "white") == {"alpha": 90.0, "bravo": 80.0, "charlie": 0.0}


def test_closed_competition_records_the_answer(engine: Engine) -> None:
    competition(engine, "ctf", SCORING)
    transition(engine, "ctf", "pause", "test")
    assert answer(engine, "alpha", "Linear", "flag{linear}") is Outcome.CLOSED
    assert scores(engine)["alpha"] == 0.0


def test_ctftime_feed_and_ctfd_csv(engine: Engine) -> None:
    competition(engine, "ctf", SCORING)
    answer(engine, "bravo", "Linear", "flag{linear}", "bea")
    answer(engine, "alpha", "Linear", "flag{linear}", "ann")
    take_hint(engine, "ctf", "alpha", "Curve", 1, "ann")
    board = challenge_board(engine, "ctf")
    feed = ctftime_feed(board)
    assert feed["tasks"] == ["Curve", "Linear"]
    first, second, third = feed["standings"]
    assert (first["pos"], first["team"], first["score"]) == (1, "bravo", 90)
    assert first["taskStats"]["Linear"]["points"] == 90  # 80 + first blood 10
    assert first["lastAccept"] == first["taskStats"]["Linear"]["time"]
    assert (second["team"], second["score"]) == ("alpha", 55)  # 80 - hint 25
    assert third == {"pos": 3, "team": "charlie", "score": 0}
    rows = list(csv.reader(io.StringIO(ctfd_scoreboard_csv(board, {"alpha": 1, "bravo": 2}))))
    assert rows[0] == list(CTFD_HEADER)
    assert rows[1] == ["1", "bravo", "2", "90", "", "", "", ""]
    assert rows[2] == ["", "", "", "", "bea", "", "", "90"]
    assert rows[3][:4] == ["2", "alpha", "1", "55"] and rows[4][4:] == ["ann", "", "", "55"]
