"""Benchmark: how long a failed login takes for an unknown name and for a
wrong password (they must not differ: both cost one argon2 verification).

    .venv/bin/python bench/login_timing.py [--tries 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from range.config import Settings  # noqa: E402


def main() -> None:
    from cyberrange.tables import import_all_tables
    from range.db import open_engine
    from webui.accounts import authenticate, create_user

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=20)
    args = parser.parse_args()
    import_all_tables()
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="bench-login-")), root=ROOT)
    engine = open_engine(settings)
    create_user(engine, "alice", "a long enough passphrase", "white")
    authenticate(engine, "nobody", "warm up the dummy hash")
    for label, name in (("unknown user", "nobody"), ("wrong password", "alice")):
        times = []
        for _ in range(args.tries):
            began = time.perf_counter()
            assert authenticate(engine, name, "not the password") is None
            times.append((time.perf_counter() - began) * 1000)
        print(f"{label:15s} median {statistics.median(times):6.1f} ms  "
              f"p90 {sorted(times)[int(len(times) * 0.9) - 1]:6.1f} ms  ({args.tries} tries)")
    engine.dispose()


if __name__ == "__main__":
    main()
