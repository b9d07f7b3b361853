"""Verify benchmark: one exec per probe (the old way) against one exec per source (batched).

Brings up scenarios/dmz-breach with `--copies N` (default 10) on the real
Docker engine, unprovisioned (a service nobody started answers `closed`,
which proves the path as well as `open`), and runs the same probe set both
ways on the same range in the same run, alternating which goes first over
the rounds:

- `single`: the way `verify` ran before: one `docker exec python3 -c
  PROBE_CODE ...` per probe, 8 at a time, a mismatch once more alone;
- `batched`: `range.verify.verify_plan`: one exec per source container
  probing all its targets at once, a mismatch once more alone.

Prints the probe and source counts, each round's times, the medians and the
ratio, and whether both ways gave the same answers. The scenario is copied
to a temporary folder with its subnets moved (SUBNETS), so it never collides
with another range of the same scenario; the range is named
bverify<N>-<pid> and taken down at the end.

    .venv/bin/python bench/verify.py [--copies 10] [--rounds 2] [--exec-workers 16]
    .venv/bin/python bench/verify.py --copies 100 --batched-only

`--batched-only` skips the single way (it takes about 10 minutes per round at
40 copies), e.g. to try `--exec-workers` values or large copy counts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from moved_scenario import dmz_breach_moved  # noqa: E402

from cyberrange.tables import import_all_tables  # noqa: E402
from range import probe_batch, verify  # noqa: E402
from range.backends.base import Backend  # noqa: E402
from range.backends.docker import DockerBackend  # noqa: E402
from range.config import Settings  # noqa: E402
from range.db import open_engine  # noqa: E402
from range.errors import BackendError  # noqa: E402
from range.lifecycle import up  # noqa: E402
from range.plan import Plan  # noqa: E402
from range.reach import Probe, probe_set  # noqa: E402
from range.scenario.loader import LoadedScenario  # noqa: E402
from range.verify_host import engine_here, host_addresses, host_listener, host_probes  # noqa: E402

# Subnets no bundled scenario, test or other bench uses; 250 copies fit.
OCTETS = (208, 208, 209)  # 100.64.A, 10.B.{copy}, 10.C.{copy}
SINGLE_WORKERS = 8  # what verify ran with before batching
Run = Callable[[Backend, Plan, list[Probe]], list[verify.ProbeResult]]


def scenario_copy(folder: Path) -> LoadedScenario:
    return dmz_breach_moved(folder, OCTETS)


def single(backend: Backend, plan: Plan, probes: list[Probe]) -> list[verify.ProbeResult]:
    """The old `verify`: one exec per probe, SINGLE_WORKERS at once, a mismatch retried."""

    def one(probe: Probe) -> verify.ProbeResult:
        result = verify.run_probe(backend, plan.range, probe)
        if not result.ok:
            result = verify.run_probe(backend, plan.range, probe, verify.RETRY_TIMEOUT)
        return result

    with ThreadPoolExecutor(max_workers=SINGLE_WORKERS) as pool:
        return list(pool.map(one, probes))


def batched(backend: Backend, plan: Plan, probes: list[Probe]) -> list[verify.ProbeResult]:
    return verify.verify_plan(backend, plan, probes)


@contextmanager
def probes_of(plan: Plan) -> Iterator[list[Probe]]:
    """The probe set `verify` runs, with the host probes while their listener is up."""
    if not engine_here():
        yield probe_set(plan)
        return
    with host_listener() as port:
        yield probe_set(plan) + host_probes(plan, port, host_addresses())


def timed(run: Run, backend: Backend, plan: Plan, probes: list[Probe]) -> tuple[float, list[str]]:
    start = time.perf_counter()
    results = run(backend, plan, probes)
    seconds = time.perf_counter() - start
    bad = sum(1 for r in results if not r.ok)
    print(f"  {run.__name__:8} {seconds:7.1f}s  {bad} mismatch(es)", flush=True)
    return seconds, [r.actual for r in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--exec-workers", type=int, default=verify.EXEC_WORKERS)
    parser.add_argument("--batched-only", action="store_true", help="skip the single way")
    args = parser.parse_args()
    # A bench knob only: verify reads it on every run.
    verify.EXEC_WORKERS = args.exec_workers
    name = f"bverify{args.copies}-{os.getpid()}"
    backend = DockerBackend()
    with tempfile.TemporaryDirectory(prefix="bverify-") as tmp:
        work = Path(tmp)
        settings = Settings(data_dir=work / "data", root=ROOT)
        import_all_tables()
        engine = open_engine(settings)
        loaded = scenario_copy(work / "dmz-breach")
        start = time.perf_counter()
        try:
            plan = up(settings, engine, loaded, name, args.copies, backend=backend).plan
            print(f"{name}: up in {time.perf_counter() - start:.1f}s", flush=True)
            ways = (batched,) if args.batched_only else (single, batched)
            compare(backend, plan, args.rounds, args.exec_workers, ways)
        finally:
            engine.dispose()
            tear_down(backend, name)


def tear_down(backend: DockerBackend, name: str) -> None:
    """Remove the range's objects, a second time after a failure.

    By label, not `down`: an `up` that failed left no record for `down` to
    find. On a loaded engine a network can still report an endpoint of a
    container just removed; a later try usually gets it.
    """
    for attempt in (1, 2, 3):
        try:
            backend.destroy(name)
            return
        except BackendError as error:
            print(f"tear-down of {name}, try {attempt}: {error}", file=sys.stderr)
            time.sleep(10)
    print(f"objects labeled cyberrange.range={name} are left behind", file=sys.stderr)


def compare(
    backend: Backend, plan: Plan, rounds: int, exec_workers: int, ways: tuple[Run, ...]
) -> None:
    with probes_of(plan) as probes:
        sources = len({p.source for p in probes})
        print(
            f"{plan.copies} copies, {len(plan.containers)} containers: {len(probes)} probes "
            f"from {sources} sources; single: {SINGLE_WORKERS} execs at once, "
            f"batched: {exec_workers} execs at once, {probe_batch.WIDTH} connects per exec"
        )
        times: dict[str, list[float]] = {run.__name__: [] for run in ways}
        answers: dict[str, list[str]] = {}
        for round_ in range(rounds):
            print(f"round {round_ + 1}:")
            for run in ways if round_ % 2 == 0 else ways[::-1]:
                seconds, answers[run.__name__] = timed(run, backend, plan, probes)
                times[run.__name__].append(seconds)
    new = statistics.median(times["batched"])
    if "single" not in times:
        print(f"median: batched {new:.1f}s")
        return
    old = statistics.median(times["single"])
    differ = sum(1 for a, b in zip(answers["single"], answers["batched"], strict=True) if a != b)
    print(f"median: single {old:.1f}s, batched {new:.1f}s, ratio {old / new:.1f}x")
    print(f"answers that differ between the two ways (last round): {differ} of {len(probes)}")


if __name__ == "__main__":
    main()
