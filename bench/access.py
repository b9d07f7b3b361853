"""Benchmark: 50 participants' VPN peers added to running WireGuard endpoints.

Opens the VPN of the bundled dmz-breach scenario (2 blue copies: endpoints
for red, blue-1 and blue-2; no containers are needed for the endpoints),
then times giving 50 participants their configs: each creates a key pair and
an address, stores them (0600) and adds the peer to its running endpoint
(``wg set``). Target: under 5 s. Everything is removed afterwards. Needs
root, wireguard-tools, and wireguard-go where the kernel has no WireGuard.

    .venv/bin/python bench/access.py [--participants 50]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from range.access.endpoint import peer_keys
from range.access.service import client_config, close_vpn, open_vpn
from range.config import Settings
from range.planner import make_plan
from range.scenario.loader import load

TARGET_SECONDS = 5.0
ROOT = Path(__file__).resolve().parent.parent
RANGE = "bench-access"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=50)
    args = parser.parse_args()
    plan = make_plan(load(ROOT / "scenarios" / "dmz-breach" / "scenario.yaml").scenario, RANGE)
    teams = [g.team for g in plan.access]
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(data_dir=Path(data), root=ROOT, vpn_base_port=52820, vpn_host="vpn")
        close_vpn(RANGE)  # leftovers of an interrupted run
        try:
            started = time.perf_counter()
            endpoints = open_vpn(settings, plan)
            opened = time.perf_counter() - started
            started = time.perf_counter()
            for number in range(args.participants):
                team = teams[number % len(teams)]
                client_config(settings, plan, f"participant{number:03}", team)
            added = time.perf_counter() - started
            live = sum(len(peer_keys(e.interface)) for e in endpoints)
        finally:
            close_vpn(RANGE)
    verdict = "ok" if added < TARGET_SECONDS else "SLOWER than target"
    print(f"endpoints opened: {len(endpoints)} in {opened:.2f} s")
    print(f"peers added: {args.participants} ({live} live on the endpoints) in {added:.2f} s "
          f"({added / args.participants * 1000:.1f} ms each; target < {TARGET_SECONDS:.0f} s: "
          f"{verdict})")  # fmt: skip


if __name__ == "__main__":
    main()
