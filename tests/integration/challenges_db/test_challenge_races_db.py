"""Concurrent answers and hint unlocks on the real databases: the ledger's unique
dedup key makes exactly one of them count, and every answer is still recorded."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import Engine

from range.errors import GameError
from records.audit import entries, verify
from records.challenge_actions import submit_answer, take_hint
from scoring.challenges.board import challenge_board
from scoring.challenges.catalog import load_catalog
from scoring.challenges.play import Outcome
from scoring.ledger import facts, load_exercise
from scoring.tables import FactKind
from tests.unit.challenges.helpers import FIXTURES, competition

WORKERS = 8


def test_one_solve_of_many_concurrent_correct_answers(db: Engine) -> None:
    name = f"ctf-{uuid.uuid4().hex[:8]}"
    competition(db, name, FIXTURES / "scoring")
    catalog = load_catalog(db, name)

    def answer(i: int) -> Outcome:
        return submit_answer(db, name, "alpha", "Linear", "flag{linear}", f"a{i}",
                             catalog).outcome

    with ThreadPoolExecutor(WORKERS) as pool:
        outcomes = list(pool.map(answer, range(WORKERS * 2)))
    assert outcomes.count(Outcome.CORRECT) == 1
    assert outcomes.count(Outcome.ALREADY_SOLVED) == WORKERS * 2 - 1
    exercise_id = load_exercise(db, name).id
    assert exercise_id is not None
    assert len(facts(db, exercise_id, kinds=[FactKind.CHALLENGE_SOLVE])) == 1
    assert len(facts(db, exercise_id, kinds=[FactKind.CHALLENGE_ATTEMPT])) == WORKERS * 2
    assert len([e for e in entries(db, name) if e.action == "challenge.answer"]) == WORKERS * 2
    assert verify(db, name).ok
    assert {s.team: s.score for s in challenge_board(db, name).standings}["alpha"] == 110.0


def test_one_charge_of_many_concurrent_hint_unlocks(db: Engine) -> None:
    name = f"ctf-{uuid.uuid4().hex[:8]}"
    competition(db, name, FIXTURES / "scoring")
    submit_answer(db, name, "bravo", "Linear", "flag{linear}", "b")  # 110: enough to pay

    def unlock(i: int) -> str:
        try:
            take_hint(db, name, "bravo", "Curve", 1, f"b{i}")
        except GameError:
            return "refused"
        return "unlocked"

    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(unlock, range(WORKERS)))
    assert results.count("unlocked") == 1
    assert {s.team: s.score for s in challenge_board(db, name).standings}["bravo"] == 85.0


def test_attempts_hold_under_concurrent_wrong_answers(db: Engine) -> None:
    name = f"ctf-{uuid.uuid4().hex[:8]}"
    ctfcli = FIXTURES / "ctfcli"
    competition(db, name, ctfcli / "other-test-challenge", ctfcli / "test-challenge-full")
    submit_answer(db, name, "bravo", "Other Test Challenge", "flag{other}", "b")
    catalog = load_catalog(db, name)

    def wrong(i: int) -> Outcome:  # one account each: only the team's attempts (5) limit
        return submit_answer(db, name, "bravo", "Test Challenge", f"no-{i}", f"b{i}",
                             catalog).outcome

    with ThreadPoolExecutor(WORKERS) as pool:
        outcomes = list(pool.map(wrong, range(WORKERS * 2)))
    assert outcomes.count(Outcome.INCORRECT) == 5
    assert outcomes.count(Outcome.EXHAUSTED) == WORKERS * 2 - 5
