"""Benchmark: plan a range of 50 copies x 20 hosts (1,000 containers).

Prints the time to load (YAML text → validated Scenario, through the loader),
to plan (which includes the copy-isolation check), and to compute full
reachability and the probe set. Target: load + plan under 2 s.

    .venv/bin/python bench/plan.py [--copies 50] [--hosts 20]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from range.planner import make_plan
from range.reach import probe_set, reachability
from range.scenario.loader import load_text

TARGET_SECONDS = 2.0


def scenario_text(copies: int, hosts: int) -> str:
    """A dmz/internal scenario: one router and ``hosts - 1`` servers per copy."""
    lines = [
        "schema: cyberrange/v1",
        "name: bench-plan",
        "title: Planner benchmark",
        "duration: 1h",
        "teams:",
        "  - {name: red, role: red}",
        f"  - {{name: blue, role: blue, copies: {copies}}}",
        "networks:",
        "  internet: {subnet: 198.51.100.0/24, scope: shared}",
        '  dmz: {subnet: "10.{copy}.1.0/24"}',
        '  internal: {subnet: "10.{copy}.2.0/24"}',
        "hosts:",
        "  attacker: {image: cyberrange/attacker, scope: shared, team: red,",
        "             networks: {internet: 198.51.100.250}}",
        "  gw:",
        "    image: cyberrange/router",
        "    router: true",
        "    networks: [internet, dmz, internal]",
        "    firewall:",
        "      allow:",
        "        - {from: internet, to: dmz, ports: [80/tcp, 443/tcp, 22/tcp]}",
        "        - {from: dmz, to: internal, ports: [5432/tcp, 3306/tcp]}",
    ]
    for index in range(1, hosts):
        network, port = ("dmz", 80) if index % 2 else ("internal", 5432)
        lines += [
            f"  srv{index}:",
            "    image: cyberrange/target",
            f"    networks: [{network}]",
            f"    services: [{{name: svc, port: {port}/tcp}}]",
        ]
    return "\n".join(lines) + "\n"


def timed(label: str, started: float) -> float:
    now = time.perf_counter()
    print(f"{label:<28} {now - started:7.3f} s")
    return now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=50)
    parser.add_argument("--hosts", type=int, default=20, help="hosts per copy, router included")
    args = parser.parse_args()
    text = scenario_text(args.copies, args.hosts)
    root = Path(__file__).resolve().parent.parent
    start = time.perf_counter()
    loaded = load_text(text, "bench.yaml", root, root)
    after_load = timed("load + validate", start)
    plan = make_plan(loaded.scenario)
    after_plan = timed("plan (+ isolation check)", after_load)
    total = after_plan - start
    print(f"{'containers':<28} {len(plan.containers):7d}")
    print(
        f"{'load + validate + plan':<28} {total:7.3f} s   (target < {TARGET_SECONDS} s: "
        f"{'OK' if total < TARGET_SECONDS else 'MISSED'})"
    )
    started = time.perf_counter()
    reaches = reachability(plan)
    timed(f"reachability ({len(reaches)} rows)", started)
    started = time.perf_counter()
    probes = probe_set(plan)
    timed(f"probe set ({len(probes)} probes)", started)


if __name__ == "__main__":
    main()
