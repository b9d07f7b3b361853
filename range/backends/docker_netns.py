"""Entering a container's network namespace from the engine host (when we run there).

Why: non-router containers have no NET_ADMIN, so they cannot set their own
routes. As root on the engine's own host, `nsenter --net` runs the host's `ip`
in the container's namespace for that one command: no capability is given to
the container and nothing extra is started; routers' rulesets load the same
way with the host's `nft` (the rules live in the kernel, not in the image).
Elsewhere (a remote engine, no root) the backend falls back to a short-lived
helper container for routes and `docker exec` for router rulesets.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from range.backends.docker_engine import DockerEngine
from range.backends.docker_hostfw import engine_is_local
from range.errors import BackendError


def is_local(engine: DockerEngine) -> bool:
    """Whether the engine runs on this machine (so its PIDs are this machine's)."""
    host = engine.client.client_config.host
    if host is None:
        return engine_is_local()
    return str(host).startswith("unix://")


def host_can_enter(engine: DockerEngine, need_nft: bool = False) -> bool:
    tools = ["nsenter", "ip"] + (["nft"] if need_nft else [])
    return (
        is_local(engine)
        and os.geteuid() == 0
        and all(shutil.which(tool) is not None for tool in tools)
    )


def host_tool(name: str) -> str:
    return shutil.which(name) or name


def _same_netns_as_host(pid: int) -> bool:
    try:
        mine = Path("/proc/self/ns/net").stat().st_ino
        return Path(f"/proc/{pid}/ns/net").stat().st_ino == mine
    except OSError:
        return True  # no such process here: treat as unsafe


def run_in_netns(pid: int, argv: Sequence[str], stdin: str | None, what: str) -> str:
    """Run a host command (argument list) inside the network namespace of process ``pid``."""
    if pid <= 0:
        raise BackendError(f"{what}: the container is not running")
    if _same_netns_as_host(pid):
        # A PID from another engine (a remote node) can name a host process: never
        # load a range's routes or firewall into the host's own namespace.
        raise BackendError(f"{what}: process {pid} is not in a container's network namespace")
    nsenter = shutil.which("nsenter") or "nsenter"
    result = subprocess.run(
        [nsenter, f"--target={pid}", "--net", "--", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise BackendError(f"{what}: {result.stderr.strip() or 'exit ' + str(result.returncode)}")
    return result.stdout
