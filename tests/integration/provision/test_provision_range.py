"""A two-copy range provisioned by real Ansible: flags, idempotency, reset."""

from __future__ import annotations

from pathlib import Path

import pytest
from provtools import SCENARIO, Ranges

from range.config import Settings
from range.plan import Plan
from range.planner import make_plan
from range.provision import ProvisionReport, flag_spots, provision
from range.scenario.loader import LoadedScenario, load
from scoring.flags import FlagCodec, FlagKind

pytestmark = [pytest.mark.docker, pytest.mark.ansible, pytest.mark.slow]

EXERCISE = 41
SECRET = b"provisioning-test-secret-0123456789"


def flag_values(
    plan: Plan, loaded: LoadedScenario, codec: FlagCodec
) -> dict[tuple[str, int, int], str]:
    return {
        (spot.host, spot.copy, spot.index): codec.objective_flag(spot.copy, spot.slot)
        for spot in flag_spots(plan, loaded.scenario)
    }


@pytest.fixture(scope="module")
def settings_module(tmp_path_factory: pytest.TempPathFactory, root: Path) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("provdata"), root=root)


@pytest.fixture(scope="module")
def provisioned(docker_engine: None, settings_module: Settings):  # type: ignore[no-untyped-def]
    """The range, up and provisioned once; yields what the tests inspect."""
    loaded = load(SCENARIO)
    plan = make_plan(loaded.scenario, "provtest-flags")
    ranges = Ranges()
    ranges.up(plan)
    codec = FlagCodec(SECRET, EXERCISE)
    seen: list[tuple[str, str]] = []
    report = provision(
        plan,
        loaded,
        settings_module,
        flag_values(plan, loaded, codec),
        progress=lambda host, task: seen.append((host, task)),
    )
    yield plan, loaded, codec, report, seen, ranges
    ranges.close()


def test_each_copy_gets_its_own_signed_flags_with_owner_and_mode(provisioned) -> None:  # type: ignore[no-untyped-def]
    plan, loaded, codec, report, _, ranges = provisioned
    assert set(report.hosts) == {"provtest-flags-c1-box", "provtest-flags-c2-box"}
    texts: dict[tuple[int, str], str] = {}
    for spot in flag_spots(plan, loaded.scenario):
        container = plan.container(spot.host, spot.copy).name
        flag = loaded.scenario.hosts[spot.host].flags[spot.index]
        owner, group, mode = ranges.exec(container, "stat", "-c", "%U %G %a", spot.path).split()
        assert (owner, group) == (flag.owner, flag.group or flag.owner)
        assert int(mode, 8) == int(flag.mode, 8)
        text = ranges.exec(container, "cat", spot.path).strip()
        claims = codec.decode(text)
        assert (claims.kind, claims.copy, claims.slot) == (FlagKind.OBJECTIVE, spot.copy, spot.slot)
        texts[(spot.copy, spot.path)] = text
    for path in ("/root/flag.txt", "/home/operator/vault/flag.txt"):
        assert texts[(1, path)] != texts[(2, path)]
    assert texts[(1, "/root/flag.txt")] != texts[(1, "/home/operator/vault/flag.txt")]


def test_roles_configured_the_hosts(provisioned) -> None:  # type: ignore[no-untyped-def]
    plan, _, _, report, seen, ranges = provisioned
    assert report.total_changed > 0
    container = plan.container("box", 1).name
    assert "operator" in ranges.exec(container, "id", "operator")
    sudo = ranges.exec(container, "cat", "/etc/sudoers.d/cr-operator")
    assert "NOPASSWD: /usr/bin/find" in sudo
    assert ranges.exec(container, "stat", "-c", "%U %G %a", "/etc/backup/db.conf").split() == [
        "root",
        "operator",
        "640",
    ]
    assert "running" in ranges.exec(container, "cr-service", "status", "sshd")
    assert "running" in ranges.exec(container, "cr-service", "status", "cron")
    assert (container, "Plant objective flag /root/flag.txt") in seen
    assert report.log is not None and "Plant objective flag" in report.log.read_text()
    assert report.inventory is not None and report.inventory.is_file()


def test_secrets_stay_out_of_inventory_and_log(provisioned) -> None:  # type: ignore[no-untyped-def]
    plan, loaded, codec, report, _, _ = provisioned
    inventory = report.inventory.read_text()
    log = report.log.read_text()
    for value in flag_values(plan, loaded, codec).values():
        assert value not in inventory
        assert value not in log


def test_second_run_changes_nothing(provisioned, settings_module: Settings) -> None:  # type: ignore[no-untyped-def]
    plan, loaded, codec, _, _, _ = provisioned
    again: ProvisionReport = provision(
        plan, loaded, settings_module, flag_values(plan, loaded, codec)
    )
    assert again.total_changed == 0, again.changed
    assert set(again.hosts) == {"provtest-flags-c1-box", "provtest-flags-c2-box"}


def test_reset_reprovisions_only_the_recreated_host(provisioned, settings_module: Settings) -> None:  # type: ignore[no-untyped-def]
    plan, loaded, codec, _, _, ranges = provisioned
    container = plan.container("box", 2)
    ranges.recreate(plan, container)
    report = provision(
        plan, loaded, settings_module, flag_values(plan, loaded, codec), hosts={("box", 2)}
    )
    assert report.hosts == (container.name,)
    assert report.changed.get(container.name, 0) > 0
    text = ranges.exec(container.name, "cat", "/root/flag.txt").strip()
    assert codec.decode(text).copy == 2
