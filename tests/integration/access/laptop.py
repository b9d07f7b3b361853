"""A participant's laptop for the VPN tests: a network namespace with a veth to the host.

The laptop brings its tunnel up the way wg-quick would (``wg setconf`` with
the config's keys and peer, ``ip address`` for ``Address``, a route per
``AllowedIPs``), with wireguard-go inside the namespace. ``extra_routes``
lets a test play a participant who widens ``AllowedIPs`` to try what the
server must refuse. Probes are TCP connects from inside the namespace.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

PROBE = """
import socket, sys
s = socket.socket()
s.settimeout(float(sys.argv[3]))
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print("open")
except ConnectionRefusedError:
    print("closed")
except (TimeoutError, socket.timeout):
    print("filtered")
except OSError as exc:
    print("unreachable", exc)
"""


def run(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True, check=False, timeout=60)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


@dataclass(frozen=True)
class Laptop:
    namespace: str
    interface: str  # the tunnel inside the namespace
    host_address: str  # the host's end of the veth: where the VPN endpoint is reached

    def ns(self, *args: str) -> str:
        return run("ip", "netns", "exec", self.namespace, *args)

    def connect(self, address: str, port: int, timeout: float = 2.0) -> str:
        out = self.ns("python3", "-c", PROBE, address, str(port), str(timeout))
        return out.split()[0]

    def tunnel_up(self, config: str, extra_routes: tuple[str, ...] = ()) -> None:
        """Bring the tunnel up from a wg-quick config (what wg-quick would do)."""
        wg_lines, address, allowed = _split_config(config, extra_routes)
        self.ns("wireguard-go", self.interface)
        subprocess.run(
            ["ip", "netns", "exec", self.namespace, "wg", "setconf", self.interface, "/dev/stdin"],
            input="\n".join(wg_lines) + "\n", text=True, check=True, capture_output=True,
        )  # fmt: skip
        self.ns("ip", "address", "add", address, "dev", self.interface)
        self.ns("ip", "link", "set", self.interface, "up")
        for subnet in (*allowed, *extra_routes):  # what wg-quick does per AllowedIPs
            self.ns("ip", "route", "replace", subnet, "dev", self.interface)


def _split_config(config: str, extra: tuple[str, ...]) -> tuple[list[str], str, list[str]]:
    """wg-quick's own keys (Address) out, the rest for ``wg setconf``; ``extra`` allowed too."""
    wg_lines, address, allowed = [], "", []
    for line in config.splitlines():
        key, _, value = (part.strip() for part in line.partition("="))
        if key == "Address":
            address = value
            continue
        if key == "AllowedIPs":
            allowed = [v.strip() for v in value.split(",")]
            line = f"AllowedIPs = {', '.join([*allowed, *extra])}"
        wg_lines.append(line)
    return wg_lines, address, allowed


@contextmanager
def laptop(tag: int) -> Iterator[Laptop]:
    """Namespace ``crlap<tag>``, veth 169.254.<tag>.1/30 (host) <-> .2 (laptop)."""
    name, host_if, ns_if = f"crlap{tag}", f"crlh{tag}", f"crln{tag}"
    host, mine = f"169.254.{tag}.1", f"169.254.{tag}.2"
    run("ip", "netns", "add", name)
    try:
        run("ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        run("ip", "link", "set", ns_if, "netns", name)
        run("ip", "address", "add", f"{host}/30", "dev", host_if)
        run("ip", "link", "set", host_if, "up")
        box = Laptop(name, f"crlt{tag}", host)
        box.ns("ip", "link", "set", "lo", "up")
        box.ns("ip", "address", "add", f"{mine}/30", "dev", ns_if)
        box.ns("ip", "link", "set", ns_if, "up")
        yield box
    finally:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "del", f"crlt{tag}"],
                       capture_output=True, check=False)  # fmt: skip
        subprocess.run(["ip", "link", "del", host_if], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)


def tag_for_this_run() -> int:
    """A link number of our own in 169.254.0.0/16 (200-249), from the process id."""
    return 200 + os.getpid() % 50
