"""Group commits on SQLite and PostgreSQL: several requests, one transaction, audit included."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from conftest import MakeExercise
from sqlalchemy.engine import Connection, Engine

from range.db import write_transaction
from records import audit
from scoring.flags import FlagCodec
from scoring.ledger import facts
from scoring.submissions import SubmissionResult, SubmitRequest, Submitter
from scoring.tables import Exercise, FactKind

pytestmark = pytest.mark.postgres

Answered = list[tuple[SubmitRequest, list[SubmissionResult]]]


def codec(exercise: Exercise) -> FlagCodec:
    assert exercise.id is not None
    return FlagCodec(exercise.secret, exercise.id)


def audit_writer(exercise: Exercise) -> Any:
    def write(conn: Connection, answered: Answered) -> None:
        items = [
            (r.actor or r.team, "flags.submit", {"team": r.team, "answers": [a.answer.value
                                                                            for a in results]})
            for r, results in answered
        ]
        audit.append_many_on(conn, exercise.name, items)

    return write


def test_requests_of_several_teams_are_answered_in_one_commit(
    db: Engine, make_exercise: MakeExercise
) -> None:
    exercise = make_exercise(current_tick=2)
    c = codec(exercise)
    shop, api = c.service_flag(2, 1, 0), c.service_flag(2, 1, 1)
    requests = [
        SubmitRequest("red", (shop,), "api:r1"),
        SubmitRequest("purple", (shop, "FLAG{x}"), "api:p1"),
        SubmitRequest("red", (shop, api), "api:r2"),  # shop again, from another red client
    ]
    answers = Submitter(db, exercise.name).submit_many(requests, audit_writer(exercise))
    assert [[a.answer.value for a in batch] for batch in answers] == [
        ["accepted"],
        ["accepted", "invalid"],  # purple's capture is its own: teams capture separately
        ["duplicate", "accepted"],
    ]
    captures = facts(db, exercise.id or 0, kinds=[FactKind.CAPTURE])
    assert sorted((f.team, f.actor) for f in captures) == [
        ("purple", "api:p1"), ("red", "api:r1"), ("red", "api:r2")]  # fmt: skip
    assert len(facts(db, exercise.id or 0, kinds=[FactKind.SUBMISSION])) == 5
    written = audit.entries(db, exercise.name)
    assert [(e.seq, e.actor) for e in written] == [(1, "api:r1"), (2, "api:p1"), (3, "api:r2")]
    assert written[2].details["answers"] == ["duplicate", "accepted"]
    assert audit.verify(db, exercise.name).ok


def test_what_also_writes_rolls_back_with_the_answers(
    db: Engine, make_exercise: MakeExercise
) -> None:
    exercise = make_exercise()
    flag = codec(exercise).service_flag(1, 1, 0)

    def failing(conn: Connection, answered: Answered) -> None:
        audit_writer(exercise)(conn, answered)
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        Submitter(db, exercise.name).submit_many([SubmitRequest("red", (flag,))], failing)
    assert facts(db, exercise.id or 0) == []
    assert audit.entries(db, exercise.name) == []
    # Nothing was lost: the same flag is accepted once the writer works again.
    again = Submitter(db, exercise.name).submit("red", [flag])
    assert again[0].answer.value == "accepted"


def test_concurrent_appenders_keep_one_unbroken_chain(
    db: Engine, make_exercise: MakeExercise
) -> None:
    exercise = make_exercise()
    workers, rounds = 6, 8
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work(number: int) -> None:
        try:
            barrier.wait()
            for step in range(rounds):
                with write_transaction(db) as conn:
                    audit.append_many_on(conn, exercise.name, [
                        (f"worker-{number}", "test.step", {"step": step}),
                        (f"worker-{number}", "test.step", {"step": step, "half": 2}),
                    ])  # fmt: skip
        except BaseException as exc:  # surfaced below: a thread must not swallow it
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    written = audit.entries(db, exercise.name)
    assert [e.seq for e in written] == list(range(1, workers * rounds * 2 + 1))
    assert Counter(e.actor for e in written) == {f"worker-{n}": rounds * 2 for n in range(workers)}
    # Each transaction's two entries stay next to each other.
    assert all(written[i].actor == written[i + 1].actor for i in range(0, len(written), 2))
    assert audit.verify(db, exercise.name).ok
