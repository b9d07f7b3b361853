"""Benchmark: how long `cyberrange --help` and `cyberrange validate` take, end to end.

Each command runs as a fresh process (interpreter start, imports, work), as a
user meets it. Prints the median and the best of N runs. Target: both under
0.5 s (issue 17); on a loaded machine the best run is the fairer figure.

    .venv/bin/python bench/cli_startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
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


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    executable = Path(sys.executable).parent / "cyberrange"
    baseline = [timed([sys.executable, "-c", "pass"]) for _ in range(args.runs)]
    print(f"python -c pass:                 median {statistics.median(baseline):.3f} s")
    for label, extra in COMMANDS.items():
        times = [timed([str(executable), *extra]) for _ in range(args.runs)]
        median, best = statistics.median(times), min(times)
        verdict = "ok" if median < TARGET_SECONDS else f"over {TARGET_SECONDS} s"
        print(f"cyberrange {label:<28} median {median:.3f} s  best {best:.3f} s  ({verdict})")


if __name__ == "__main__":
    main()
