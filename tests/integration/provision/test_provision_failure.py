"""A failing role stops provisioning with host and task; fixed, the next run finishes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from provtools import SCENARIO, Ranges

from range.config import Settings
from range.errors import ProvisionError
from range.planner import make_plan
from range.provision import flag_spots, provision
from range.scenario.loader import load
from scoring.flags import FlagCodec

pytestmark = [pytest.mark.docker, pytest.mark.ansible, pytest.mark.slow]

BROKEN = """\
- name: Write the motd
  ansible.builtin.copy:
    dest: /etc/motd
    content: "Welcome\\n"
    mode: "0644"

- name: Enable the backup job
  ansible.builtin.command:
    argv: [/usr/local/bin/enable-backup, --now]
  changed_when: true
"""

FIXED = """\
- name: Write the motd
  ansible.builtin.copy:
    dest: /etc/motd
    content: "Welcome\\n"
    mode: "0644"

- name: Enable the backup job
  ansible.builtin.copy:
    dest: /etc/backup-enabled
    content: "yes\\n"
    mode: "0644"
"""


def scenario_with_role(folder: Path, tasks: str) -> Path:
    """A copy of the test scenario whose box also runs roles/backup first."""
    shutil.copytree(SCENARIO.parent, folder)
    role = folder / "roles" / "backup" / "tasks"
    role.mkdir(parents=True)
    (role / "main.yml").write_text(tasks)
    path = folder / "scenario.yaml"
    text = path.read_text().replace("    provision:\n", "    provision:\n      - roles/backup\n", 1)
    path.write_text(text)
    return path


def test_failed_task_names_host_and_task_then_a_rerun_finishes(
    ranges: Ranges, tmp_path: Path, settings: Settings
) -> None:
    path = scenario_with_role(tmp_path / "scenario", BROKEN)
    loaded = load(path)
    plan = make_plan(loaded.scenario, "provtest-fail", copies=1)
    ranges.up(plan)
    codec = FlagCodec(b"failure-test-secret-0123456789", 5)
    values = {
        (s.host, s.copy, s.index): codec.objective_flag(s.copy, s.slot)
        for s in flag_spots(plan, loaded.scenario)
    }
    box = plan.container("box", 1).name

    with pytest.raises(ProvisionError) as caught:
        provision(plan, loaded, settings, values)
    assert caught.value.host == box
    assert caught.value.task.endswith("Enable the backup job")
    assert "enable-backup" in caught.value.detail
    assert "Welcome" in ranges.exec(box, "cat", "/etc/motd")  # left as it was
    assert "provisioning failed on" in str(caught.value)

    (tmp_path / "scenario" / "roles" / "backup" / "tasks" / "main.yml").write_text(FIXED)
    report = provision(plan, load(path), settings, values)
    assert report.hosts == (box,)
    assert ranges.exec(box, "cat", "/etc/backup-enabled").strip() == "yes"
    assert codec.decode(ranges.exec(box, "cat", "/root/flag.txt").strip()).copy == 1
