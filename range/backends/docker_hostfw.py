"""One host firewall rule that lets frames move inside a range bridge.

Why: Docker isolates an ``--internal`` bridge with iptables rules that drop
every packet whose source or destination lies outside the bridge's subnet. With
``br_netfilter`` loaded (the default wherever Docker runs), that also drops
*bridged* frames, so traffic a router container forwards from one range
network into another never arrives. This rule, in the ``DOCKER-USER`` chain
that Docker keeps for its users, accepts frames bridged inside a range bridge
(name prefix ``crb``). Routing through the host stays dropped, so range networks
still have no route to the host's networks or to each other.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from range.backends.docker_spec import BRIDGE_PREFIX
from range.errors import BackendError

RULE = [
    "DOCKER-USER",
    "-i",
    f"{BRIDGE_PREFIX}+",
    "-m",
    "physdev",
    "--physdev-is-bridged",
    "-m",
    "comment",
    "--comment",
    "cyberrange: forwarding inside range bridges",
    "-j",
    "ACCEPT",
]


def engine_is_local() -> bool:
    host = os.environ.get("DOCKER_HOST", "")
    return host == "" or host.startswith("unix://")


def ensure_bridge_forwarding() -> None:
    """Insert the rule once (idempotent); a remote engine needs it added by its admin."""
    if not engine_is_local():
        return
    iptables = shutil.which("iptables")
    if iptables is None:
        raise BackendError(
            "iptables not found on the engine host: it is needed to let routers forward "
            "inside range networks (install the iptables package)"
        )
    check = subprocess.run(
        [iptables, "-w", "10", "-C", *RULE], capture_output=True, text=True, check=False
    )
    if check.returncode == 0:
        return
    insert = subprocess.run(
        [iptables, "-w", "10", "-I", *RULE[:1], "1", *RULE[1:]],
        capture_output=True,
        text=True,
        check=False,
    )
    if insert.returncode != 0:
        raise BackendError(
            "cannot add the DOCKER-USER rule that lets routers forward inside range "
            f"networks (run as root on the engine host): {insert.stderr.strip()}"
        )
