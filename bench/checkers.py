"""Checker throughput: 50 copies x 5 services of checks that each take 0.2 s.

Target: a whole tick of checks (put, get, check per service: 750 checker runs)
finishes in under 20% of a 60 s tick, i.e. under 12 s.

Creates one real checker container per copy (cyberrange/checker, no network,
labeled cyberrange.range=chkbench-<pid>), runs ticks through the real runner
(one long-lived agent session per copy, the copy's checks concurrent inside
it) against a SQLite ledger, prints the figures, and removes its containers.
For comparison it also measures one tick with one `docker exec` per copy, and
the naive design (one `docker exec` per check) on a sample, as the baseline.

    .venv/bin/python bench/checkers.py [--copies 50] [--services 5] [--ticks 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from cyberrange.tables import import_all_tables
from range.backends.docker import DockerBackend
from range.backends.exec_session import DockerSessions
from range.config import Settings
from range.db import open_engine
from range.scenario.models import Scenario, Service
from scoring.checkers.protocol import run_checker
from scoring.checkers.runner import TickChecks
from scoring.checkers.sessions import AgentSessions
from scoring.checkers.status import CheckStatus
from scoring.checkers.targets import ServiceTarget
from scoring.exercise import create_exercise

SLEEPER = """import sys, time
time.sleep(0.2)
if sys.argv[1] == "put":
    print("id-" + sys.argv[3])
sys.exit(101)
"""
TICK_SECONDS = 60
TARGET = 0.2 * TICK_SECONDS


def docker(*args: str) -> str:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=True, timeout=300
    ).stdout


def image() -> str:
    for name in ("cyberrange/checker", "cyberrange/base"):
        if (
            subprocess.run(["docker", "image", "inspect", name], capture_output=True).returncode
            == 0
        ):
            return name
    raise SystemExit("build the images first: cyberrange images build checker")


def start_containers(range_name: str, copies: int, console: Console) -> None:
    checker_image = image()

    def start(copy: int) -> None:
        docker(
            "run", "-d", "--name", f"{range_name}-c{copy}-checker", "--network", "none",
            "--label", f"cyberrange.range={range_name}", "--label", f"cyberrange.copy={copy}",
            "--label", "cyberrange.host=checker", "--memory", "256m", "--pids-limit", "256",
            checker_image,
        )  # fmt: skip

    with Progress(console=console) as progress, ThreadPoolExecutor(8) as pool:
        task = progress.add_task("starting checker containers", total=copies)
        for _ in pool.map(start, range(1, copies + 1)):
            progress.advance(task)


def cleanup(range_name: str) -> None:
    ids = docker("ps", "-aq", "--filter", f"label=cyberrange.range={range_name}").split()
    if ids:
        docker("rm", "-f", *ids)


def scenario(services: int) -> Scenario:
    return Scenario.model_validate(
        {
            "schema": "cyberrange/v1",
            "name": "chkbench",
            "title": "checker bench",
            "duration": 3600,
            "tick": TICK_SECONDS,
            "teams": [{"name": "blue", "role": "blue", "copies": 2}],
            "networks": {"lan": {"subnet": "10.{copy}.0.0/24"}},
            "hosts": {
                "box": {
                    "image": "cyberrange/target",
                    "networks": ["lan"],
                    "services": [
                        {"name": f"s{i}", "port": 1000 + i, "checker": "sleep.py"}
                        for i in range(services)
                    ],
                }
            },
        }
    )


def targets(range_name: str, copies: int, services: int) -> list[ServiceTarget]:
    return [
        ServiceTarget(
            copy=copy,
            team=f"blue-{copy}",
            host="box",
            service=Service(name=f"s{slot}", port=1000 + slot, checker="sleep.py"),
            slot=slot,
            address="127.0.0.1",
            container=f"{range_name}-c{copy}-checker",
        )
        for copy in range(1, copies + 1)
        for slot in range(services)
    ]


def baseline(backend: DockerBackend, range_name: str, copies: int, sample: int) -> float:
    """Seconds per tick if every check were its own `docker exec` (32 at a time)."""

    def one(index: int) -> CheckStatus:
        container = f"{range_name}-c{index % copies + 1}-checker"
        argv = ["check", "127.0.0.1"]
        return run_checker(backend, range_name, container, "sleep.py", SLEEPER, argv, 10).status

    started = time.monotonic()
    with ThreadPoolExecutor(32) as pool:
        statuses = list(pool.map(one, range(sample)))
    elapsed = time.monotonic() - started
    ok = statuses.count(CheckStatus.OK)
    print(f"naive sample: {ok}/{sample} OK in {elapsed:.1f} s")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=50)
    parser.add_argument("--services", type=int, default=5)
    parser.add_argument("--ticks", type=int, default=3)
    parser.add_argument("--baseline-sample", type=int, default=100)
    parser.add_argument("--check-timeout", type=float, default=30.0)
    args = parser.parse_args()
    console = Console()
    range_name = f"chkbench-{os.getpid()}"
    backend = DockerBackend()
    with tempfile.TemporaryDirectory() as tmp:
        import_all_tables()
        engine = open_engine(Settings(data_dir=Path(tmp)))
        exercise = create_exercise(engine, "bench", range_name, scenario(args.services), "-")
        assert exercise.id is not None
        service_targets = targets(range_name, args.copies, args.services)
        sessions = AgentSessions(DockerSessions())
        checks = TickChecks(
            engine, backend, range_name, service_targets, {"sleep.py": SLEEPER},
            timeout=args.check_timeout, sessions=sessions,
        )  # fmt: skip
        per_exec = TickChecks(
            engine, backend, range_name, service_targets, {"sleep.py": SLEEPER}, args.check_timeout
        )
        try:
            start_containers(range_name, args.copies, console)
            started = time.monotonic()
            problems = checks.prepare()
            console.print(
                f"agent sessions started in {time.monotonic() - started:.1f} s "
                f"(once per exercise; {len(problems)} failed)"
            )
            runs = args.copies * args.services
            console.print(f"{args.copies} copies x {args.services} services = {runs} services/tick")
            worst = 0.0
            for tick in range(1, args.ticks + 1):
                started = time.monotonic()
                results = checks.run_tick(exercise.id, exercise.secret, tick)
                elapsed = time.monotonic() - started
                ok = sum(r.status is CheckStatus.OK for r in results)
                phases = sum(len(r.phases) for r in results)
                console.print(
                    f"tick {tick}: {phases} checker runs, {ok}/{len(results)} services OK, "
                    f"{elapsed:.2f} s ({elapsed / TICK_SECONDS:.1%} of a {TICK_SECONDS} s tick)"
                )
                worst = max(worst, elapsed)
                failures = Counter(
                    f"{r.status}: {r.message}" for r in results if r.status is not CheckStatus.OK
                )
                for problem, count in failures.most_common(3):
                    console.print(f"  {count} x {problem}")
            started = time.monotonic()
            per_exec.run_tick(exercise.id, exercise.secret, args.ticks + 1)
            one_exec = time.monotonic() - started
            console.print(
                f"one docker exec per copy and tick instead of sessions: {one_exec:.2f} s"
            )
            sample = min(args.baseline_sample, runs)
            if sample:
                naive = baseline(backend, range_name, args.copies, sample) * (runs * 3 / sample)
                console.print(
                    f"naive (one docker exec per check, 32 at a time), extrapolated from "
                    f"{sample} execs to {runs * 3}: {naive:.1f} s; sessions are "
                    f"{naive / worst:.1f}x faster"
                )
            verdict = "meets" if worst < TARGET else "MISSES"
            console.print(f"worst tick: {worst:.2f} s — {verdict} the {TARGET:.0f} s target")
        finally:
            checks.close()
            cleanup(range_name)
            engine.dispose()


if __name__ == "__main__":
    main()
