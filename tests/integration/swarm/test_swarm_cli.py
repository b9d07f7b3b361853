"""Range commands with `--backend swarm` on this engine's one-node swarm, Ansible included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from range.backends.swarm import SwarmBackend

pytestmark = [pytest.mark.docker, pytest.mark.ansible]

ROOT = Path(__file__).resolve().parents[3]
NAME = "h11sw-hello"


@pytest.fixture
def hello(tmp_path: Path, swarm_manager: None) -> Iterator[Path]:
    """The bundled hello-range scenario, moved into this area's addresses."""
    text = (ROOT / "scenarios" / "hello-range" / "scenario.yaml").read_text()
    text = text.replace("name: hello-range", f"name: {NAME}")
    text = text.replace('"10.{copy}.0.', '"10.9{copy}.7.')
    path = tmp_path / "hello.yaml"
    path.write_text(text)
    SwarmBackend().destroy(NAME)
    yield path
    SwarmBackend().destroy(NAME)


def test_up_status_verify_reset_down_with_the_swarm_backend(hello: Path, tmp_path: Path) -> None:
    venv_bin = str(Path(sys.executable).parent)  # ansible-playbook lives next to python
    env = {
        "CYBERRANGE_DATA_DIR": str(tmp_path / "data"),
        "PATH": f"{venv_bin}:{os.environ['PATH']}",
    }
    cli = [str(Path(sys.executable).parent / "cyberrange")]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cli, *args], env={**os.environ, **env}, capture_output=True, text=True,
            timeout=1200, check=False,
        )  # fmt: skip

    up = run("up", str(hello), "--copies", "2", "--backend", "swarm")
    assert up.returncode == 0, up.stdout + up.stderr
    status = json.loads(run("status", NAME, "--json").stdout)
    assert status["backend"] == "swarm"  # later commands find the backend in the record
    assert {h["node"] for h in status["hosts"]} != {""}
    assert all(h["state"] == "running" for h in status["hosts"])
    # Provisioned through Ansible: each copy's signed objective flag is in place.
    box = SwarmBackend().exec(NAME, f"{NAME}-c2-box", ["cat", "/root/flag.txt"])
    assert box.exit_code == 0 and box.stdout.startswith("FLAG{"), box
    verify = run("verify", NAME)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    reset = run("reset", NAME, "box", "--copy", "2")
    assert reset.returncode == 0, reset.stdout + reset.stderr
    down = run("down", NAME)
    assert down.returncode == 0, down.stderr
    assert SwarmBackend().status(NAME) == []


def test_cluster_status_lists_this_node_and_push_images_has_nothing_to_do(
    swarm_manager: None,
) -> None:
    from click.testing import CliRunner

    from cyberrange.cli import cli

    runner = CliRunner()
    found = runner.invoke(cli, ["cluster", "status", "--json"])
    assert found.exit_code == 0, found.output
    nodes = json.loads(found.output)
    manager = next(n for n in nodes if n["engine"] == "(manager connection)")
    assert manager["role"] == "manager" and manager["state"] == "ready"
    assert manager["memory"] > 0 and manager["load"] >= 0
    pushed = runner.invoke(cli, ["cluster", "push-images", "cyberrange/base"])
    assert pushed.exit_code == 0, pushed.output
    assert "no other reachable node" in pushed.output
