"""Bring-up benchmark: `cyberrange up`/`down` against a plain parallel docker script.

Brings up 5 copies of a 4-host scenario (plus the planner's checker per copy)
with the range engine, and the same networks and containers with
bench/baseline_bringup.sh (docker network create / create+connect+start, all
in parallel with & and wait). Prints both times and the ratio for up and down.
The engine does more than the baseline (routes, router firewalls, labels
compared by plan hash, state in the database); the target is within 1.25x.

    .venv/bin/python bench/bringup.py [--copies 5] [--rounds 2] [--workers 8]
    .venv/bin/python bench/bringup.py --swarm [--copies 5] [--rounds 2]

`--swarm` runs bench/bringup_swarm.py: the same plan on the Docker and the
Swarm backend, with the swarm/docker ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cyberrange.tables import import_all_tables
from range.backends.docker import DockerBackend
from range.backends.docker_parallel import DEFAULT_WORKERS
from range.config import Settings
from range.db import open_engine
from range.lifecycle import down, up
from range.plan import Plan
from range.planner import make_plan
from range.scenario.loader import load

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NAME = "h4bench"
BASELINE_LABEL = "h4bench-baseline"

# The copy number is the third octet of a /16 per network (10.204 front,
# 10.205 back; used by nothing else), so any copy count the planner allows
# (1..250) gives valid, non-overlapping subnets. ("10.4{copy}.20.0/24" broke
# at copy 10: 10.410.20.0.)
SCENARIO = """\
schema: cyberrange/v1
name: bringup-bench
title: Four hosts per copy behind a router
duration: 10m
teams:
  - {name: red, role: red}
  - {name: blue, role: blue, copies: 5}
networks:
  front: {subnet: "10.204.{copy}.0/24"}
  back:  {subnet: "10.205.{copy}.0/24"}
hosts:
  gw:
    image: cyberrange/router
    router: true
    networks: [front, back]
    firewall:
      default: drop
      allow:
        - {from: front, to: back, ports: [5432/tcp]}
  web:
    image: cyberrange/target
    networks: {front: "10.204.{copy}.10"}
  ws:
    image: cyberrange/base
    networks: {front: "10.204.{copy}.11"}
  db:
    image: cyberrange/base
    networks: {back: "10.205.{copy}.20"}
"""


def spec_lines(plan: Plan) -> list[str]:
    """The plan's networks and containers in the baseline script's format."""
    lines = [f"network {n.name} {n.subnet} {n.gateway}" for n in plan.networks]
    for c in plan.containers:
        caps = ",".join(c.capabilities) or "-"
        sysctl = ",".join(f"{k}={v}" for k, v in c.sysctls.items()) or "-"
        nets = " ".join(f"{i.network}={i.address}" for i in c.interfaces)
        lines.append(
            f"container {c.name} {c.image} {c.hostname} {caps} {sysctl} "
            f"{c.memory} {c.cpus} {c.pids} {nets}"
        )
    return lines


def baseline(action: str, spec: Path, *, quiet: bool = False) -> float:
    """Run the baseline script; ``quiet`` hides its complaints (a clean-up of nothing)."""
    start = time.perf_counter()
    subprocess.run(
        ["bash", str(HERE / "baseline_bringup.sh"), action, str(spec)],
        check=True,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "BASELINE_LABEL": BASELINE_LABEL},
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.DEVNULL if quiet else None,
    )
    return time.perf_counter() - start


def count_labeled(label: str) -> int:
    out = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=cyberrange.range={label}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return len(out.split())


def main() -> None:
    if "--swarm" in sys.argv[1:]:
        import bringup_swarm  # type: ignore[import-not-found]

        sys.argv.remove("--swarm")
        bringup_swarm.main()
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="engine parallelism")
    parser.add_argument("--swarm", action="store_true", help="Docker vs Swarm backend instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bringup-") as tmp:
        work = Path(tmp)
        settings = Settings(data_dir=work / "data", root=ROOT)
        import_all_tables()
        engine = open_engine(settings)
        scenario = work / "scenario.yaml"
        scenario.write_text(SCENARIO)
        loaded = load(scenario)
        plan = make_plan(loaded.scenario, range_name=NAME, copies=args.copies)
        spec = work / "spec.txt"
        spec.write_text("\n".join(spec_lines(plan)) + "\n")
        backend = DockerBackend(workers=args.workers)
        backend.destroy(NAME)
        baseline("down", spec, quiet=True)  # leftovers of an interrupted run, if any
        print(
            f"{args.copies} copies: {len(plan.networks)} networks, "
            f"{len(plan.containers)} containers; {args.rounds} round(s), {args.workers} workers"
        )
        times: dict[str, list[float]] = {k: [] for k in ("b_up", "b_down", "e_up", "e_down")}
        for _ in range(args.rounds):
            times["b_up"].append(baseline("up", spec))
            assert count_labeled(BASELINE_LABEL) == len(plan.containers), "baseline failed"
            times["b_down"].append(baseline("down", spec))
            start = time.perf_counter()
            up(settings, engine, loaded, NAME, args.copies, backend=backend)
            times["e_up"].append(time.perf_counter() - start)
            start = time.perf_counter()
            down(settings, engine, NAME, backend=backend)
            times["e_down"].append(time.perf_counter() - start)
        report(times)


def report(times: dict[str, list[float]]) -> None:
    median = {key: statistics.median(values) for key, values in times.items()}
    print(f"{'':6} {'baseline':>10} {'cyberrange':>11} {'ratio':>7}")
    for phase in ("up", "down"):
        base, ours = median[f"b_{phase}"], median[f"e_{phase}"]
        print(f"{phase:6} {base:9.2f}s {ours:10.2f}s {ours / base:6.2f}x")
    print("(medians; target: ratio within 1.25x)")


if __name__ == "__main__":
    main()
