"""WireGuard interfaces on the engine host: kernel WireGuard where it exists, else wireguard-go.

Interfaces are named ``crw<hash of the range>-<instance index>`` (at most 15
characters), so every interface of a range, and the wireguard-go process
serving it (``wireguard-go NAME``), is found by the range's prefix alone. With
wireguard-go, deleting the interface ends its process; ``remove_interfaces``
still ends any process whose interface is gone (found by its argv).

Every command is an argument list; keys go to ``wg`` on stdin, never on a
command line (where ``ps`` would show them).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from range.errors import AccessError

PREFIX = "crw"
_PROBE = "crwprobe0"


@dataclass(frozen=True)
class Peer:
    public_key: str
    address: str  # the participant's tunnel address (allowed-ips /32)


def range_prefix(range_name: str) -> str:
    return f"{PREFIX}{hashlib.sha256(range_name.encode()).hexdigest()[:6]}-"


def interface_name(range_name: str, index: int) -> str:
    return f"{range_prefix(range_name)}{index}"


def _run(args: Sequence[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    tool = shutil.which(args[0])
    if tool is None:
        raise AccessError(
            f"{args[0]} not found on the engine host: install Debian's wireguard-tools "
            "(and wireguard-go where the kernel has no WireGuard)"
        )
    return subprocess.run(
        [tool, *args[1:]], input=stdin, capture_output=True, text=True, check=False, timeout=30
    )


def _must(args: Sequence[str], stdin: str | None = None) -> str:
    result = _run(args, stdin)
    if result.returncode != 0:
        raise AccessError(f"`{' '.join(args)}` failed: {result.stderr.strip()[:400]}")
    return result.stdout


def kernel_wireguard() -> bool:
    """Whether ``ip link add ... type wireguard`` works here (checked with a throw-away link)."""
    if _run(["ip", "link", "add", _PROBE, "type", "wireguard"]).returncode != 0:
        return False
    _run(["ip", "link", "del", _PROBE])
    return True


def interfaces(prefix: str = PREFIX) -> list[str]:
    links = json.loads(_must(["ip", "-j", "link", "show"]) or "[]")
    return sorted(link["ifname"] for link in links if link["ifname"].startswith(prefix))


def create_interface(name: str) -> None:
    """The interface, created if missing (kernel WireGuard, or a wireguard-go process)."""
    if name in interfaces(name):
        return
    if kernel_wireguard():
        _must(["ip", "link", "add", name, "type", "wireguard"])
        return
    # wireguard-go daemonizes itself and serves the interface until it is deleted.
    result = _run(["wireguard-go", name])
    if result.returncode != 0 or name not in interfaces(name):
        raise AccessError(f"wireguard-go could not create {name}: {result.stderr.strip()[:400]}")


def configure(name: str, private_key: str, port: int, address: str, peers: Iterable[Peer]) -> None:
    """Key, port, peers (exactly these: ``wg syncconf``), address; then the link goes up."""
    lines = ["[Interface]", f"PrivateKey = {private_key}", f"ListenPort = {port}"]
    for peer in peers:
        lines += ["", "[Peer]", f"PublicKey = {peer.public_key}", f"AllowedIPs = {peer.address}/32"]
    _must(["wg", "syncconf", name, "/dev/stdin"], "\n".join(lines) + "\n")
    # No IPv6 on the tunnel: the host rules below are written for IPv4 only.
    ipv6 = Path(f"/proc/sys/net/ipv6/conf/{name}/disable_ipv6")
    if ipv6.exists():  # absent where the kernel runs without IPv6: nothing to disable
        ipv6.write_text("1")
    _must(["ip", "address", "replace", address, "dev", name])
    _must(["ip", "link", "set", name, "up"])


def add_peer(name: str, peer: Peer) -> None:
    _must(["wg", "set", name, "peer", peer.public_key, "allowed-ips", f"{peer.address}/32"])


def remove_peer(name: str, public_key: str) -> None:
    _must(["wg", "set", name, "peer", public_key, "remove"])


def peer_keys(name: str) -> list[str]:
    out = _must(["wg", "show", name, "peers"])
    return [line.strip() for line in out.splitlines() if line.strip()]


def remove_interfaces(prefix: str) -> list[str]:
    """Delete every interface whose name starts with ``prefix``, and end their processes."""
    removed = interfaces(prefix)
    for name in removed:
        _run(["ip", "link", "del", name])
    for pid in _wireguard_go_pids(prefix):
        with contextlib.suppress(ProcessLookupError):  # it ended on its own meanwhile
            os.kill(pid, signal.SIGTERM)
    return removed


def _wireguard_go_pids(prefix: str) -> list[int]:
    """wireguard-go processes serving an interface of this prefix (their argv says which)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            len(argv) >= 2
            and argv[0].endswith(b"wireguard-go")
            and argv[1].startswith(prefix.encode())
        ):
            found.append(int(proc.name))
    return found
