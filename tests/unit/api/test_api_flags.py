"""Flag submission through the API: per-flag answers, batch limits, team
scoping, and exactly one accepted capture under concurrent submissions."""

from __future__ import annotations

import random
import threading

from sqlmodel import Session, select

from records import audit
from scoring.exercise import transition
from scoring.tables import Fact, FactKind
from tests.unit.api.conftest import ApiWorld, X
from tests.unit.webui.conftest import EXERCISE
from webui.app import create_app


def _answers(response_json: object) -> list[str]:
    assert isinstance(response_json, dict)
    return [r["answer"] for r in response_json["results"]]


def test_batch_answers_each_flag_in_order(world: ApiWorld) -> None:
    first, second = world.flag(copy=1), world.flag(copy=2)
    batch = [first, "FLAG{nonsense}", second, first, world.flag(copy=1, slot=99)]
    response = world.as_role("red").post(f"{X}/flags", json={"flags": batch})
    assert response.status_code == 200, response.json
    assert _answers(response.json) == ["accepted", "invalid", "accepted", "duplicate", "invalid"]
    assert response.json is not None
    assert [r["flag"] for r in response.json["results"]] == batch
    assert response.json["counts"] == {"accepted": 2, "duplicate": 1, "invalid": 2}
    again = world.as_role("red").post(f"{X}/flags", json={"flags": [second]})
    assert _answers(again.json) == ["duplicate"]
    entry = audit.entries(world.engine, EXERCISE)[-1]
    assert (entry.actor, entry.action, entry.details["accepted"]) == (
        "api:redteam", "flags.submit", 0)


def test_batch_limits(world: ApiWorld) -> None:
    red = world.as_role("red")
    too_many = red.post(f"{X}/flags", json={"flags": ["FLAG{x}"] * 5001})
    assert too_many.status_code == 422
    assert too_many.json is not None and too_many.json["error"]["field"] == "flags"
    empty = red.post(f"{X}/flags", json={"flags": []})
    assert empty.status_code == 422
    not_text = red.post(f"{X}/flags", json={"flags": ["FLAG{x}", 7]})
    assert not_text.status_code == 422
    assert not_text.json is not None and not_text.json["error"]["field"] == "flags.1"
    full = red.post(f"{X}/flags", json={"flags": [f"FLAG{{{i}}}" for i in range(5000)]})
    assert full.status_code == 200
    assert _answers(full.json) == ["invalid"] * 5000


def test_paused_exercise_refuses_every_flag(world: ApiWorld) -> None:
    transition(world.engine, EXERCISE, "pause", "test")
    response = world.as_role("red").post(f"{X}/flags", json={"flags": [world.flag(copy=1)]})
    assert _answers(response.json) == ["not-allowed"]


def test_only_red_users_of_a_playing_team_submit(world: ApiWorld) -> None:
    blue = world.as_role("blue").post(f"{X}/flags", json={"flags": [world.flag(copy=2)]})
    assert blue.status_code == 403


def test_submissions_are_scoped_to_the_team(world: ApiWorld) -> None:
    red = world.as_role("red")
    red.post(f"{X}/flags", json={"flags": [world.flag(copy=1), "FLAG{bad}"]})
    own = red.get(f"{X}/submissions")
    assert own.status_code == 200
    assert own.json is not None
    assert {s["team"] for s in own.json["submissions"]} == {"red"}
    assert [s["answer"] for s in own.json["submissions"]] == ["invalid", "accepted"]
    other = red.get(f"{X}/submissions?team=blue-1")
    assert other.status_code == 403
    auditor = world.as_role("auditor").get(f"{X}/submissions?team=red&limit=1")
    assert auditor.json is not None and len(auditor.json["submissions"]) == 1


def test_exactly_one_concurrent_submission_is_accepted(world: ApiWorld) -> None:
    """Threads of two applications on one database, as two gunicorn workers are
    (each worker queues its own writers, so the race is between the workers)."""
    second = create_app(world.settings, world.engine, secure_cookies=False, testing=True)
    second.extensions["cyberrange.submitters"].rate = 1e6
    second.extensions["cyberrange.submitters"].burst = 1e6
    flags = [world.flag(copy=c, slot=s) for c in (1, 2) for s in range(2)]
    workers = 8
    barrier = threading.Barrier(workers)
    answers: list[list[tuple[str, str]]] = []
    lock = threading.Lock()

    def submit(seed: int) -> None:
        client = world.as_role("red")
        if seed % 2:
            client.client = second.test_client(use_cookies=False)
        batch = flags[:]
        random.Random(seed).shuffle(batch)
        barrier.wait()
        for flag in batch:
            response = client.post(f"{X}/flags", json={"flags": [flag]})
            assert response.json is not None
            with lock:
                answers.append([(r["flag"], r["answer"]) for r in response.json["results"]])

    threads = [threading.Thread(target=submit, args=(seed,)) for seed in range(workers)]
    world.as_role("red")  # issue the token before the threads race
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    flat = [pair for batch in answers for pair in batch]
    assert len(flat) == workers * len(flags)
    for flag in flags:
        got = sorted(answer for f, answer in flat if f == flag)
        assert got == ["accepted"] + ["duplicate"] * (workers - 1), flag
    with Session(world.engine) as session:
        captures = session.exec(select(Fact).where(Fact.kind == FactKind.CAPTURE)).all()
    assert sorted(str(c.data["flag"]) for c in captures) == sorted(flags)
    # Each request's audit entry was written with its answers, by either worker,
    # into one unbroken chain.
    submitted = [e for e in audit.entries(world.engine, EXERCISE) if e.action == "flags.submit"]
    assert len(submitted) == workers * len(flags)
    assert sum(e.details["accepted"] for e in submitted) == len(flags)
    assert audit.verify(world.engine, EXERCISE).ok
