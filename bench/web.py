"""Benchmark: the JSON API under `cyberrange serve` (gunicorn) with 50 clients.

Seeds a temporary data directory (users, API tokens, a running dmz-breach
exercise), starts `cyberrange serve` on a free 127.0.0.1 port and drives it
with concurrent keep-alive clients (bench/webload.py: one asyncio loop, so the
clients take little of the CPU they share with the server), after a 2 s warm-up:

* single-flag submissions per second and their latency (target >= 500/s,
  p99 < 100 ms): every flag is genuine and new, so each one is verified,
  recorded and accepted. Twice: saturated (each client sends again as soon as
  it is answered) and paced (--rate flags/s leave on schedule whatever the
  answers do; latency counts from the scheduled time);
* batch submissions in flags per second (target >= 10,000/s), 5,000 flags a
  request, on a second exercise;
* scoreboard latency p50/p95 (target p95 < 100 ms), read by the teams while
  the ledger holds what the first phase submitted: saturated (each client
  asks again as soon as it is answered: latency = clients / throughput) and
  paced as browsers poll it (each client every --poll seconds);
* the board while submissions flow, the case teams live in: a third exercise
  holds --mixed-facts facts (seeded before the server starts), single flags
  arrive on schedule at --mixed-rate/s while the clients poll its board every
  --poll seconds; prints the board's p50/p95 (target p95 < 100 ms with
  100,000 facts, 100 flags/s and 50 readers) and the submissions' p99.

The server's flag rate limit is lifted (CYBERRANGE_FLAG_RATE) for the run:
the limiter has its own tests; here the code path is measured.

    .venv/bin/python bench/web.py [--clients 50] [--seconds 10] [--workers 2] [--rate 500]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from webload import (  # noqa: E402
    Load,
    Phase,
    Request,
    drive,
    drive_together,
)

from range.config import Settings  # noqa: E402
from scoring.flags import FlagCodec  # noqa: E402

HOST = "127.0.0.1"  # never anything else: the bench talks to its own server
DMZ = ROOT / "scenarios" / "dmz-breach" / "scenario.yaml"
BATCH = 5000
MIXED_FIRST = 10_000_000  # flag numbers of the mixed phase: never those of the others
console = Console()


@dataclass
class Seed:
    tokens: dict[str, str]  # role → token
    codecs: dict[str, FlagCodec]  # exercise → its codec
    tick: int


def _scenario() -> object:
    import yaml

    from range.errors import ScenarioError
    from range.scenario import load
    from range.scenario.models import Scenario

    try:
        return load(DMZ, root=ROOT).scenario
    except ScenarioError:  # provisioning files being written: the model is enough here
        return Scenario.model_validate(yaml.safe_load(DMZ.read_text(encoding="utf-8")))


def _store_facts(engine: Engine, codec: FlagCodec, facts: int) -> None:
    """``facts`` facts in the mixed phase's exercise: each accepted flag is two
    (its SUBMISSION and its CAPTURE)."""
    from scoring.ratelimit import RateLimiter
    from scoring.submissions import Submitter

    submitter = Submitter(engine, "webmixed", limiter=RateLimiter(rate=1e9, burst=1e9))
    flags = list(flags_of(codec, MIXED_FIRST, facts // 2))
    for start in range(0, len(flags), BATCH):
        submitter.submit("red", flags[start:start + BATCH])


def seed(settings: Settings, facts: int = 0) -> Seed:
    from cyberrange.tables import import_all_tables
    from range.db import open_engine
    from scoring.clock import Clock
    from scoring.exercise import create_exercise, get_exercise, transition
    from webui.accounts import create_user, issue_token
    from webui.membership import join

    import_all_tables()
    engine = open_engine(settings)
    tokens = {}
    for username, role, team in (("red1", "red", "red"), ("blue1", "blue", "blue-1"),
                                 ("white1", "white", None)):
        user = create_user(engine, username, "bench password", role, team=team)
        tokens[role] = issue_token(engine, user, "bench")
    codecs = {}
    for name in ("webbench", "webbatch", "webmixed"):
        created = create_exercise(engine, name, name, _scenario(), str(DMZ))  # type: ignore[arg-type]
        transition(engine, name, "start", "bench")
        assert created.id is not None
        Clock(engine, created.id).poll()  # tick 1
        found = get_exercise(engine, name)
        codecs[name] = FlagCodec(found.secret, created.id)
        for username in ("red1", "blue1"):  # red and blue accounts play where they joined
            join(engine, username, name, actor="bench")
    _store_facts(engine, codecs["webmixed"], facts)
    engine.dispose()
    return Seed(tokens, codecs, 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, port: int, workers: int, threads: int
                 ) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CYBERRANGE_DATA_DIR": str(data_dir), "CYBERRANGE_FLAG_RATE": "1e9",
           "CYBERRANGE_FLAG_BURST": "1e9"}
    command = [str(Path(sys.executable).parent / "cyberrange"), "serve", "--host", HOST,
               "--port", str(port), "--workers", str(workers), "--threads", str(threads),
               "--insecure-cookies"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180  # a busy machine imports slowly
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited: {server.stderr.read().decode()[-2000:]}"
                             if server.stderr else "server exited")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("server did not answer within 180 s")


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of the server and its gunicorn workers so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pids = 0.0, [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        for one in pids:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    except OSError:
        return float("nan")
    return total


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def flags_of(codec: FlagCodec, first: int, count: int) -> Iterator[str]:
    """Genuine, distinct, unexpired service flags (copies 1-2, slots 0-1)."""
    for n in range(first, first + count):
        yield codec.service_flag(2 + n // 4, 1 + n % 2, (n // 2) % 2)


def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="cr-webbench-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", root=ROOT)
        console.print(f"seeding {args.mixed_facts:,} facts for the mixed phase…")
        seeded = seed(settings, args.mixed_facts)
        port = free_port()
        server = start_server(settings.data_dir, port, args.workers, args.threads)
        try:
            report(args, port, seeded, server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)


@dataclass
class Meter:
    """Runs phases and adds what they cost: server CPU per request, client CPU."""

    port: int
    server_pid: int

    def run(self, load: Load, make: Request, label: str) -> tuple[Phase, float, str]:
        cpu, client_cpu = server_cpu_seconds(self.server_pid), time.process_time()
        phase, elapsed = drive(load, make, label, console)
        used = server_cpu_seconds(self.server_pid) - cpu
        requests = max(1, len(phase.latencies))
        cores = os.cpu_count() or 1
        note = (f"server CPU {used / requests * 1000:.2f} ms/request "
                f"(all {cores} cores would answer {cores * max(phase.units, 1) / used:,.0f} "
                f"{'flags' if phase.units > requests else 'requests'}/s), "
                f"bench client CPU {time.process_time() - client_cpu:.1f} s "
                f"in {elapsed:.1f} s")
        return phase, elapsed, note


def single_line(label: str, phase: Phase, elapsed: float) -> str:
    return (f"{label}: {phase.units / elapsed:6.0f}/s  "
            f"p50 {percentile(phase.latencies, 0.5) * 1000:6.1f} ms  "
            f"p99 {percentile(phase.latencies, 0.99) * 1000:6.1f} ms  "
            f"({phase.units} accepted, {phase.errors} errors; target >= 500/s, p99 < 100 ms)")


def report(args: argparse.Namespace, port: int, seeded: Seed, server_pid: int) -> None:
    meter = Meter(port, server_pid)
    single = seeded.codecs["webbench"]
    used = [0]  # flags handed out so far: every request sends a new one

    def one_flag(n: int) -> tuple[str, str, bytes | None, int]:
        used[0] += 1
        body = json.dumps({"flags": list(flags_of(single, used[0], 1))}).encode()
        return "POST", "/api/v1/exercises/webbench/flags", body, 1

    def load(role: str, seconds: float, rate: float | None = None, limit: int = 200_000) -> Load:
        return Load(HOST, port, seeded.tokens[role], args.clients, seconds, limit, rate)

    meter.run(load("red", 2.0), one_flag, "warm-up")  # workers import, caches fill
    if args.only_mixed:
        mixed(args, meter, load, seeded)
        return
    phase, elapsed, note = meter.run(load("red", args.seconds), one_flag, "single flags")
    console.print(single_line("single flags (saturated)     ", phase, elapsed))
    console.print(f"  {note}")
    paced = load("red", args.seconds, rate=args.rate)
    phase, elapsed, note = meter.run(paced, one_flag, f"single flags at {args.rate:g}/s")
    console.print(single_line(f"single flags (sent {args.rate:5.0f}/s)", phase, elapsed))
    console.print(f"  {note}")

    batch_codec = seeded.codecs["webbatch"]

    def batch(n: int) -> tuple[str, str, bytes | None, int]:
        body = json.dumps({"flags": list(flags_of(batch_codec, n * BATCH, BATCH))}).encode()
        return "POST", "/api/v1/exercises/webbatch/flags", body, BATCH

    batches = Load(HOST, port, seeded.tokens["red"], args.batch_clients, args.seconds, 400)
    phase, elapsed, note = meter.run(batches, batch, "batches")
    console.print(f"batch submissions:       {phase.units / elapsed:8.0f} flags/s  "
                  f"p50 {percentile(phase.latencies, 0.5) * 1000:6.0f} ms a batch of {BATCH}  "
                  f"({phase.errors} errors; target >= 10,000 flags/s)")
    console.print(f"  {note}")

    def board(n: int) -> tuple[str, str, bytes | None, int]:
        return "GET", "/api/v1/exercises/webbench/scoreboard", None, 1

    # Saturated (each client asks again as soon as it is answered), then as
    # browsers poll it: each client every --poll seconds (open loop).
    for role, poll in (("blue", 0.0), ("white", 0.0), ("blue", args.poll)):
        rate = args.clients / poll if poll else None
        phase, elapsed, note = meter.run(load(role, args.seconds, rate, 100_000), board,
                                         f"scoreboard ({role})")
        how = f"every {poll:g} s" if poll else "saturated"
        console.print(f"scoreboard ({role:5}, {how:11}): {phase.units / elapsed:6.0f}/s  "
                      f"p50 {percentile(phase.latencies, 0.5) * 1000:6.1f} ms  "
                      f"p95 {percentile(phase.latencies, 0.95) * 1000:6.1f} ms  "
                      f"({phase.errors} errors; target p95 < 100 ms)")
        console.print(f"  {note}")
    mixed(args, meter, load, seeded)


def mixed(args: argparse.Namespace, meter: Meter, load: Callable[..., Load], seeded: Seed
          ) -> None:
    """The board while submissions flow: paced flags and polling readers at once."""
    codec, sent = seeded.codecs["webmixed"], [MIXED_FIRST + args.mixed_facts // 2]

    def flag(n: int) -> tuple[str, str, bytes | None, int]:
        sent[0] += 1
        body = json.dumps({"flags": list(flags_of(codec, sent[0], 1))}).encode()
        return "POST", "/api/v1/exercises/webmixed/flags", body, 1

    def board(n: int) -> tuple[str, str, bytes | None, int]:
        return "GET", "/api/v1/exercises/webmixed/scoreboard", None, 1

    # Each worker builds its live board once (the running tick's facts, read once);
    # what follows is what a read costs after new facts.
    warm = Load(HOST, meter.port, seeded.tokens["blue"], 4 * args.workers, 300.0,
                8 * args.workers)
    first, took = drive(warm, board, "first board reads", console)
    console.print(f"first board reads of the mixed exercise (each worker builds its live "
                  f"board): {took:.1f} s, worst {max(first.latencies, default=0) * 1000:.0f} ms")
    senders = Load(HOST, meter.port, seeded.tokens["red"], 4, args.seconds, 100_000,
                   args.mixed_rate)
    readers = load("blue", args.seconds, args.clients / args.poll, 100_000)
    cpu = server_cpu_seconds(meter.server_pid)
    (reads, elapsed), (flags, _) = drive_together(
        [(readers, board, "board while flags flow"), (senders, flag, "flags")], console)
    used = server_cpu_seconds(meter.server_pid) - cpu
    console.print(
        f"board while flags flow ({args.mixed_facts:,} facts stored, {args.mixed_rate:g} "
        f"flags/s sent, {args.clients} readers every {args.poll:g} s): "
        f"{reads.units / elapsed:6.0f} reads/s  p50 {percentile(reads.latencies, 0.5) * 1000:6.1f}"
        f" ms  p95 {percentile(reads.latencies, 0.95) * 1000:6.1f} ms  ({reads.errors} errors; "
        f"target p95 < 100 ms)")
    console.print(
        f"  flags meanwhile: {flags.units / elapsed:5.0f} accepted/s  "
        f"p99 {percentile(flags.latencies, 0.99) * 1000:6.1f} ms ({flags.errors} errors); "
        f"server CPU {used:.1f} s in {elapsed:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--batch-clients", type=int, default=4,
                        help="concurrent batch senders (each batch is 5,000 flags)")
    parser.add_argument("--seconds", type=float, default=10.0, help="time limit of each phase")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=16, help="threads per worker")
    parser.add_argument("--poll", type=float, default=0.5,
                        help="seconds between a polling client's scoreboard reads")
    parser.add_argument("--rate", type=float, default=500.0,
                        help="single flags per second sent on schedule in the paced phase")
    parser.add_argument("--mixed-facts", type=int, default=100_000,
                        help="facts stored before the mixed phase (board while flags flow)")
    parser.add_argument("--mixed-rate", type=float, default=100.0,
                        help="single flags per second arriving during the mixed phase")
    parser.add_argument("--only-mixed", action="store_true",
                        help="run the warm-up and the mixed phase only")
    args = parser.parse_args()
    console.print(f"{args.clients} clients on {HOST}, {args.workers} workers "
                  f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}), "
                  f"{args.seconds:.0f} s per phase")
    run(args)


if __name__ == "__main__":
    main()
