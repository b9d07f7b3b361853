"""A throw-away VPN client on the engine host, for `verify`: a laptop in a network namespace.

The namespace ``crvc<n>`` gets a veth to the host on 169.254.<n>.0/30 (link
local, never routed) and a WireGuard interface (``wireguard-go`` inside the
namespace, or kernel WireGuard) peered with one endpoint under a fresh key
pair, at the last address of the team's client subnet (kept for this: the
participants' addresses stop before it). Its routes send every given subnet
through the tunnel, as a participant who widens ``AllowedIPs`` would; the
server must still refuse what the grant does not name. Everything (peer,
interface, veth, namespace) is removed on leaving.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import IPv4Network

from range.access import endpoint as wg
from range.access.keys import new_key_pair
from range.errors import AccessError


def verify_address(client_subnet: str) -> str:
    """The address kept for verify's client: the last usable one of the subnet."""
    return str(list(IPv4Network(client_subnet).hosts())[-1])


@dataclass(frozen=True)
class Client:
    namespace: str

    def run(self, argv: Sequence[str], timeout: float = 30) -> str:
        result = subprocess.run(
            ["ip", "netns", "exec", self.namespace, *argv],
            capture_output=True, text=True, check=False, timeout=timeout,
        )  # fmt: skip
        return result.stdout.strip() if result.returncode == 0 else f"error: {result.stderr[:200]}"


def _must(argv: Sequence[str], stdin: str | None = None) -> None:
    result = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise AccessError(f"`{' '.join(argv)}` failed: {result.stderr.strip()[:300]}")


@contextmanager
def vpn_client(
    interface: str, server_key: str, port: int, client_subnet: str, routes: Sequence[str]
) -> Iterator[Client]:
    """A client of endpoint ``interface`` whose tunnel carries ``routes``."""
    number = 1 + os.getpid() % 250
    name, host_if, ns_if, tunnel = (f"crvc{number}", f"crvh{number}", f"crvn{number}",
                                    f"crvt{number}")  # fmt: skip
    host, mine = f"169.254.{number}.1", f"169.254.{number}.2"
    keys = new_key_pair()
    address = verify_address(client_subnet)
    _must(["ip", "netns", "add", name])
    client = Client(name)
    ns = ["ip", "netns", "exec", name]
    try:
        _must(["ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if])
        _must(["ip", "link", "set", ns_if, "netns", name])
        _must(["ip", "address", "add", f"{host}/30", "dev", host_if])
        _must(["ip", "link", "set", host_if, "up"])
        for argv in (["ip", "link", "set", "lo", "up"],
                     ["ip", "address", "add", f"{mine}/30", "dev", ns_if],
                     ["ip", "link", "set", ns_if, "up"]):  # fmt: skip
            _must([*ns, *argv])
        wg.add_peer(interface, wg.Peer(keys.public, address))
        if wg.kernel_wireguard():
            _must([*ns, "ip", "link", "add", tunnel, "type", "wireguard"])
        else:
            _must([*ns, "wireguard-go", tunnel])
        conf = (f"[Interface]\nPrivateKey = {keys.private}\n\n[Peer]\nPublicKey = {server_key}\n"
                f"Endpoint = {host}:{port}\nAllowedIPs = 0.0.0.0/0\n")  # fmt: skip
        _must([*ns, "wg", "setconf", tunnel, "/dev/stdin"], conf)
        _must([*ns, "ip", "address", "add", f"{address}/32", "dev", tunnel])
        _must([*ns, "ip", "link", "set", tunnel, "up"])
        for route in routes:
            _must([*ns, "ip", "route", "replace", route, "dev", tunnel])
        yield client
    finally:
        subprocess.run([*ns, "ip", "link", "del", tunnel], capture_output=True, check=False)
        subprocess.run(["ip", "link", "del", host_if], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)
        subprocess.run(["wg", "set", interface, "peer", keys.public, "remove"],
                       capture_output=True, check=False)  # fmt: skip
