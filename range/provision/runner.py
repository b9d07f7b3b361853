"""Running a playbook through ansible-runner's Python API.

The live event stream drives the progress callback (host, task) and is
appended to the range's log. A failed or unreachable host becomes one
ProvisionError naming the host, the task and Ansible's own message.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from range.errors import ProvisionError
from range.provision.model import ProvisionProgress

ANSIBLE_CFG = """\
[defaults]
{strategy}host_key_checking = False
retry_files_enabled = False
interpreter_python = /usr/bin/python3
gathering = explicit
# Mitogen's connection must start its interpreter within this: 30 s timed out
# on a 2-core engine at load 100 with 41 hosts starting at once (bench/scale.py).
timeout = 120
forks = {forks}
deprecation_warnings = False

[connection]
pipelining = True
"""

# Mitogen keeps one Python interpreter per container for the whole run and
# sends each task into it: one `docker exec` per host instead of one per task,
# and Ansible's module_utils imported once per host, not once per task. Measured
# on dmz-breach (docs/provisioning.md): about half the wall time and 40% less
# CPU than community.docker's plain `docker exec` per task.
MITOGEN_STRATEGY = """\
strategy_plugins = {plugins}
strategy = mitogen_linear
"""

FAILURE_EVENTS = ("runner_on_failed", "runner_on_unreachable", "runner_item_on_failed")


def mitogen_plugins() -> Path:
    """ansible_mitogen's strategy plugins (a dependency: missing is an error)."""
    spec = importlib.util.find_spec("ansible_mitogen")
    if spec is None or spec.origin is None:
        raise ProvisionError("(controller)", "configure Ansible", "mitogen is not installed")
    return Path(spec.origin).parent / "plugins" / "strategy"


@dataclass(frozen=True)
class RunFiles:
    """Everything one run reads, inside the range's private (0700) folder."""

    private_dir: Path
    playbook: Path
    inventory: Path
    config: Path
    extravars: Path  # 0600: holds the flag values

    @classmethod
    def prepare(
        cls,
        private_dir: Path,
        inventory: Path,
        extravars: Mapping[str, Any],
        forks: int,
        mitogen: bool = True,
    ) -> RunFiles:
        """Write the run's config and secrets; `mitogen` picks the faster strategy."""
        private_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        private_dir.chmod(0o700)
        (private_dir / "project").mkdir(exist_ok=True)
        config = private_dir / "ansible.cfg"
        strategy = MITOGEN_STRATEGY.format(plugins=mitogen_plugins()) if mitogen else ""
        config.write_text(ANSIBLE_CFG.format(forks=forks, strategy=strategy), encoding="utf-8")
        secret = private_dir / "extravars.json"
        descriptor = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(dict(extravars), handle)
        playbook = private_dir / "project" / "site.yml"
        return cls(private_dir, playbook, inventory, config, secret)

    def environment(self) -> dict[str, str]:
        """Ansible's environment: our config, and the venv's bin/ first on PATH."""
        venv_bin = str(Path(sys.executable).parent)
        path = os.environ.get("PATH", "")
        if venv_bin not in path.split(os.pathsep):
            path = f"{venv_bin}{os.pathsep}{path}"
        return {
            "ANSIBLE_CONFIG": str(self.config),
            "PATH": path,
            "ANSIBLE_NOCOLOR": "1",
        }

    def playbook_argv(self) -> list[str]:
        """The same run as a plain `ansible-playbook` command (used by the bench)."""
        venv_bin = Path(sys.executable).parent
        return [
            str(venv_bin / "ansible-playbook"),
            "-i",
            str(self.inventory),
            "-e",
            f"@{self.extravars}",
            str(self.playbook),
        ]


@dataclass
class EventSink:
    """Collects what the event stream says; writes it to the log as it comes."""

    log: IO[str]
    progress: ProvisionProgress | None = None
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)

    def __call__(self, event: dict[str, Any]) -> bool:
        stdout = event.get("stdout") or ""
        if stdout:
            self.log.write(stdout + "\n")
            self.log.flush()
            self.tail = (self.tail + stdout.splitlines())[-20:]
        data = event.get("event_data") or {}
        kind = event.get("event", "")
        host, task = str(data.get("host", "")), str(data.get("task", ""))
        if kind == "runner_on_start" and self.progress is not None and host:
            self.progress(host, task)
        elif kind in FAILURE_EVENTS and not data.get("ignore_errors"):
            self.failures.append((host, task, failure_message(data.get("res") or {})))
        return True


def failure_message(result: Mapping[str, Any]) -> str:
    """Ansible's own words for a failure: msg, then the command's stderr/stdout."""
    parts = [str(result.get("msg") or "").strip()]
    if result.get("cmd"):
        command = result["cmd"]
        command = " ".join(map(str, command)) if isinstance(command, list) else str(command)
        parts.append(f"command {command!r} exited {result.get('rc', '?')}")
    for key in ("module_stderr", "stderr", "stdout"):
        text = str(result.get(key) or "").strip()
        if text and text not in parts:
            parts.append(text[-800:])
            break
    for item in result.get("results") or []:  # a loop: the first failed item
        if isinstance(item, Mapping) and item.get("failed"):
            parts.append(failure_message(item))
            break
    return "; ".join(p for p in parts if p) or "task failed (no message from Ansible)"


@dataclass(frozen=True)
class RunResult:
    changed: dict[str, int]
    ok: dict[str, int]
    elapsed: float


def run_playbook(
    files: RunFiles, log_path: Path, forks: int, progress: ProvisionProgress | None = None
) -> RunResult:
    """Run the prepared playbook; raises ProvisionError on the first failure."""
    import ansible_runner  # heavy import, only when provisioning

    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log_path.open("a", encoding="utf-8") as log:
        log.write(f"\n=== provisioning {time.strftime('%Y-%m-%d %H:%M:%S')} ===\n")
        sink = EventSink(log, progress)
        runner = ansible_runner.run(
            private_data_dir=str(files.private_dir),
            playbook=str(files.playbook),
            inventory=str(files.inventory),
            cmdline=f"-e {shlex.quote('@' + str(files.extravars))}",
            envvars=files.environment(),
            forks=forks,
            event_handler=sink,
            quiet=True,
            rotate_artifacts=3,
            suppress_env_files=True,
        )
    elapsed = time.monotonic() - started
    if sink.failures:
        raise ProvisionError(*sink.failures[0])
    if runner.status != "successful":
        detail = "\n".join(sink.tail[-8:]) or f"ansible-runner status {runner.status}"
        raise ProvisionError("(playbook)", "run", detail)
    stats = runner.stats or {}
    return RunResult(dict(stats.get("changed", {})), dict(stats.get("ok", {})), elapsed)
