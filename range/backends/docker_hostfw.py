"""The engine host's own firewall rules for range bridges: the host is outside the cage.

Why: Docker isolates an ``--internal`` bridge only in the FORWARD chain; the
bridge keeps an address on the host (the network's gateway), so without more
a container reaches every listener on the host's ``0.0.0.0`` (the web UI, the
database, SSH, the Docker API) through it, and through it every other host
address (``172.17.0.1`` ...). And with ``br_netfilter`` (loaded wherever Docker
runs) Docker's rules also drop frames *bridged* between a router container and
a host, so routed range traffic would never arrive.

So the host gets, in a chain of its own per hook, for IPv4 and IPv6:

* ``INPUT -i crb+``: packets of connections the host opened come back
  (``ESTABLISHED,RELATED``); everything else a range sends to the host is dropped.
* ``DOCKER-USER -i crb+``: frames bridged inside one range bridge are accepted
  (routers forward between range networks); anything the host would *route*
  out of or into a range bridge is dropped, whatever Docker's own rules say.

Range bridges are named ``crb<hash>`` (docker_spec.BRIDGE_PREFIX). The rules
are checked and inserted idempotently on every ``up``; against a remote engine
its admin adds them (docs/range-engine.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from range.backends.docker_spec import BRIDGE_PREFIX
from range.errors import BackendError

BRIDGES = f"{BRIDGE_PREFIX}+"
INPUT_CHAIN = "CYBERRANGE-INPUT"
FORWARD_CHAIN = "CYBERRANGE-FORWARD"
_COMMENT = ["-m", "comment", "--comment"]


@dataclass(frozen=True)
class HostChain:
    """A chain of ours, its rules, and the jump into it from a built-in or Docker chain."""

    name: str
    parent: str
    jump: tuple[str, ...]
    rules: tuple[tuple[str, ...], ...]


CHAINS = (
    HostChain(
        INPUT_CHAIN,
        "INPUT",
        ("-i", BRIDGES, *_COMMENT, "cyberrange: ranges never reach the host", "-j", INPUT_CHAIN),
        (
            ("-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "RETURN"),
            ("-j", "DROP"),
        ),
    ),
    HostChain(
        FORWARD_CHAIN,
        "DOCKER-USER",
        ("-i", BRIDGES, *_COMMENT, "cyberrange: range bridges", "-j", FORWARD_CHAIN),
        (
            ("-m", "physdev", "--physdev-is-bridged", "-j", "ACCEPT"),
            ("-j", "DROP"),
        ),
    ),
    HostChain(
        FORWARD_CHAIN,
        "DOCKER-USER",
        ("-o", BRIDGES, "!", "-i", BRIDGES, *_COMMENT, "cyberrange: range bridges", "-j", "DROP"),
        (),
    ),
)


def engine_is_local() -> bool:
    host = os.environ.get("DOCKER_HOST", "")
    return host == "" or host.startswith("unix://")


def _run(tool: str, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool, "-w", "10", *args], capture_output=True, text=True, check=False)


def _ensure(tool: str, args: Sequence[str], insert: Sequence[str]) -> None:
    if _run(tool, ["-C", *args]).returncode == 0:
        return
    result = _run(tool, insert)
    if result.returncode != 0:
        raise BackendError(
            f"cannot add the host rule `{' '.join(insert)}` that keeps ranges away from the "
            f"host (run as root on the engine host): {result.stderr.strip()}"
        )


def _ensure_chain(tool: str, chain: HostChain) -> None:
    # ip6tables has no DOCKER-USER unless the engine runs with IPv6: use FORWARD there.
    parent = chain.parent if _run(tool, ["-n", "-L", chain.parent]).returncode == 0 else "FORWARD"
    if chain.rules:
        if _run(tool, ["-n", "-L", chain.name]).returncode != 0:
            _ensure_created(tool, chain.name)
        for rule in chain.rules:
            _ensure(tool, [chain.name, *rule], ["-A", chain.name, *rule])
    _ensure(tool, [parent, *chain.jump], ["-I", parent, "1", *chain.jump])


def _ensure_created(tool: str, name: str) -> None:
    result = _run(tool, ["-N", name])
    if result.returncode != 0 and "exists" not in result.stderr:
        raise BackendError(f"cannot create the host chain {name}: {result.stderr.strip()}")


# The one rule of earlier releases, a subset of CYBERRANGE-FORWARD: removed on upgrade.
OLD_RULE = (
    "DOCKER-USER", "-i", BRIDGES, "-m", "physdev", "--physdev-is-bridged",
    *_COMMENT, "cyberrange: forwarding inside range bridges", "-j", "ACCEPT",
)  # fmt: skip


def ensure_host_isolation() -> None:
    """Install the rules above (idempotent); a remote engine needs them added by its admin."""
    if not engine_is_local():
        return
    iptables = shutil.which("iptables")
    if iptables is None:
        raise BackendError(
            "iptables not found on the engine host: it is needed to keep ranges away from "
            "the host and to let routers forward inside range networks (install iptables)"
        )
    tools = [iptables]
    ip6tables = shutil.which("ip6tables")
    if ip6tables is not None:
        tools.append(ip6tables)  # link-local IPv6 reaches the host's [::] listeners too
    for tool in tools:
        # Reverse order: each jump is inserted at position 1, the last ends first.
        for chain in reversed(CHAINS):
            _ensure_chain(tool, chain)
        if _run(tool, ["-C", *OLD_RULE]).returncode == 0:
            _run(tool, ["-D", *OLD_RULE])
