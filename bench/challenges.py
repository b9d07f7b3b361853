"""Benchmark: challenge answers through the JSON API under `cyberrange serve`, with
dynamic scoring on, while teams read the challenge board.

Seeds a temporary data directory: a competition of --teams red teams (one
account and API token each, on the exercise's roster) and --challenges dynamic
challenges (CTFd's logarithmic decay, so every solve changes every solver's
points). Starts `cyberrange serve` on a free 127.0.0.1 port and, after a
warm-up, runs two kinds of keep-alive clients on one asyncio loop at once:

* --clients answer senders, saturated: each request is a *correct* answer of a
  team to a challenge it has not solved (every (team, challenge) pair once),
  so each one is checked, recorded as an attempt and a solve, and audited;
* --readers board readers, each asking for GET .../challenges/board every
  --poll seconds on a fixed schedule (latency counts from the scheduled time).

Prints correct answers per second (target >= 500/s) and the board's p50/p95
latency meanwhile (target p95 < 100 ms).

    .venv/bin/python bench/challenges.py [--teams 200] [--challenges 25] [--seconds 10]
        [--postgres postgresql+psycopg://...]   # default: SQLite in a temporary directory
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from web import HOST, free_port, percentile, server_cpu_seconds  # noqa: E402

from range.config import Settings  # noqa: E402

console = Console()
EXERCISE = "ctfbench"


@dataclass
class Seed:
    tokens: list[str]  # one per team, in team order
    flags: list[str]  # one per challenge, in challenge number order


def _scenario(teams: int) -> dict[str, object]:
    return {"schema": "cyberrange/v1", "name": EXERCISE, "title": "challenge bench",
            "duration": "4h", "tick": "60s", "networks": {}, "hosts": {},
            "teams": [{"name": f"t{i:04d}", "role": "red"} for i in range(teams)],
            "scoring": {"formula": "points", "first_blood": 10}}


def _write_challenges(directory: Path, count: int) -> list[str]:
    flags = []
    for i in range(count):
        flag = f"flag{{bench-{i:03d}}}"
        flags.append(flag)
        target = directory / f"c{i:03d}"
        target.mkdir(parents=True)
        (target / "challenge.yml").write_text(json.dumps({
            "name": f"Challenge {i:03d}", "category": "bench", "type": "dynamic",
            "extra": {"initial": 500, "decay": 50, "minimum": 100},
            "flags": [flag], "hints": [{"content": "none", "cost": 10}]}))
    return flags


def seed(settings: Settings, teams: int, challenges: int, tmp: Path) -> Seed:
    from sqlmodel import Session

    from cyberrange.tables import import_all_tables
    from range.db import open_engine
    from range.scenario.models import Scenario
    from records.participants import add_participant, assign
    from scoring.challenges.loader import load_directory
    from scoring.challenges.store import import_challenges
    from scoring.clock import Clock
    from scoring.exercise import create_exercise, transition
    from webui.accounts import User, UserRole, hash_password, issue_token

    import_all_tables()
    engine = open_engine(settings)
    scenario = Scenario.model_validate(_scenario(teams))
    created = create_exercise(engine, EXERCISE, EXERCISE, scenario, "bench")
    transition(engine, EXERCISE, "start", "bench")
    assert created.id is not None
    Clock(engine, created.id).poll()
    flags = _write_challenges(tmp / "challenges", challenges)
    import_challenges(engine, EXERCISE, load_directory(tmp / "challenges"), "bench")
    tokens = []
    password = hash_password("bench password")  # once: argon2 is slow on purpose
    for i in range(teams):
        name = f"u{i:04d}"
        with Session(engine) as session:
            user = User(username=name, role=UserRole.RED, team=f"t{i:04d}",
                        password_hash=password)
            session.add(user)
            session.commit()
            session.refresh(user)
        add_participant(engine, name)
        assign(engine, EXERCISE, name, f"t{i:04d}", "red")
        tokens.append(issue_token(engine, user, "bench"))
    engine.dispose()
    return Seed(tokens, flags)


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    good: int = 0
    errors: int = 0


class _Connection:
    """One keep-alive connection, opened again after the server dropped it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def exchange(self, method: str, path: str, token: str, body: bytes
                       ) -> tuple[int, bytes]:
        """Status and body; status 0 when the connection failed (counted as an error)."""
        try:
            if self.streams is None:
                self.streams = await asyncio.open_connection(HOST, self.port)
            return await _exchange(*self.streams, method, path, token, body)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            self.close()
            return 0, b""

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
        self.streams = None


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, method: str,
                    path: str, token: str, body: bytes) -> tuple[int, bytes]:
    writer.write((f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {token}"
                  f"\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                  ).encode() + body)
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    status = int(head.split(" ", 2)[1])
    length = 0
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def _answers(port: int, seeded: Seed, pairs: list[tuple[int, int]], stop: float,
                   stats: Stats) -> None:
    connection = _Connection(port)
    try:
        while pairs and time.perf_counter() < stop:
            team, number = pairs.pop()
            body = json.dumps({"answer": seeded.flags[number - 1]}).encode()
            start = time.perf_counter()
            status, answer = await connection.exchange(
                "POST", f"/api/v1/exercises/{EXERCISE}/challenges/{number}/attempts",
                seeded.tokens[team], body)
            stats.latencies.append(time.perf_counter() - start)
            if status == 200 and json.loads(answer)["outcome"] == "correct":
                stats.good += 1
            else:
                stats.errors += 1
    finally:
        connection.close()


async def _reader(port: int, token: str, index: int, readers: int, poll: float, began: float,
                  stop: float, stats: Stats) -> None:
    connection = _Connection(port)
    sent = 0
    try:
        while True:
            scheduled = began + (index + sent * readers) * poll / readers
            sent += 1
            if scheduled >= stop:
                return
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            status, _ = await connection.exchange(
                "GET", f"/api/v1/exercises/{EXERCISE}/challenges/board", token, b"")
            stats.latencies.append(time.perf_counter() - scheduled)
            stats.good += status == 200
            stats.errors += status != 200
    finally:
        connection.close()


async def _phase(port: int, seeded: Seed, pairs: list[tuple[int, int]], args: argparse.Namespace,
                 seconds: float) -> tuple[Stats, Stats, float]:
    answers, board = Stats(), Stats()
    began = time.perf_counter()
    stop = began + seconds
    tasks = [_answers(port, seeded, pairs, stop, answers) for _ in range(args.clients)]
    tasks += [_reader(port, seeded.tokens[i], i, args.readers, args.poll, began, stop, board)
              for i in range(args.readers)]
    await asyncio.gather(*tasks)
    return answers, board, time.perf_counter() - began


def start_server(data_dir: Path, port: int, workers: int, threads: int, timeout: float
                 ) -> subprocess.Popen[bytes]:
    """`cyberrange serve` on ``port``, once it answers (a loaded machine starts slowly)."""
    env = {**os.environ, "CYBERRANGE_DATA_DIR": str(data_dir)}
    command = [str(Path(sys.executable).parent / "cyberrange"), "serve", "--host", HOST,
               "--port", str(port), "--workers", str(workers), "--threads", str(threads),
               "--insecure-cookies"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            error = server.stderr.read().decode()[-2000:] if server.stderr else ""
            raise SystemExit(f"server exited: {error}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"server did not answer within {timeout:g} s")


@contextmanager
def private_database(server_url: str | None) -> Iterator[str | None]:
    """A fresh PostgreSQL database on ``server_url`` for the run (None: SQLite)."""
    if server_url is None:
        yield None
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"cyberrange_challengebench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(args: argparse.Namespace) -> None:
    with (tempfile.TemporaryDirectory(prefix="cr-challengebench-") as tmp,
          private_database(args.postgres) as url):
        settings = Settings(data_dir=Path(tmp) / "data", root=ROOT, database_url=url)
        if url is not None:
            os.environ["CYBERRANGE_DATABASE_URL"] = url  # the server's database too
        console.print(f"seeding {args.teams} teams and {args.challenges} dynamic challenges…")
        seeded = seed(settings, args.teams, args.challenges, Path(tmp))
        # every (team, challenge) pair once; pop() from the end: challenge by challenge
        pairs = [(team, number) for number in range(args.challenges, 0, -1)
                 for team in range(args.teams - 1, -1, -1)]
        port = free_port()
        server = start_server(settings.data_dir, port, args.workers, args.threads,
                              args.start_timeout)
        try:
            asyncio.run(_phase(port, seeded, pairs, args, 2.0))  # warm-up
            cpu = server_cpu_seconds(server.pid)
            answers, board, elapsed = asyncio.run(_phase(port, seeded, pairs, args,
                                                         args.seconds))
            cpu = server_cpu_seconds(server.pid) - cpu
        finally:
            server.terminate()
            server.wait(timeout=30)
    console.print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}")
    console.print(f"correct answers: {answers.good / elapsed:6.0f}/s  "
                  f"p50 {percentile(answers.latencies, 0.5) * 1000:6.1f} ms  "
                  f"p99 {percentile(answers.latencies, 0.99) * 1000:6.1f} ms  "
                  f"({answers.good} correct, {answers.errors} other/errors, {args.clients} "
                  f"clients; target >= 500/s)")
    console.print(f"challenge board meanwhile: p50 "
                  f"{percentile(board.latencies, 0.5) * 1000:6.1f} ms  "
                  f"p95 {percentile(board.latencies, 0.95) * 1000:6.1f} ms  "
                  f"({board.good} reads, {board.errors} errors, {args.readers} readers every "
                  f"{args.poll:g} s; target p95 < 100 ms)")
    cores = os.cpu_count() or 1
    console.print(f"server CPU: {cpu:.1f} s for {answers.good} answers and {board.good} board "
                  f"reads ({cpu / max(answers.good, 1) * 1000:.1f} ms an answer: all {cores} "
                  f"cores would answer about {cores * answers.good / max(cpu, 1e-9):,.0f}/s)")
    if not pairs:
        console.print("[yellow]every (team, challenge) pair was answered before the time "
                      "limit: raise --teams or --challenges[/]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("--challenges", type=int, default=25)
    parser.add_argument("--clients", type=int, default=32, help="answer senders")
    parser.add_argument("--readers", type=int, default=10, help="board readers")
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between board reads")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--start-timeout", type=float, default=300.0,
                        help="seconds to wait for the server to answer")
    parser.add_argument("--postgres", metavar="URL",
                        help="a PostgreSQL server URL: run on a fresh database there")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
