"""Scale benchmark: dmz-breach with many copies, phase by phase, on the real engine.

For each size in `--copies` (default 10,20,40) it brings a fresh range up with
the Docker backend (`range.lifecycle.up`), provisions it with real Ansible
(`range.provision.provision`, objective flags signed by the exercise's codec,
as `cyberrange up` does), runs `verify` and takes it down, and prints each
phase's time and peak memory:

- `tree MiB`: summed RSS of this process and its descendants (Ansible, docker CLI);
- `ctr rss` / `ctr use`: summed cgroup memory of the range's containers
  (anonymous memory / including page cache). The daemon is in neither;
- `cpu tree` / `cpu ctr`: CPU seconds of the process tree and of the range's
  containers during the phase (less disturbed by a loaded machine than wall
  time; meaningless for the containers in `down`).

The scenario is scenarios/dmz-breach copied to a temporary folder with its
subnets moved (see SUBNETS), so the bench never collides with another range of
the same scenario on a shared engine. Ranges are named scale<N>-<pid>.

    .venv/bin/python bench/scale.py [--copies 10,20,40] [--keep]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from memsample import CpuMeter, MemorySampler, Peaks  # noqa: E402
from moved_scenario import dmz_breach_moved  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from cyberrange.tables import import_all_tables  # noqa: E402
from range import lifecycle  # noqa: E402
from range.backends.docker import DockerBackend  # noqa: E402
from range.config import Settings  # noqa: E402
from range.db import open_engine  # noqa: E402
from range.errors import ProvisionError  # noqa: E402
from range.provision import provision  # noqa: E402
from range.scenario.loader import LoadedScenario  # noqa: E402
from scoring.exercise import create_exercise  # noqa: E402
from scoring.planted import objective_flags  # noqa: E402

# Subnets no bundled scenario or test uses: 100 copies fit (10.201.1-100.0/24).
OCTETS = (201, 201, 202)  # 100.64.A, 10.B.{copy}, 10.C.{copy}
PHASES = ("up", "provision", "verify", "down")
T = TypeVar("T")


@dataclass
class Phase:
    seconds: float
    peaks: Peaks
    cpu: tuple[float, float]  # CPU seconds: process tree, containers
    note: str = ""


def scenario_copy(folder: Path) -> LoadedScenario:
    return dmz_breach_moved(folder, OCTETS)


def timed(sampler: MemorySampler, action: Callable[[], T]) -> tuple[T, Phase]:
    sampler.phase()  # forget the peaks of whatever ran before
    meter = CpuMeter(sampler.range_name).start()
    started = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - started
    return result, Phase(elapsed, sampler.phase(), meter.stop())


def one_size(
    settings: Settings, engine: Engine, loaded: LoadedScenario, copies: int, keep: bool
) -> dict[str, Phase]:
    name = f"scale{copies}-{os.getpid()}"
    backend = DockerBackend()
    sampler = MemorySampler(name).start()
    phases: dict[str, Phase] = {}
    try:
        result, phases["up"] = timed(
            sampler, lambda: lifecycle.up(settings, engine, loaded, name, copies, backend=backend)
        )
        plan = result.plan
        phases["up"].note = f"{len(plan.containers)} containers"
        exercise = create_exercise(engine, name, name, loaded.scenario, str(loaded.path), copies)
        flags = objective_flags(exercise, plan, loaded.scenario)
        where = backend.engine_args(name)
        try:
            report, phases["provision"] = timed(
                sampler, lambda: provision(plan, loaded, settings, flags, engine_args=where)
            )
            phases["provision"].note = f"{len(report.hosts)} hosts, {report.total_changed} changes"
        except ProvisionError as exc:  # a figure too: print it, go on with the next size
            print(f"\n{copies} copies: provisioning FAILED: {exc}", flush=True)
        else:
            probes, phases["verify"] = timed(
                sampler, lambda: lifecycle.verify(settings, engine, name, backend=backend)
            )
            wrong = sum(1 for p in probes if not p.ok)
            phases["verify"].note = f"{len(probes)} probes, {wrong} unexpected"
        if not keep:
            removed, phases["down"] = timed(
                sampler, lambda: lifecycle.down(settings, engine, name, backend=backend)
            )
            phases["down"].note = f"{removed} objects"
    finally:
        sampler.stop()
        if not keep:
            backend.destroy(name)  # also after a failure: the engine is shared
            (settings.inventories_dir / f"{name}.yml").unlink(missing_ok=True)
    return phases


def mib(size: int) -> str:
    return f"{size / 2**20:7.0f}"


def print_size(copies: int, phases: dict[str, Phase]) -> None:
    print(f"\n{copies} copies")
    print(
        f"  {'phase':10} {'seconds':>8} {'cpu tree':>9} {'cpu ctr':>8}"
        f" {'tree MiB':>9} {'ctr rss':>8} {'ctr use':>8}  note"
    )
    for key in PHASES:
        if key in phases:
            p = phases[key]
            print(
                f"  {key:10} {p.seconds:8.1f} {p.cpu[0]:9.1f} {p.cpu[1]:8.1f}"
                f" {mib(p.peaks.tree):>9} {mib(p.peaks.container_rss):>8}"
                f" {mib(p.peaks.container_usage):>8}  {p.note}"
            )
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", default="10,20,40", help="sizes, comma separated")
    parser.add_argument("--keep", action="store_true", help="leave the ranges up")
    args = parser.parse_args()
    sizes = [int(part) for part in args.copies.split(",") if part.strip()]
    print(f"dmz-breach, {os.cpu_count()} cpus, {time.strftime('%Y-%m-%d %H:%M')}")
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        work = Path(tmp)
        settings = Settings(data_dir=work / "data", root=ROOT)
        import_all_tables()
        engine = open_engine(settings)
        loaded = scenario_copy(work / "dmz-breach")
        summary = {}
        for copies in sizes:
            summary[copies] = one_size(settings, engine, loaded, copies, args.keep)
            print_size(copies, summary[copies])
    print(f"\n{'copies':>6} " + " ".join(f"{k:>10}" for k in PHASES) + "   (seconds)")
    for copies, phases in summary.items():
        cells = " ".join(f"{phases[k].seconds:10.1f}" if k in phases else " " * 10 for k in PHASES)
        print(f"{copies:6} {cells}")


if __name__ == "__main__":
    main()
