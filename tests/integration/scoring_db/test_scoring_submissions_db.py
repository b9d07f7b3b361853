"""Submissions on SQLite and PostgreSQL: every answer, every record, one winner."""

from __future__ import annotations

import base64
import threading
from collections import Counter
from datetime import timedelta

import pytest
from conftest import MakeExercise, set_tick
from sqlalchemy.engine import Engine
from sqlmodel import Session

from scoring.flags import FlagCodec, new_secret
from scoring.ledger import facts
from scoring.ratelimit import RateLimiter
from scoring.submissions import SubmitRequest, Submitter
from scoring.tables import Exercise, ExerciseState, FactKind, utcnow

pytestmark = pytest.mark.postgres


def codec(exercise: Exercise) -> FlagCodec:
    assert exercise.id is not None
    return FlagCodec(exercise.secret, exercise.id)


def answers(results: list) -> list[str]:  # type: ignore[type-arg]
    return [r.answer.value for r in results]


def test_each_answer_is_given_and_recorded(db: Engine, make_exercise: MakeExercise) -> None:
    exercise = make_exercise(current_tick=5)
    c = codec(exercise)
    good = c.service_flag(4, 1, 0)  # blue-1's shop flag, placed at tick 4
    raw = bytearray(base64.urlsafe_b64decode(good[5:-1]))
    raw[-1] ^= 0xFF  # same claims, wrong signature
    forged = "FLAG{" + base64.urlsafe_b64encode(bytes(raw)).decode() + "}"
    foreign = FlagCodec(new_secret(), 999).service_flag(4, 1, 0)
    flags = [
        good,
        "FLAG{nope}",
        forged,
        foreign,
        c.service_flag(2, 1, 0),  # 2 + lifetime 3 <= 5: expired
        c.service_flag(4, 3, 0),  # copy 3 is purple's own... red does not own it: accepted
        good,  # again in the same batch
        c.objective_flag(2, 0),  # objective flags never expire
        c.service_flag(4, 9, 0),  # no such copy
    ]
    results = Submitter(db, exercise.name).submit("red", flags)
    assert answers(results) == [
        "accepted",
        "invalid",
        "invalid",
        "invalid",
        "expired",
        "accepted",
        "duplicate",
        "accepted",
        "invalid",
    ]
    assert "bad signature" in results[2].message
    assert "another exercise" in results[3].message
    again = Submitter(db, exercise.name).submit("red", [good])
    assert answers(again) == ["duplicate"]
    recorded = facts(db, exercise.id or 0, kinds=[FactKind.SUBMISSION])
    assert Counter(f.outcome for f in recorded) == Counter([*answers(results), "duplicate"])
    captures = facts(db, exercise.id or 0, kinds=[FactKind.CAPTURE])
    assert len(captures) == 3
    assert {f.dedup_key for f in captures} >= {f"capture:red:{good}"}
    first = next(f for f in captures if f.data["flag"] == good)
    assert (first.target, first.host, first.service, first.tick) == ("blue-1", "web", "shop", 5)
    assert first.data["kind"] == "service" and first.data["flag_tick"] == 4


def test_own_and_role_refusals(db: Engine, make_exercise: MakeExercise) -> None:
    exercise = make_exercise()
    c = codec(exercise)
    submitter = Submitter(db, exercise.name)
    purple_flag = c.service_flag(1, 3, 0)  # copy 3 is defended by purple
    assert answers(submitter.submit("purple", [purple_flag])) == ["own"]
    assert answers(submitter.submit("purple", [c.service_flag(1, 1, 0)])) == ["accepted"]
    for team in ("blue-1", "white", "nobody"):
        result = submitter.submit(team, [c.service_flag(1, 2, 0)])
        assert answers(result) == ["not-allowed"], team
    assert "unknown team" in submitter.submit("nobody", ["x"])[0].message
    recorded = facts(db, exercise.id or 0, kinds=[FactKind.SUBMISSION])
    assert len(recorded) == 6  # refusals are facts too


def test_not_running_exercise_refuses(db: Engine, make_exercise: MakeExercise) -> None:
    exercise = make_exercise(state=ExerciseState.PAUSED)
    result = Submitter(db, exercise.name).submit("red", [codec(exercise).service_flag(1, 1, 0)])
    assert answers(result) == ["not-allowed"] and "paused" in result[0].message


def test_rate_limit_per_team(db: Engine, make_exercise: MakeExercise) -> None:
    exercise = make_exercise()
    now = [0.0]
    limiter = RateLimiter(rate=2, burst=3, clock=lambda: now[0])
    submitter = Submitter(db, exercise.name, limiter=limiter)
    c = codec(exercise)
    flags = [
        c.service_flag(1, 1, 0),
        c.service_flag(1, 2, 0),
        c.service_flag(1, 1, 1),
        c.service_flag(1, 2, 1),
        c.service_flag(1, 3, 1),
    ]
    assert answers(submitter.submit("red", flags)) == ["accepted"] * 3 + ["rate-limited"] * 2
    assert answers(submitter.submit("purple", flags[:1])) == ["accepted"]  # own bucket
    now[0] = 1.0  # one second refills 2 tokens
    result = submitter.submit("red", flags[3:] + flags[:1])
    assert answers(result) == ["accepted", "accepted", "rate-limited"]
    limited = [
        f
        for f in facts(db, exercise.id or 0, kinds=[FactKind.SUBMISSION])
        if f.outcome == "rate-limited"
    ]
    assert len(limited) == 3


def test_flood_of_garbage_is_answered_and_recorded(db: Engine, make_exercise: MakeExercise) -> None:
    exercise = make_exercise()
    flood = ["A" * 10_000, "", "FLAG{}", "\x00\xff", "FLAG{" + "-" * 32 + "}"] * 200
    limiter = RateLimiter(rate=1, burst=600)
    results = Submitter(db, exercise.name, limiter=limiter).submit("red", flood)
    assert Counter(answers(results)) == {"invalid": 600, "rate-limited": 400}
    recorded = facts(db, exercise.id or 0, kinds=[FactKind.SUBMISSION])
    assert len(recorded) == 1000
    assert max(len(f.data["flag"]) for f in recorded) <= 128


def test_concurrent_submissions_of_one_flag_accept_exactly_one(
    db: Engine, make_exercise: MakeExercise
) -> None:
    exercise = make_exercise()
    flag = codec(exercise).service_flag(1, 1, 0)
    workers = 12
    submitters = [Submitter(db, exercise.name) for _ in range(workers)]
    barrier = threading.Barrier(workers)
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(submitter: Submitter) -> None:
        try:
            barrier.wait()
            answer = submitter.submit("red", [flag])[0].answer.value
            with lock:
                results.append(answer)
        except BaseException as exc:  # surfaced below: a thread must not swallow it
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s,)) for s in submitters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Counter(results) == {"accepted": 1, "duplicate": workers - 1}
    assert len(facts(db, exercise.id or 0, kinds=[FactKind.CAPTURE])) == 1
    assert len(facts(db, exercise.id or 0, kinds=[FactKind.SUBMISSION])) == workers


class _BlindSubmitter(Submitter):
    """Skips the pre-check, as a concurrent writer racing past it would."""

    def _existing(self, keys: list[str]) -> set[str]:
        return set()


def test_integrity_error_falls_back_per_row(db: Engine, make_exercise: MakeExercise) -> None:
    exercise = make_exercise()
    c = codec(exercise)
    taken, fresh = c.service_flag(1, 1, 0), c.service_flag(1, 2, 0)
    Submitter(db, exercise.name).submit("red", [taken])
    result = _BlindSubmitter(db, exercise.name).submit("red", [fresh, taken, "junk"])
    assert answers(result) == ["accepted", "duplicate", "invalid"]
    captures = facts(db, exercise.id or 0, kinds=[FactKind.CAPTURE])
    assert sorted(f.data["flag"] for f in captures) == sorted([taken, fresh])
    assert len(facts(db, exercise.id or 0, kinds=[FactKind.SUBMISSION])) == 4


def test_expiry_follows_current_tick(db: Engine, make_exercise: MakeExercise) -> None:
    exercise = make_exercise(current_tick=1)
    flag = codec(exercise).service_flag(1, 1, 0)
    submitter = Submitter(db, exercise.name)
    set_tick(db, exercise, 4)  # 1 + 3 <= 4
    assert answers(submitter.submit("red", [flag])) == ["expired"]
    set_tick(db, exercise, 3)
    assert answers(submitter.submit("red", [flag])) == ["accepted"]


def test_racing_teams_each_get_their_own_answer_recorded(
    db: Engine, make_exercise: MakeExercise
) -> None:
    """Two teams losing one flag's race in one group commit: each row says duplicate."""
    exercise = make_exercise()
    flag = codec(exercise).service_flag(1, 1, 0)  # blue-1's flag; red and purple attack it
    Submitter(db, exercise.name).submit_many([SubmitRequest("red", [flag]),
                                              SubmitRequest("purple", [flag])])  # fmt: skip
    again = _BlindSubmitter(db, exercise.name).submit_many(
        [SubmitRequest("red", [flag]), SubmitRequest("purple", [flag])]
    )
    assert [answers(batch) for batch in again] == [["duplicate"], ["duplicate"]]
    recorded = facts(db, exercise.id or 0, kinds=[FactKind.SUBMISSION])
    told = Counter((f.team, f.outcome) for f in recorded)
    assert told == {("red", "accepted"): 1, ("purple", "accepted"): 1,
                    ("red", "duplicate"): 1, ("purple", "duplicate"): 1}  # fmt: skip


def test_expiry_follows_game_time_while_the_clock_lags(
    db: Engine, make_exercise: MakeExercise
) -> None:
    """The clock is down (or busy with checks) since tick 1: game time says tick 6."""
    exercise = make_exercise(current_tick=1)
    with Session(db) as session:
        row = session.get(Exercise, exercise.id)
        assert row is not None
        row.started_at = utcnow() - timedelta(seconds=5 * 30 + 10)  # 30 s ticks
        session.add(row)
        session.commit()
    c = codec(exercise)
    old, fresh = c.service_flag(1, 1, 0), c.service_flag(4, 1, 0)  # lifetime 3
    result = Submitter(db, exercise.name).submit("red", [old, fresh])
    assert answers(result) == ["expired", "accepted"]
    [capture] = facts(db, exercise.id or 0, kinds=[FactKind.CAPTURE])
    assert capture.tick == 6  # recorded at the tick of game time


@pytest.mark.parametrize(("formula", "last_valid"), [("faust", 3), ("points", 3), ("forcad", 4)])
def test_the_last_valid_tick_of_each_formula(
    db: Engine, make_exercise: MakeExercise, formula: str, last_valid: int
) -> None:
    """A flag of tick 1 with flag_lifetime 3: FAUST-style through tick 3 (1 + 3 - 1),
    ForcAD's through tick 4 (it refuses only when current - 1 > 3)."""
    exercise = make_exercise(current_tick=last_valid, formula=formula)
    c = codec(exercise)
    assert answers(Submitter(db, exercise.name).submit("red", [c.service_flag(1, 1, 0)])) == [
        "accepted"
    ]
    set_tick(db, exercise, last_valid + 1)
    assert answers(Submitter(db, exercise.name).submit("red", [c.service_flag(1, 2, 0)])) == [
        "expired"
    ]
