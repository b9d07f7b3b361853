"""Helpers of the exercise-succession tests: scenario text, the CLI, the database.

Ranges are named x13-*; address space 10.217.x.0/24 (used by no other test area).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from cyberrange.cli import cli
from records import audit
from scoring.flags import FlagCodec, FlagFormatError
from scoring.tables import Exercise, TeamEntry

# hello-range with its own subnets: 10.217.<octet><copy>.0/24 (octet 1-9: one per test).
SCENARIO = """\
schema: cyberrange/v1
name: x13-hello
title: Exercise succession test range
duration: {duration}
tick: {tick}
flag_lifetime: 3
teams:
  - {{name: red, role: red}}
  - {{name: blue, role: blue}}
networks:
  lan: {{subnet: "10.217.{octet}{{copy}}.0/24"}}
hosts:
  box:
    image: cyberrange/target
    networks: {{lan: "10.217.{octet}{{copy}}.10"}}
    services:
      - {{name: ssh, port: 22/tcp, check: tcp}}
    flags:
      - {{path: /root/flag.txt, points: 50}}
  peer:
    image: cyberrange/base
    networks: [lan]
"""


def write_scenario(folder: Path, octet: int, tick: str = "10s", duration: str = "10m") -> Path:
    path = folder / "scenario.yaml"
    path.write_text(SCENARIO.format(octet=octet, tick=tick, duration=duration))
    return path


@dataclass(frozen=True)
class Cli:
    """`cyberrange` run in-process against one data directory and database."""

    data_dir: Path
    database_url: str

    def __call__(self, *args: str) -> tuple[int, str]:
        base = ["--data-dir", str(self.data_dir), "--database-url", self.database_url]
        result = CliRunner().invoke(cli, [*base, *args])
        return result.exit_code, result.output


def container_id(name: str) -> str:
    done = subprocess.run(
        ["docker", "inspect", "-f", "{{.Id}}", name], capture_output=True, text=True, timeout=60
    )
    return done.stdout.strip()


def read_flag(container: str) -> str:
    done = subprocess.run(
        ["docker", "exec", container, "cat", "/root/flag.txt"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def signed_by(exercise: Exercise, flag: str) -> bool:
    assert exercise.id is not None
    try:
        FlagCodec(exercise.secret, exercise.id).decode(flag)
    except FlagFormatError:
        return False
    return True


def exercises(engine: Engine, range_name: str) -> list[Exercise]:
    with Session(engine) as session:
        query = select(Exercise).where(Exercise.range_name == range_name)
        return list(session.exec(query.order_by(col(Exercise.id))).all())


def teams(engine: Engine, exercise: Exercise) -> set[str]:
    with Session(engine) as session:
        query = select(TeamEntry.name).where(TeamEntry.exercise_id == exercise.id)
        return set(session.exec(query).all())


def chain_actions(engine: Engine, exercise: str) -> list[str]:
    verdict = audit.verify(engine, exercise)
    assert verdict.ok, str(verdict)
    return [entry.action for entry in audit.entries(engine, exercise)]
