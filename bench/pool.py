"""Benchmark: a pool of sandboxes of hello-range — allocation from warm, and a reset.

Creates pool `bench-pool` with N sandboxes (default 10; not timed against a
target: it is the one-off cost), then times allocating every sandbox to a
trainee (target: all N in < 2 s from warm: a database update and one engine
status call each) and releasing one (its copy recreated from images and
configured again; target < 30 s). The pool is destroyed afterwards.

    .venv/bin/python bench/pool.py [--size 10]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from cyberrange.pools import create_pool, destroy_pool
from cyberrange.tables import import_all_tables
from range.backends import get_backend
from range.config import Settings
from range.db import open_engine
from scoring.sandboxes import allocate, release

ROOT = Path(__file__).resolve().parent.parent
POOL = "bench-pool"
ALLOCATE_TARGET, RESET_TARGET = 2.0, 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10)
    args = parser.parse_args()
    import_all_tables()
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(data_dir=Path(data), root=ROOT)
        engine = open_engine(settings)
        get_backend(settings).destroy(POOL)  # leftovers of an interrupted run
        scenario = ROOT / "scenarios" / "hello-range" / "scenario.yaml"
        try:
            started = time.perf_counter()
            create_pool(settings, engine, scenario, POOL, args.size)
            created = time.perf_counter() - started
            started = time.perf_counter()
            for index in range(args.size):
                allocate(settings, engine, POOL, f"trainee{index}", timedelta(hours=1))
            allocated = time.perf_counter() - started
            started = time.perf_counter()
            release(settings, engine, POOL, "trainee0")
            reset = time.perf_counter() - started
        finally:
            destroy_pool(settings, engine, POOL)
            engine.dispose()
    print(f"pool of {args.size} created (deploy + provision): {created:.1f} s")
    each = allocated / args.size * 1000
    print(f"{args.size} sandboxes allocated from warm: {allocated:.2f} s "
          f"({each:.0f} ms each; target < {ALLOCATE_TARGET:.0f} s)")  # fmt: skip
    print(f"one sandbox reset (recreate + configure): {reset:.1f} s "
          f"(target < {RESET_TARGET:.0f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
