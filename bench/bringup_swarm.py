"""Bring-up benchmark, swarm mode: the same plan on the Docker backend and on the Swarm backend.

The scenario of bench/bringup.py (4 hosts behind a router per copy, plus the
planner's checker), in this bench's own addresses (10.206.COPY.0/24 and
10.207.COPY.0/24), brought up and down with the plain parallel docker script
(baseline), the Docker backend and the Swarm backend (single-node swarm on
this engine: `swarm init` when the engine is in no swarm, `swarm leave
--force` afterwards). Prints medians and the ratios swarm/docker and
swarm/baseline.

    .venv/bin/python bench/bringup_swarm.py [--copies 5] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bringup import SCENARIO, spec_lines  # type: ignore[import-not-found]

from cyberrange.tables import import_all_tables
from range.backends.base import Backend
from range.backends.docker import DockerBackend
from range.backends.swarm import SwarmBackend
from range.config import Settings
from range.db import open_engine
from range.lifecycle import down, up
from range.planner import make_plan
from range.scenario.loader import load

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NAME = "h11bench"
BASELINE_LABEL = "h11bench-baseline"


def docker(*args: str) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=True).stdout


@contextmanager
def swarm() -> Iterator[None]:
    state = json.loads(docker("info", "--format", "{{json .Swarm}}")).get("LocalNodeState")
    if state == "active":
        yield
        return
    docker(
        "swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", "127.0.0.1:2377",
        "--default-addr-pool", "10.99.0.0/16", "--default-addr-pool-mask-length", "24",
    )  # fmt: skip
    try:
        yield
    finally:
        docker("swarm", "leave", "--force")


def baseline(action: str, spec: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        ["bash", str(HERE / "baseline_bringup.sh"), action, str(spec)],
        check=True,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "BASELINE_LABEL": BASELINE_LABEL},
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bringup-swarm-") as tmp, swarm():
        work = Path(tmp)
        settings = Settings(data_dir=work / "data", root=ROOT)
        import_all_tables()
        engine = open_engine(settings)
        scenario = work / "scenario.yaml"
        # Its own /16s (10.206, 10.207), so it never meets bench/bringup.py's ranges.
        scenario.write_text(SCENARIO.replace("10.204.", "10.206.").replace("10.205.", "10.207."))
        loaded = load(scenario)
        plan = make_plan(loaded.scenario, range_name=NAME, copies=args.copies)
        spec = work / "spec.txt"
        spec.write_text("\n".join(spec_lines(plan)) + "\n")
        backends: dict[str, Backend] = {"docker": DockerBackend(), "swarm": SwarmBackend()}
        for backend in backends.values():
            backend.destroy(NAME)
        baseline("down", spec)
        print(
            f"{args.copies} copies: {len(plan.networks)} networks, "
            f"{len(plan.containers)} containers; {args.rounds} round(s)"
        )
        times: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            times.setdefault("baseline up", []).append(baseline("up", spec))
            times.setdefault("baseline down", []).append(baseline("down", spec))
            for label, backend in backends.items():
                start = time.perf_counter()
                up(settings, engine, loaded, NAME, args.copies, backend=backend)
                times.setdefault(f"{label} up", []).append(time.perf_counter() - start)
                start = time.perf_counter()
                down(settings, engine, NAME, backend=backend)
                times.setdefault(f"{label} down", []).append(time.perf_counter() - start)
        report(times)


def report(times: dict[str, list[float]]) -> None:
    median = {key: statistics.median(values) for key, values in times.items()}
    head = ("baseline", "docker", "swarm", "swarm/docker", "swarm/base")
    print(f"{'':6} {head[0]:>10} {head[1]:>9} {head[2]:>9} {head[3]:>13} {head[4]:>11}")
    for phase in ("up", "down"):
        base, dock, swarm_s = (median[f"{k} {phase}"] for k in ("baseline", "docker", "swarm"))
        print(
            f"{phase:6} {base:9.2f}s {dock:8.2f}s {swarm_s:8.2f}s "
            f"{swarm_s / dock:12.2f}x {swarm_s / base:10.2f}x"
        )
    print("(medians; single-node swarm on this engine)")


if __name__ == "__main__":
    main()
