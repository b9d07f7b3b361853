"""The bundled challenges: they load, carry a README, and each reference solution
(run offline, as a separate program) is accepted through the real answer flow."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy.engine import Engine

from records.challenge_actions import submit_answer
from scoring.challenges.board import challenge_board
from scoring.challenges.loader import load_directory
from scoring.challenges.play import Outcome
from tests.unit.challenges.helpers import ROOT, competition


def test_bundled_challenges_load() -> None:
    loaded = load_directory(ROOT / "challenges")
    assert len(loaded) >= 6
    assert {item.spec.category for item in loaded} >= {"web", "crypto", "forensics"}
    assert any(item.spec.type == "dynamic" for item in loaded)
    assert any(item.spec.requirements.prerequisites for item in loaded)
    for item in loaded:
        assert (item.directory / "README.md").is_file(), item.spec.name


def test_reference_solutions_solve_every_bundled_challenge(engine: Engine) -> None:
    competition(engine, "ctf", ROOT / "challenges")
    loaded = load_directory(ROOT / "challenges")
    # prerequisites first: a challenge is answered once all it needs is solved
    ordered = sorted(loaded, key=lambda item: len(item.spec.requirements.prerequisites))
    for item in ordered:
        assert item.spec.healthcheck == "solve.py"
        solved = subprocess.run([sys.executable, str(item.directory / "solve.py")],
                                capture_output=True, text=True, timeout=60, check=True)
        result = submit_answer(engine, "ctf", "alpha", item.spec.name,
                               solved.stdout.strip(), "ann")
        assert result.outcome is Outcome.CORRECT, (item.spec.name, result.message)
    board = challenge_board(engine, "ctf")
    assert board.standings[0].team == "alpha"
    assert len(board.standings[0].solves) == len(loaded)
