"""Inventory, site playbook and run files, from the bundled scenarios (no Docker)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import yaml

from range.config import Settings
from range.errors import ProvisionError
from range.planner import make_plan
from range.provision import flag_spots, prepare
from range.provision.runner import failure_message
from range.scenario.loader import load

ROOT = Path(__file__).resolve().parents[3]
DMZ = ROOT / "scenarios" / "dmz-breach" / "scenario.yaml"


@pytest.fixture
def unit_settings(tmp_path: Path) -> Settings:
    # A copy-free root whose scenarios/_library is the real one; inventories and
    # run files go to the data directory.
    root = tmp_path / "root"
    (root / "scenarios").mkdir(parents=True)
    (root / "scenarios" / "_library").symlink_to(ROOT / "scenarios" / "_library")
    return Settings(data_dir=tmp_path / "data", root=root)


def values_for(plan, loaded):  # type: ignore[no-untyped-def]
    return {
        (s.host, s.copy, s.index): f"FLAG{{{s.copy}-{s.slot}}}"
        for s in flag_spots(plan, loaded.scenario)
    }


def test_inventory_groups_and_host_vars(unit_settings: Settings) -> None:
    loaded = load(DMZ, ROOT)
    plan = make_plan(loaded.scenario, "dmz-unit")
    files, members = prepare(plan, loaded, unit_settings, values_for(plan, loaded))
    inventory = yaml.safe_load(files.inventory.read_text())["all"]
    assert inventory["vars"]["ansible_connection"] == "docker"  # Mitogen replaces this name
    web = inventory["hosts"]["dmz-unit-c1-web"]
    assert web["ansible_host"] == "dmz-unit-c1-web"
    assert (web["cr_host"], web["cr_copy"], web["cr_kind"]) == ("web", 1, "targets")
    assert web["cr_networks"] == {"dmz": "10.1.1.10"}
    assert web["cr_peers"]["db"] == "10.1.2.20"
    assert "sqli-login" in web["cr_vulnerability_ids"]
    assert web["weak_user_groups"] == ["shop"]  # from scenarios/dmz-breach/host_vars/web.yml
    db = inventory["hosts"]["dmz-unit-c2-db"]
    assert db["cr_flags"][0]["path"] == "/var/lib/postgresql/flag.txt"
    assert db["cr_flags"][0]["owner"] == "postgres"
    groups = inventory["children"]
    assert set(groups["copy_1"]["hosts"]) >= {"dmz-unit-c1-web", "dmz-unit-c1-db", "dmz-unit-c1-gw"}
    assert set(groups["routers"]["hosts"]) == {"dmz-unit-c1-gw", "dmz-unit-c2-gw"}
    assert set(groups["attackers"]["hosts"]) == {"dmz-unit-attacker"}
    assert set(groups["host_web"]["hosts"]) == {"dmz-unit-c1-web", "dmz-unit-c2-web"}
    assert "dmz-unit-c2-web" in groups["team_blue_2"]["hosts"]
    assert set(members) == {
        "dmz-unit-attacker",
        "dmz-unit-c1-web",
        "dmz-unit-c2-web",
        "dmz-unit-c1-db",
        "dmz-unit-c2-db",
    }


def test_flag_values_stay_in_a_private_file(unit_settings: Settings) -> None:
    loaded = load(DMZ, ROOT)
    plan = make_plan(loaded.scenario, "dmz-unit")
    values = values_for(plan, loaded)
    files, _ = prepare(plan, loaded, unit_settings, values)
    assert stat.S_IMODE(files.extravars.stat().st_mode) == 0o600
    assert stat.S_IMODE(files.private_dir.stat().st_mode) == 0o700
    planted = json.loads(files.extravars.read_text())["cr_objective_flags"]
    assert planted["dmz-unit-c2-db"] == {"0": values[("db", 2, 0)]}
    for value in values.values():
        assert value not in files.inventory.read_text()
        assert value not in files.playbook.read_text()


def test_playbook_plants_flags_after_roles_with_no_log(unit_settings: Settings) -> None:
    loaded = load(DMZ, ROOT)
    plan = make_plan(loaded.scenario, "dmz-unit")
    files, _ = prepare(plan, loaded, unit_settings, values_for(plan, loaded), hosts={("db", 1)})
    plays = yaml.safe_load(files.playbook.read_text())
    assert plays[0]["hosts"] == ["dmz-unit-c1-db"]
    plant = plays[-1]
    assert plant["hosts"] == ["dmz-unit-c1-db"]
    copy = plant["tasks"][-1]
    assert copy["no_log"] is True
    assert copy["ansible.builtin.copy"]["owner"] == "postgres"
    assert copy["ansible.builtin.copy"]["mode"] == "0600"


def test_flag_slots_are_unique_per_copy() -> None:
    loaded = load(ROOT / "tests" / "integration" / "provision" / "scenario" / "scenario.yaml", ROOT)
    plan = make_plan(loaded.scenario, "provtest-unit")
    spots = flag_spots(plan, loaded.scenario)
    assert len(spots) == 4
    assert len({(s.copy, s.slot) for s in spots}) == 4


def test_missing_flag_value_and_unknown_host_are_errors(unit_settings: Settings) -> None:
    loaded = load(DMZ, ROOT)
    plan = make_plan(loaded.scenario, "dmz-unit")
    values = values_for(plan, loaded)
    del values[("db", 1, 0)]
    with pytest.raises(ProvisionError, match="no flag value"):
        prepare(plan, loaded, unit_settings, values)
    with pytest.raises(ProvisionError, match="no host 'web' in copy 7"):
        prepare(plan, loaded, unit_settings, values_for(plan, loaded), hosts={("web", 7)})


def test_failure_message_uses_ansible_words() -> None:
    result = {"msg": "Error executing command.", "cmd": ["/bin/x", "-y"], "rc": 2}
    assert failure_message(result) == "Error executing command.; command '/bin/x -y' exited 2"
    looped = {"msg": "One or more items failed", "results": [{"failed": True, "msg": "boom"}]}
    assert failure_message(looped) == "One or more items failed; boom"
    assert failure_message({}) == "task failed (no message from Ansible)"


def test_hosts_on_other_engines_get_their_engine_options(unit_settings: Settings) -> None:
    loaded = load(DMZ, ROOT)
    plan = make_plan(loaded.scenario, "dmz-unit")
    where = {"dmz-unit-c2-web": ["--host", "tcp://10.9.0.3:2375"]}
    files, _ = prepare(plan, loaded, unit_settings, values_for(plan, loaded), engine_args=where)
    hosts = yaml.safe_load(files.inventory.read_text())["all"]["hosts"]
    assert hosts["dmz-unit-c2-web"]["ansible_docker_extra_args"] == "--host tcp://10.9.0.3:2375"
    assert "ansible_docker_extra_args" not in hosts["dmz-unit-c1-web"]  # the default engine
    # Mitogen's docker connection takes no engine options: the plain plugin does.
    assert hosts["dmz-unit-c2-web"]["ansible_connection"] == "community.docker.docker"
    assert "ansible_connection" not in hosts["dmz-unit-c1-web"]


def test_an_engine_option_with_a_space_is_refused(unit_settings: Settings) -> None:
    loaded = load(DMZ, ROOT)
    plan = make_plan(loaded.scenario, "dmz-unit")
    where = {"dmz-unit-c1-web": ["--config", "/my dir"]}
    with pytest.raises(ProvisionError, match="space"):
        prepare(plan, loaded, unit_settings, values_for(plan, loaded), engine_args=where)
