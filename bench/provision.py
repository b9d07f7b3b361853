"""Provisioning speed: ansible-runner (our provisioner) against plain ansible-playbook.

Brings up N fresh hosts (default 6, one per copy of a small scenario using the
role library), provisions them through `range.provision.provision`, recreates
them fresh, and runs `ansible-playbook` directly on the same inventory,
playbook, config and extra vars. Prints both times and the ratio of each
round and the medians (target: within 1.1x). Repeats `--rounds` times,
alternating which goes first.

    .venv/bin/python bench/provision.py [--hosts 6] [--rounds 1] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from range.backends.docker import DockerBackend  # noqa: E402
from range.config import Settings  # noqa: E402
from range.plan import Plan  # noqa: E402
from range.planner import make_plan  # noqa: E402
from range.provision import flag_spots, prepare, provision  # noqa: E402
from range.scenario.loader import LoadedScenario, load  # noqa: E402

RANGE = "provtest-bench"
SCENARIO = """\
schema: cyberrange/v1
name: provbench
title: Provisioning benchmark
duration: 10m
teams:
  - {name: red, role: red}
  - {name: blue, role: blue, copies: 1}
networks:
  lan: {subnet: "10.5{copy}.2.0/24"}
hosts:
  box:
    image: cyberrange/target
    networks: {lan: "10.5{copy}.2.10"}
    provision: [roles/weak-user, roles/sshd, roles/sudo-rule, roles/planted-files,
                roles/victim-activity]
    flags:
      - {path: /root/flag.txt}
      - {path: /home/operator/vault/flag.txt, owner: operator, mode: "0400"}
"""
HOST_VARS = """\
sudo_rules: [{user: operator, commands: [/usr/bin/find]}]
planted_files:
  - {path: /etc/backup/db.conf, content: "user=backup\\n", owner: root, group: operator,
     mode: "0640"}
victim_user: operator
"""


def fresh_hosts(backend: DockerBackend, plan: Plan) -> None:
    """Every host new from its image (networks stay)."""
    for container in plan.containers:
        backend.recreate(plan, container)


def scenario(folder: Path, hosts: int) -> tuple[LoadedScenario, Plan]:
    (folder / "host_vars").mkdir(parents=True)
    (folder / "scenario.yaml").write_text(SCENARIO)
    (folder / "host_vars" / "box.yml").write_text(HOST_VARS)
    loaded = load(folder / "scenario.yaml", ROOT)
    return loaded, make_plan(loaded.scenario, RANGE, copies=hosts)


def flag_values(plan: Plan, loaded: LoadedScenario) -> dict[tuple[str, int, int], str]:
    # Any distinct text will do here; real ranges use scoring.flags.FlagCodec.
    return {
        (s.host, s.copy, s.index): f"FLAG{{bench-{s.copy}-{s.slot}}}"
        for s in flag_spots(plan, loaded.scenario)
    }


def time_runner(
    backend: DockerBackend, plan: Plan, loaded: LoadedScenario, settings: Settings
) -> float:
    fresh_hosts(backend, plan)
    started = time.perf_counter()
    report = provision(plan, loaded, settings, flag_values(plan, loaded))
    elapsed = time.perf_counter() - started
    print(f"  ansible-runner:   {elapsed:7.2f} s  ({report.total_changed} changes)")
    return elapsed


def time_playbook(
    backend: DockerBackend, plan: Plan, loaded: LoadedScenario, settings: Settings
) -> float:
    fresh_hosts(backend, plan)
    files, _ = prepare(plan, loaded, settings, flag_values(plan, loaded))
    env = {**os.environ, **files.environment()}
    started = time.perf_counter()
    result = subprocess.run(files.playbook_argv(), env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"ansible-playbook failed:\n{result.stdout[-2000:]}")
    print(f"  ansible-playbook: {elapsed:7.2f} s")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=6, help="hosts to provision (1-9)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="leave the containers running")
    args = parser.parse_args()
    if not 1 <= args.hosts <= 9:
        raise SystemExit("--hosts must be 1..9 (subnets 10.51-10.59)")
    work = Path(tempfile.mkdtemp(prefix="provbench-"))
    settings = Settings(data_dir=work / "data", root=ROOT)
    loaded, plan = scenario(work / "scenario", args.hosts)
    backend = DockerBackend()
    backend.destroy(RANGE)
    backend.apply(plan)
    runner_times, playbook_times = [], []
    try:
        for round_number in range(args.rounds):
            print(f"round {round_number + 1}: {args.hosts} fresh hosts")
            if round_number % 2 == 0:
                runner_times.append(time_runner(backend, plan, loaded, settings))
                playbook_times.append(time_playbook(backend, plan, loaded, settings))
            else:
                playbook_times.append(time_playbook(backend, plan, loaded, settings))
                runner_times.append(time_runner(backend, plan, loaded, settings))
            print(f"  ratio:            {runner_times[-1] / playbook_times[-1]:7.3f}x")
    finally:
        if not args.keep:
            backend.destroy(RANGE)
            settings.inventories_dir.joinpath(f"{RANGE}.yml").unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    runner, playbook = statistics.median(runner_times), statistics.median(playbook_times)
    print(f"hosts: {args.hosts}  rounds: {args.rounds}")
    print(f"ansible-runner (provision): {runner:.2f} s")
    print(f"ansible-playbook (direct):  {playbook:.2f} s")
    print(f"ratio: {runner / playbook:.3f}x (target <= 1.1x)")


if __name__ == "__main__":
    main()
