"""Probes from the range to the engine's host: nothing in a range reaches the host.

`verify` opens a TCP listener on every address of this machine (``0.0.0.0``,
as the web UI, a database or SSH would listen) and probes it from one
container on every range network, at that network's gateway (the bridge's
address on the host), and from one container at every other address of the
host (``172.17.0.1``, the machine's own). Every probe must be blocked: a
refused connection would prove the packet arrived too.

Only when the engine runs on this machine (no remote ``DOCKER_HOST``): a
listener here says nothing about another machine.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from range.backends.docker_spec import BRIDGE_PREFIX
from range.plan import ROLE_CHECKER, Plan
from range.reach import Probe

HOST = "engine host"
KIND = "host"


def engine_here() -> bool:
    host = os.environ.get("DOCKER_HOST", "")
    return host == "" or host.startswith("unix://")


def host_addresses() -> dict[str, str]:
    """This machine's IPv4 addresses but loopback (`ip -j -4 addr`) -> interface name."""
    ip = shutil.which("ip")
    if ip is None:
        return {}
    out = subprocess.run([ip, "-j", "-4", "addr"], capture_output=True, text=True, check=False)
    return {
        str(info["local"]): str(link.get("ifname", ""))
        for link in json.loads(out.stdout or "[]")
        for info in link.get("addr_info", [])
        if not str(info.get("local", "127.")).startswith("127.")
    }


@contextmanager
def host_listener() -> Iterator[int]:
    """A TCP listener on 0.0.0.0 that accepts and closes; yields its port."""
    # Every address on purpose: the probes must find any way to the host there is.
    server = socket.create_server(("0.0.0.0", 0))  # noqa: S104
    server.settimeout(0.5)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=serve, name="verify-host-listener", daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        server.close()


def host_probes(plan: Plan, port: int, addresses: dict[str, str]) -> list[Probe]:
    """One probe per range network whose gateway is the host's, one per other host address.

    Gateways that are not this machine's (a swarm overlay keeps its gateway in
    the overlay's own namespace) and other ranges' bridges (probed by their own
    range) are left out.
    """
    probes = []
    sources = [c for c in plan.containers if c.role != ROLE_CHECKER] or list(plan.containers)
    for network in plan.networks:
        on_it = [c for c in sources if any(i.network == network.name for i in c.interfaces)]
        if on_it and network.gateway in addresses:
            reason = f"the host is outside the range (gateway of {network.network})"
            probes.append(_probe(on_it[0].name, network.gateway, port, reason))
    if sources:
        for address, interface in sorted(addresses.items()):
            if not interface.startswith(BRIDGE_PREFIX):
                reason = "the host is outside the range"
                probes.append(_probe(sources[0].name, address, port, reason))
    return probes


def _probe(source: str, address: str, port: int, reason: str) -> Probe:
    return Probe(source, HOST, address, port, "tcp", False, KIND, reason)
