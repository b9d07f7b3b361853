"""Host rules for VPN interfaces: into the granted subnets, nothing else.

They sit in front of the cage (docker_hostfw), in a chain of their own::

    INPUT        -i crw+ -j CYBERRANGE-INPUT        VPN clients never reach the host
    DOCKER-USER  -i crw+ -j CYBERRANGE-VPN          (first: before the cage's
    DOCKER-USER  -o crw+ -j CYBERRANGE-VPN           `-o crb+ ! -i crb+ -j DROP`)
    CYBERRANGE-VPN  -i IFACE -o crb+ -d SUBNET -j ACCEPT     per granted subnet
    CYBERRANGE-VPN  -i crb+ -o IFACE -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    ...
    CYBERRANGE-VPN  -i crw+ -j DROP                 anything else from a VPN
    CYBERRANGE-VPN  -o crw+ -j DROP                 anything else to a VPN

Why ACCEPT in DOCKER-USER: FORWARD runs DOCKER-USER before Docker's
DOCKER-ISOLATION-STAGE-1, which on Docker 20.10 drops every packet into an
``--internal`` bridge whose source is outside the bridge's subnet (``! -s
SUBNET -o BRIDGE -j DROP``), so host-routed VPN traffic would never arrive.
The accept is the narrowest that passes it: one VPN interface, one granted
subnet, range bridges only. Containers cannot open connections to VPN
clients; only replies pass. Each rule's comment names its interface, so the
rules of one interface are removed with it.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from collections.abc import Iterable, Sequence

from range.access.endpoint import PREFIX
from range.backends.docker_hostfw import BRIDGES, INPUT_CHAIN, ensure_host_isolation
from range.errors import AccessError

VPN_CHAIN = "CYBERRANGE-VPN"
VPNS = f"{PREFIX}+"
_TAG = "cyberrange-vpn"

_JUMPS: tuple[tuple[str, ...], ...] = (
    ("INPUT", "-i", VPNS, "-m", "comment", "--comment", _TAG, "-j", INPUT_CHAIN),
    ("DOCKER-USER", "-o", VPNS, "-m", "comment", "--comment", _TAG, "-j", VPN_CHAIN),
    ("DOCKER-USER", "-i", VPNS, "-m", "comment", "--comment", _TAG, "-j", VPN_CHAIN),
)
_LAST: tuple[tuple[str, ...], ...] = (("-i", VPNS, "-j", "DROP"), ("-o", VPNS, "-j", "DROP"))


def _iptables(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("iptables")
    if tool is None:
        raise AccessError("iptables not found on the engine host (install iptables)")
    return subprocess.run([tool, "-w", "10", *args], capture_output=True, text=True, check=False)


def _must(args: Sequence[str]) -> None:
    result = _iptables(args)
    if result.returncode != 0:
        raise AccessError(f"`iptables {' '.join(args)}` failed: {result.stderr.strip()[:300]}")


def ensure_vpn_chain() -> None:
    """The cage, the VPN chain with its final drops, and the jumps, first in their chains."""
    ensure_host_isolation()
    if _iptables(["-n", "-L", VPN_CHAIN]).returncode != 0:
        _must(["-N", VPN_CHAIN])
    for rule in _LAST:
        if _iptables(["-C", VPN_CHAIN, *rule]).returncode != 0:
            _must(["-A", VPN_CHAIN, *rule])
    # Moved to the top every time: the cage's rules may have been inserted above them.
    for jump in _JUMPS:
        parent, rule = jump[0], jump[1:]
        while _iptables(["-D", parent, *rule]).returncode == 0:
            pass
        _must(["-I", parent, "1", *rule])


def allow_interface(interface: str, subnets: Iterable[str]) -> None:
    """Exactly ``subnets`` for this interface, and replies back to it."""
    ensure_vpn_chain()
    forget_interface(interface)
    comment = ["-m", "comment", "--comment", f"{_TAG} {interface}"]
    reply = ["-i", BRIDGES, "-o", interface, "-m", "conntrack", "--ctstate"]
    _must(["-I", VPN_CHAIN, "1", *reply, "ESTABLISHED,RELATED", *comment, "-j", "ACCEPT"])
    for subnet in subnets:
        _must(["-I", VPN_CHAIN, "1", "-i", interface, "-o", BRIDGES, "-d", subnet, *comment,
               "-j", "ACCEPT"])  # fmt: skip


def forget_interface(interface: str) -> None:
    """Remove every rule of this interface (found by its comment)."""
    listed = _iptables(["-S", VPN_CHAIN])
    if listed.returncode != 0:
        return
    mark = f'"{_TAG} {interface}"'
    for line in listed.stdout.splitlines():
        if mark in line and line.startswith(f"-A {VPN_CHAIN} "):
            _iptables(["-D", *_split(line)[1:]])


def forget_prefix(prefix: str) -> None:
    """Remove the rules of every interface whose name starts with ``prefix``."""
    listed = _iptables(["-S", VPN_CHAIN])
    if listed.returncode != 0:
        return
    for line in listed.stdout.splitlines():
        if f'"{_TAG} {prefix}' in line and line.startswith(f"-A {VPN_CHAIN} "):
            _iptables(["-D", *_split(line)[1:]])


def _split(line: str) -> list[str]:
    """``iptables -S`` output back into arguments (comments are the only quoted words)."""
    return shlex.split(line)
