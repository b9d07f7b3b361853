"""What each team instance's VPN clients reach, in the terms of ``range.reach``.

A VPN client is a source outside the range whose packets the engine host
routes straight onto the networks its grant names (the host's address on each
is that network's gateway): it reaches every container there on any port,
like a host on that network, if the container routes the client subnet back
(``plan_access.with_return_routes`` plans that route; checkers have none). The
host's rules drop everything a client sends elsewhere: other networks, other
copies, the host itself. Routers forward nothing for VPN clients: the host
delivers directly, never through a range router.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from range.plan import AccessGrant, ContainerPlan, Plan
from range.reach import Reach
from range.reach_model import ANY, Model

VPN_SOURCE_PREFIX = "vpn:"


def vpn_source(team: str) -> str:
    """The source name of a team instance's VPN clients in Reach rows (``vpn:blue-1``)."""
    return f"{VPN_SOURCE_PREFIX}{team}"


def client_address(grant: AccessGrant) -> str:
    """The first participant's address (the endpoint holds ``.1``)."""
    return str(next(IPv4Network(grant.client_subnet).hosts()) + 1)


def vpn_reachability(plan: Plan) -> list[Reach]:
    """For every grant, every container address of the plan: reached or not, and why."""
    model = Model(plan)
    result: list[Reach] = []
    for grant in plan.access:
        source = vpn_source(grant.team)
        granted = {n.name for n in grant.networks}
        clients = IPv4Network(grant.client_subnet)
        for network in plan.networks:
            for container, address in model.members[network.name]:
                text = str(IPv4Address(address))
                if network.name not in granted:
                    why = (
                        f"{network.name} is not granted to {grant.team} (the engine host drops it)"
                    )
                    result.append(
                        Reach(source, container.name, text, None, ANY, False, (source,), why)
                    )
                    continue
                allowed, why = _answers(container, clients)
                path = (source, container.name) if allowed else (source,)
                result.append(Reach(source, container.name, text, None, ANY, allowed, path, why))
    return result


def _answers(container: ContainerPlan, clients: IPv4Network) -> tuple[bool, str]:
    for route in container.routes:
        if route.destination != "default" and clients.subnet_of(IPv4Network(route.destination)):
            return True, "vpn"
    return False, f"{container.name} has no route back"
