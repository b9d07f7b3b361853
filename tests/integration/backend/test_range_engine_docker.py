"""The range engine on Docker, end to end: lifecycle, labels, isolation, repair."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from backend_support import Deployed, docker_json, labeled  # type: ignore[import-not-found]

from range.backends import get_backend
from range.lifecycle import reset, status, up, verify
from range.lock import range_lock
from range.plan import LABEL_COPY, LABEL_HOST, LABEL_PLAN_HASH, LABEL_RANGE
from range.reach import Probe
from range.scenario.loader import load
from range.state import RangeState, get_record
from range.verify import run_probe

pytestmark = pytest.mark.docker


def cli(settings_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "CYBERRANGE_DATA_DIR": str(settings_dir), **env}
    code = "from cyberrange.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=600,
    )


def test_every_host_runs_labeled_unprivileged_and_limited(firewalled: Deployed) -> None:
    plan = firewalled.plan
    found = status(firewalled.settings, firewalled.engine, plan.range)
    assert found.record.state == RangeState.UP
    assert {h.container: h.state for h in found.hosts} == {
        c.name: "running" for c in plan.containers
    }
    infos = docker_json("container", "inspect", *labeled("container", plan.range))
    for info in infos:
        labels = info["Config"]["Labels"]  # type: ignore[index]
        host = info["HostConfig"]  # type: ignore[index]
        container = plan.container(labels[LABEL_HOST], int(labels[LABEL_COPY]))
        assert labels[LABEL_RANGE] == plan.range and labels[LABEL_PLAN_HASH]
        assert host["Privileged"] is False
        added = [cap.removeprefix("CAP_") for cap in host["CapAdd"] or []]
        assert added == (["NET_ADMIN"] if container.router else [])
        assert host["Memory"] > 0 and host["PidsLimit"] == container.pids
        assert host["RestartPolicy"]["Name"] == "unless-stopped"
    for info in docker_json("network", "inspect", *labeled("network", plan.range)):
        assert info["Internal"] is True and info["Labels"][LABEL_RANGE] == plan.range  # type: ignore[index]


def test_verify_passes(firewalled: Deployed) -> None:
    results = verify(firewalled.settings, firewalled.engine, firewalled.plan.range)
    assert results and all(r.ok for r in results), [r for r in results if not r.ok]
    kinds = {r.kind for r in results}
    assert {"service", "copy", "other"} <= kinds
    assert any(r.expected == "allowed" for r in results)
    assert any(r.expected == "denied" for r in results)


def _probe(deployed: Deployed, source: str, target: str, port: int, allowed: bool) -> str:
    plan = deployed.plan
    host, _, copy = target.partition("@")
    dest = plan.container(host, int(copy))
    src_host, _, src_copy = source.partition("@")
    src = plan.container(src_host, int(src_copy))
    probe = Probe(src.name, dest.name, dest.interfaces[0].address, port, "tcp", allowed, "test")
    backend = get_backend(deployed.settings)
    return run_probe(backend, plan.range, probe).actual


def test_copy_one_cannot_reach_copy_two(firewalled: Deployed) -> None:
    assert _probe(firewalled, "web@1", "web@1", 22, True) in ("open", "closed")
    assert _probe(firewalled, "web@1", "web@2", 22, False) in ("filtered", "unreachable")
    assert _probe(firewalled, "db@2", "db@1", 2222, False) in ("filtered", "unreachable")


def test_firewall_denied_port_is_closed(firewalled: Deployed) -> None:
    assert _probe(firewalled, "attacker@0", "web@1", 22, True) in ("open", "closed")
    assert _probe(firewalled, "attacker@0", "web@1", 80, False) == "filtered"
    assert _probe(firewalled, "attacker@0", "db@1", 2222, False) == "filtered"
    assert _probe(firewalled, "web@1", "db@1", 2222, True) in ("open", "closed")


def test_reset_restores_a_changed_host(firewalled: Deployed) -> None:
    settings, engine, plan = firewalled.settings, firewalled.engine, firewalled.plan
    backend = get_backend(settings)
    web = plan.container("web", 1)
    assert backend.exec(plan.range, web.name, ["rm", "-f", "/usr/bin/tini"]).exit_code == 0
    backend.exec(plan.range, web.name, ["sh", "-c", "echo defaced > /root/index.html"])
    returned = reset(settings, engine, plan.range, "web", 1)
    assert returned == web  # the hook for re-provisioning gets the container's plan
    fresh = ["sh", "-c", "test -x /usr/bin/tini && ! test -e /root/index.html"]
    assert backend.exec(plan.range, web.name, fresh).exit_code == 0
    assert _probe(firewalled, "attacker@0", "web@1", 22, True) in ("open", "closed")


def test_up_again_repairs_stopped_and_removed_hosts(firewalled: Deployed) -> None:
    plan = firewalled.plan
    db, web = plan.container("db", 2), plan.container("web", 2)
    subprocess.run(["docker", "stop", "-t", "1", db.name], check=True, capture_output=True)
    subprocess.run(["docker", "rm", "-f", web.name], check=True, capture_output=True)
    result = up(firewalled.settings, firewalled.engine, load(firewalled.scenario), plan.range)
    assert result.report.replaced == (db.name,)
    assert result.report.created == (web.name,)
    assert len(result.report.unchanged) == len(plan.containers) - 2
    assert _probe(firewalled, "web@2", "db@2", 2222, True) in ("open", "closed")


def test_second_concurrent_up_is_refused(firewalled: Deployed) -> None:
    settings = firewalled.settings
    with range_lock(settings, firewalled.plan.range):
        refused = cli(settings.data_dir, "up", str(firewalled.scenario), "--name", "h4be-main")
    assert refused.returncode == 1
    assert f"range h4be-main is being changed by process {os.getpid()} since" in refused.stderr
    assert get_record(firewalled.engine, "h4be-main").state == RangeState.UP


def test_status_cli_tables_and_json(firewalled: Deployed) -> None:
    data_dir = firewalled.settings.data_dir
    shown = cli(data_dir, "status", "h4be-main", "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["state"] == "up" and len(data["hosts"]) == len(firewalled.plan.containers)
    web = next(h for h in data["hosts"] if h["host"] == "web" and h["copy"] == 1)
    assert web["addresses"] == {"h4be-main-c1-front": "10.41.1.10"}
    listed = cli(data_dir, "status")
    assert listed.returncode == 0 and "h4be-main" in listed.stdout
    checked = cli(data_dir, "verify", "h4be-main")
    assert checked.returncode == 0, checked.stdout[-2000:]


def test_status_cli_shows_drift_until_up_repairs_it(firewalled: Deployed) -> None:
    data_dir, plan = firewalled.settings.data_dir, firewalled.plan
    web = plan.container("web", 1)
    assert not any(
        h["drift"]
        for h in json.loads(cli(data_dir, "status", plan.range, "--json").stdout)["hosts"]
    )
    # A restart by hand: Docker gives the host its default route back and not the plan's routes.
    subprocess.run(["docker", "restart", "-t", "1", web.name], check=True, capture_output=True)
    shown = cli(data_dir, "status", plan.range)
    assert shown.returncode == 0, shown.stderr
    assert "running, drifted" in shown.stdout
    assert f"{web.name}: route default via" in shown.stdout and "not in the plan" in shown.stdout
    repaired = cli(data_dir, "up", str(firewalled.scenario), "--name", plan.range, "--no-provision")
    assert repaired.returncode == 0, repaired.stderr
    hosts = json.loads(cli(data_dir, "status", plan.range, "--json").stdout)["hosts"]
    assert all(h["drift"] == [] for h in hosts), hosts


def test_shell_opens_in_the_host(firewalled: Deployed) -> None:
    environment = {**os.environ, "CYBERRANGE_DATA_DIR": str(firewalled.settings.data_dir)}
    code = "from cyberrange.cli import main; main()"
    shell = subprocess.run(
        [sys.executable, "-c", code, "shell", "h4be-main", "db", "--copy", "2"],
        input="hostname\nip -4 -o addr show eth0\n",
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.splitlines()[0] == "db"
    assert "10.42.2.20/24" in shell.stdout
