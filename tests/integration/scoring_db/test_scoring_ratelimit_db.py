"""One flag rate limit per team across submitters, workers and processes (SQLite, PostgreSQL)."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import pytest
from conftest import MakeExercise
from ratelimit_worker import submit_in_process  # type: ignore[import-not-found]
from sqlalchemy.engine import Engine

from range.errors import ConfigError
from scoring.flags import FlagCodec
from scoring.ledger import facts
from scoring.ratelimit import SharedRateLimiter
from scoring.submissions import Submitter
from scoring.tables import Exercise, FactKind

pytestmark = pytest.mark.postgres


def _flags(exercise: Exercise, count: int, tick: int = 1) -> list[str]:
    assert exercise.id is not None
    codec = FlagCodec(exercise.secret, exercise.id)
    return [codec.service_flag(tick, copy, slot) for slot in range(2) for copy in (1, 2)][:count]


def test_two_workers_share_one_bucket_per_team(db: Engine, make_exercise: MakeExercise) -> None:
    """Two submitters (as two web workers, or a worker and the CLI) take from the
    same bucket: together they get the team's rate, not twice it."""
    exercise = make_exercise()
    now = [1000.0]

    def limiter() -> SharedRateLimiter:
        return SharedRateLimiter(db, rate=2, burst=3, clock=lambda: now[0])

    first, second = Submitter(db, exercise.name, limiter()), Submitter(db, exercise.name, limiter())
    flags = _flags(exercise, 4)
    assert [r.answer.value for r in first.submit("red", flags[:2])] == ["accepted"] * 2
    took = [r.answer.value for r in second.submit("red", flags[2:])]
    assert took == ["accepted", "rate-limited"]  # one token was left, not a fresh burst
    assert [r.answer.value for r in second.submit("purple", flags[:1])] == ["accepted"]
    now[0] += 1.0  # one second refills 2 tokens, in every process
    assert [r.answer.value for r in first.submit("red", flags[3:])] == ["accepted"]


def test_processes_racing_share_one_burst(db: Engine, make_exercise: MakeExercise) -> None:
    exercise = make_exercise()
    url = db.url.render_as_string(hide_password=False)
    flags = _flags(exercise, 4)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=4, mp_context=context) as pool:
        answers = list(pool.map(submit_in_process, [url] * 4, [exercise.name] * 4,
                                [flags] * 4, [5.0] * 4))  # fmt: skip
    told = Counter(answer for batch in answers for answer in batch)
    # 16 flags from 4 processes, one bucket of 5 (refilling 0.001/s): 5 got through
    assert told["rate-limited"] == 11
    assert told["accepted"] + told["duplicate"] == 5
    limited = [f for f in facts(db, exercise.id or 0, kinds=[FactKind.SUBMISSION])
               if f.outcome == "rate-limited"]  # fmt: skip
    assert len(limited) == 11


def test_a_group_commit_shares_the_grant_in_request_order(
    db: Engine, make_exercise: MakeExercise
) -> None:
    from scoring.submissions import SubmitRequest

    exercise = make_exercise()
    limiter = SharedRateLimiter(db, rate=1, burst=3, clock=lambda: 50.0)
    flags = _flags(exercise, 4)
    requests = [
        SubmitRequest("red", flags[:2]),
        SubmitRequest("purple", flags[:1]),
        SubmitRequest("red", flags[2:]),
    ]
    results = Submitter(db, exercise.name, limiter).submit_many(requests)
    assert [[r.answer.value for r in batch] for batch in results] == [
        ["accepted", "accepted"],
        ["accepted"],
        ["accepted", "rate-limited"],
    ]


def test_bad_limits_are_refused(db: Engine) -> None:
    with pytest.raises(ConfigError):
        SharedRateLimiter(db, rate=0)
