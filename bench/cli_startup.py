"""Benchmark: how long `cyberrange --help` and `cyberrange validate` take, end to end.

Each command runs as a fresh process (interpreter start, imports, work), as a
user meets it. Prints the median and the best wall time of N runs, and the
median CPU time (user + system) the process used: on a loaded, shared machine
wall time mostly measures waiting, CPU time what the command costs. Target:
both under 0.5 s (issue 17).

    .venv/bin/python bench/cli_startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 0.5
SCENARIOS = sorted(str(p) for p in (ROOT / "scenarios").glob("*/scenario.yaml"))
COMMANDS = {
    "--help": ["--help"],
    "validate (bundled scenarios)": ["validate", *SCENARIOS],
    "plan --help": ["plan", "--help"],
}


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run."""
    cpu, started = cpu_of_children(), time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started, cpu_of_children() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    executable = Path(sys.executable).parent / "cyberrange"
    rows = {"python -c pass": [sys.executable, "-c", "pass"]}
    rows |= {f"cyberrange {label}": [str(executable), *extra] for label, extra in COMMANDS.items()}
    for label, argv in rows.items():
        runs = [timed(argv) for _ in range(args.runs)]
        wall = statistics.median(w for w, _ in runs)
        best = min(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        verdict = "cpu ok" if cpu < TARGET_SECONDS else f"cpu over {TARGET_SECONDS} s"
        print(f"{label:<40} wall median {wall:.3f} s  best {best:.3f} s  "
              f"cpu median {cpu:.3f} s  ({verdict})")


if __name__ == "__main__":
    main()
