"""Sandbox pools on the real engine and Ansible: allocate, lose a container, repair,
release (a fresh sandbox), destroy."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from cyberrange.pools import create_pool, destroy_pool
from range.backends import get_backend
from range.config import Settings
from range.pool_state import PoolError, SandboxState, held_by, sandboxes
from scoring.sandboxes import allocate, release, repair, repair_held

pytestmark = [pytest.mark.docker, pytest.mark.ansible, pytest.mark.slow]

POOL = "h19pool"
HOUR = timedelta(hours=1)
SCENARIO = """\
schema: cyberrange/v1
name: h19pool
title: Pool test
duration: 10m
teams:
  - {name: trainee, role: blue}
networks:
  lan: {subnet: "10.16{copy}.3.0/24"}
hosts:
  box:
    image: cyberrange/target
    networks: {lan: "10.16{copy}.3.10"}
    flags:
      - {path: /root/flag.txt, points: 10}
"""


@pytest.fixture(scope="module")
def pool(
    docker_engine: None, tmp_path_factory: pytest.TempPathFactory, root: Path
) -> Iterator[tuple[Settings, Engine]]:
    from cyberrange.tables import import_all_tables
    from range.db import open_engine

    folder = tmp_path_factory.mktemp("pool")
    (folder / "scenario.yaml").write_text(SCENARIO)
    settings = Settings(data_dir=folder / "data", root=root)
    import_all_tables()
    engine = open_engine(settings)
    get_backend(settings).destroy(POOL)  # leftovers of an interrupted earlier run
    rows = create_pool(settings, engine, folder / "scenario.yaml", POOL, 3)
    assert [(r.number, r.state) for r in rows] == [(n, SandboxState.READY) for n in (1, 2, 3)]
    try:
        yield settings, engine
    finally:
        get_backend(settings).destroy(POOL)
        engine.dispose()


def box(copy: int) -> str:
    return f"{POOL}-c{copy}-box"


def sh(container: str, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", "exec", container, "sh", "-c", command],
                          capture_output=True, text=True, check=False)  # fmt: skip


def test_trainees_get_their_own_sandbox_and_a_dead_one_is_never_handed_out(
    pool: tuple[Settings, Engine],
) -> None:
    settings, engine = pool
    assert allocate(settings, engine, POOL, "alice", HOUR).number == 1
    assert allocate(settings, engine, POOL, "bob", HOUR).number == 2
    assert allocate(settings, engine, POOL, "alice", HOUR).number == 1  # the one she holds
    subprocess.run(["docker", "kill", box(3)], capture_output=True, check=True)
    with pytest.raises(PoolError, match=r"no free sandbox \(2 allocated, 1 broken\)"):
        allocate(settings, engine, POOL, "carol", HOUR)
    assert held_by(engine, POOL, "carol") is None


def test_repair_brings_back_a_lost_container_and_keeps_its_trainee(
    pool: tuple[Settings, Engine],
) -> None:
    settings, engine = pool
    subprocess.run(["docker", "kill", box(1)], capture_output=True, check=True)  # mid-level
    repaired = repair(settings, engine, POOL)
    assert sorted(s.number for s in repaired) == [1, 3]
    states = {s.number: (s.state, s.holder) for s in sandboxes(engine, POOL)}
    assert states[1] == (SandboxState.ALLOCATED, "alice")
    assert states[3] == (SandboxState.READY, None)
    assert sh(box(1), "cat /root/flag.txt").stdout.startswith("FLAG{")  # configured again
    assert allocate(settings, engine, POOL, "carol", HOUR).number == 3


def test_release_gives_the_next_trainee_a_fresh_sandbox(pool: tuple[Settings, Engine]) -> None:
    settings, engine = pool
    assert sh(box(2), "echo bob-was-here > /root/notes.txt").returncode == 0
    flag = sh(box(2), "cat /root/flag.txt").stdout
    fresh = release(settings, engine, POOL, "bob")
    assert (fresh.number, fresh.state, fresh.holder, fresh.resets) == (
        2, SandboxState.READY, None, 1)  # fmt: skip
    assert sh(box(2), "test -e /root/notes.txt").returncode == 1
    assert sh(box(2), "cat /root/flag.txt").stdout == flag  # the same copy's flag, planted again
    assert allocate(settings, engine, POOL, "dave", HOUR).number == 2


TRAINING = """\
schema: cyberrange/training-v1
name: h19course
title: Pool course
scenario: scenario.yaml
pool: h19pool
levels:
  - {type: info, title: Hello, content: Your sandbox.}
  - {type: task, title: The flag, content: Read /root/flag.txt on box., flag: {host: box},
     points: 30, hints: [{title: cat, content: cat /root/flag.txt, penalty: 10}]}
"""


def test_a_trainee_solves_with_the_flag_of_their_own_sandbox_which_then_goes_back(
    pool: tuple[Settings, Engine], tmp_path: Path
) -> None:
    from scoring.training import play
    from scoring.training.catalog import import_definition
    from scoring.training.loader import load_training
    from scoring.training.sandboxed import begin, finish_if_done
    from webui.accounts import create_user
    from webui.membership import members
    from webui.sandbox_access import enter, go_out

    settings, engine = pool
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(SCENARIO)
    (tmp_path / "course.yaml").write_text(TRAINING)
    import_definition(engine, load_training(tmp_path / "course.yaml", settings.root))
    release(settings, engine, POOL, "dave")
    create_user(engine, "erin", "erin-password-1", "blue")
    here = begin(settings, engine, "h19course", "erin", HOUR)
    assert here.run.sandbox == 2 and held_by(engine, POOL, "erin") is not None
    played = enter(engine, "erin", POOL, here.run.sandbox)  # her way in: the owning team
    assert played is not None
    assert [(m.username, m.team) for m in members(engine, played)] == [("erin", "trainee-2")]
    play.read_on(engine, "h19course", "erin")
    subprocess.run(["docker", "kill", box(2)], capture_output=True, check=True)  # mid-level
    assert repair_held(settings, engine, POOL, "erin") is True
    assert repair_held(settings, engine, POOL, "erin") is False  # all runs now
    assert held_by(engine, POOL, "erin") is not None  # still hers, same level
    assert play.position(engine, "h19course", "erin").run.level == 1
    play.take_hint(engine, "h19course", "erin", 0)
    other = sh(box(1), "cat /root/flag.txt").stdout.strip()
    assert play.answer(engine, "h19course", "erin", other)[0] is False  # another sandbox's
    own = sh(box(2), "cat /root/flag.txt").stdout.strip()
    right, here = play.answer(engine, "h19course", "erin", own)
    assert right and here.finished and here.score == 20
    go_out(engine, "erin", POOL)
    assert finish_if_done(settings, engine, here)
    assert held_by(engine, POOL, "erin") is None and members(engine, played) == []


def test_destroy_leaves_nothing(pool: tuple[Settings, Engine]) -> None:
    settings, engine = pool
    assert destroy_pool(settings, engine, POOL) > 0
    assert sandboxes(engine, POOL) == []
    left = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=cyberrange.range={POOL}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert left == ""
