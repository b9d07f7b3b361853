"""`verify` from a VPN client: what each team's VPN reaches on the running range.

For every team instance whose endpoint is up, a throw-away client
(``access.client``) probes from outside the range, through the tunnel, with
the same probe program and judgement as the container probes:

- every container address the model says the team's clients reach (kind
  ``vpn``): a service port, else a port nobody listens on (refused = reached);
- every other address on the granted networks (checkers: no route back) and
  one container of each network not granted (another copy...), expected denied;
- the engine host, at each granted network's gateway and at the tunnel's own
  end, on a listener on its 0.0.0.0 (kind ``vpn-host``), expected denied.

The client routes every range subnet through the tunnel, so a denial proves
the engine host's rules, not the client's own routes.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from ipaddress import IPv4Network

from range.access import endpoint as wg
from range.access.client import Client, vpn_client
from range.access.store import AccessStore
from range.config import Settings
from range.plan import AccessGrant, Plan
from range.reach import OTHER_PORTS, Probe
from range.reach_vpn import vpn_reachability, vpn_source
from range.verify import PROBE_TIMEOUT, ProbeResult, judge, probe_argv
from range.verify_host import host_listener

WORKERS = 8


def vpn_probes(plan: Plan, grant: AccessGrant, host_port: int) -> list[Probe]:
    source = vpn_source(grant.team)
    ports = {c.name: next((s.port for s in c.services if s.protocol == "tcp"), OTHER_PORTS[0])
             for c in plan.containers}  # fmt: skip
    granted = {n.name for n in grant.networks}
    network_of = {i.address: i.network for c in plan.containers for i in c.interfaces}
    probes, denied_networks = [], set()
    for reach in vpn_reachability(plan):
        if reach.source != source:
            continue
        network = network_of[reach.address]
        if network not in granted:
            if network in denied_networks:
                continue  # one per network is proof enough
            denied_networks.add(network)
        probes.append(Probe(source, reach.destination, reach.address, ports[reach.destination],
                            "tcp", reach.allowed, "vpn", reach.reason))  # fmt: skip
    tunnel_end = str(next(IPv4Network(grant.client_subnet).hosts()))
    for address in [*(n.gateway for n in grant.networks), tunnel_end]:
        probes.append(Probe(source, "engine host", address, host_port, "tcp", False, "vpn-host",
                            "VPN clients never reach the host"))  # fmt: skip
    return probes


def verify_vpn(
    settings: Settings, plan: Plan, done: Callable[[ProbeResult], None] | None = None
) -> list[ProbeResult]:
    """Probe from a client of every running endpoint; nothing to do without any."""
    store = AccessStore(settings.access_dir, plan.range)
    subnets = [n.subnet for n in plan.networks]
    results: list[ProbeResult] = []
    with host_listener() as host_port:
        for grant in plan.access:
            record = store.endpoint(grant.team)
            if record is None or record.interface not in wg.interfaces(record.interface):
                continue
            tunnel_end = f"{next(IPv4Network(grant.client_subnet).hosts())}/32"
            with vpn_client(record.interface, record.public_key, record.port,
                            grant.client_subnet, [*subnets, tunnel_end]) as client:  # fmt: skip
                results += _run(client, vpn_probes(plan, grant, host_port), done)
    return results


def _run(
    client: Client, probes: list[Probe], done: Callable[[ProbeResult], None] | None
) -> list[ProbeResult]:
    def one(probe: Probe) -> ProbeResult:
        answer = client.run(probe_argv(probe, PROBE_TIMEOUT))
        if probe.expect_allowed and answer not in ("open", "closed"):
            answer = client.run(probe_argv(probe, 3 * PROBE_TIMEOUT))  # the first handshake
        result = judge(probe, answer)
        if done is not None:
            done(result)
        return result

    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(one, probes))
