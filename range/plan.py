"""The Plan: pure data describing everything a backend must create.

A planner turns a Scenario into a Plan without any I/O; a backend only
executes a Plan. The same scenario always gives the same plan.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

LABEL_RANGE = "cyberrange.range"
LABEL_COPY = "cyberrange.copy"
LABEL_HOST = "cyberrange.host"
LABEL_NETWORK = "cyberrange.network"
LABEL_PLAN_HASH = "cyberrange.plan-hash"
LABEL_ROLE = "cyberrange.role"  # "host" | "router" | "checker"

ROLE_HOST = "host"
ROLE_ROUTER = "router"
ROLE_CHECKER = "checker"
CHECKER_HOST = "checker"  # scenario-level host name of the per-copy checker container
CHECKER_IMAGE = "cyberrange/checker"

HOOK_INPUT = "input"
HOOK_FORWARD = "forward"

SHARED_COPY = 0  # copy number of shared hosts and networks


@dataclass(frozen=True)
class NetworkPlan:
    name: str  # engine object name, e.g. "dmz-breach-c1-dmz"
    network: str  # scenario network name, e.g. "dmz"
    copy: int  # 0 for shared networks
    subnet: str  # expanded, e.g. "10.1.1.0/24"
    gateway: str  # address the engine keeps for itself (never a host's)
    internal: bool = True  # no route to the host's networks
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Interface:
    network: str  # NetworkPlan.name
    address: str


@dataclass(frozen=True)
class Route:
    destination: str  # CIDR or "default"
    via: str


@dataclass(frozen=True)
class FirewallRulePlan:
    """One forward-chain rule on a router, in nftables terms."""

    action: str  # "accept" | "drop"
    source: str | None = None  # CIDR or address
    destination: str | None = None
    protocol: str | None = None  # "tcp" | "udp" | None (any)
    ports: tuple[int, ...] = ()
    comment: str = ""
    # nftables hooks the rule goes into. Allow rules filter forwarded traffic only;
    # copy-isolation drops on sources also guard the router itself ("input").
    hooks: tuple[str, ...] = (HOOK_FORWARD,)


@dataclass(frozen=True)
class ServicePlan:
    """A service a container offers (from the scenario), for checks and probes."""

    name: str
    port: int
    protocol: str  # "tcp" | "udp"


@dataclass(frozen=True)
class ContainerPlan:
    name: str  # engine object name, e.g. "dmz-breach-c1-web"
    host: str  # scenario host name
    copy: int  # 0 for shared hosts
    image: str
    hostname: str
    interfaces: tuple[Interface, ...]
    labels: dict[str, str] = field(default_factory=dict)
    capabilities: tuple[str, ...] = ()  # added capabilities (only routers get NET_ADMIN)
    sysctls: dict[str, str] = field(default_factory=dict)
    memory: str = "256m"
    cpus: float = 0.5
    pids: int = 256
    command: tuple[str, ...] | None = None
    routes: tuple[Route, ...] = ()
    router: bool = False
    firewall_default: str = "accept"  # routers: forward-chain policy
    firewall: tuple[FirewallRulePlan, ...] = ()
    role: str = ROLE_HOST  # ROLE_HOST | ROLE_ROUTER | ROLE_CHECKER
    services: tuple[ServicePlan, ...] = ()

    def address_on(self, network_name: str) -> str | None:
        for interface in self.interfaces:
            if interface.network == network_name:
                return interface.address
        return None


@dataclass(frozen=True)
class GrantedNetwork:
    name: str  # NetworkPlan.name
    network: str  # scenario network name
    subnet: str
    gateway: str  # the engine host's address on it: VPN traffic enters the network here


@dataclass(frozen=True)
class GrantedHost:
    host: str  # scenario host name
    container: str  # ContainerPlan.name


@dataclass(frozen=True)
class AccessGrant:
    """What the people of one team instance (red, blue-1...) reach, per the scenario's access."""

    team: str  # team instance name, as users are assigned (blue-1)
    copy: int  # the instance's copy; 0 for teams without one (red, white)
    index: int  # 1.. in team order: numbers the instance's VPN endpoint
    client_subnet: str  # addresses of the instance's VPN clients (and its endpoint's .1)
    networks: tuple[GrantedNetwork, ...] = ()  # VPN clients reach these, nothing else
    hosts: tuple[GrantedHost, ...] = ()  # browser shells


@dataclass(frozen=True)
class Plan:
    range: str  # range name; every object carries it as LABEL_RANGE
    scenario: str
    copies: int
    networks: tuple[NetworkPlan, ...]
    containers: tuple[ContainerPlan, ...]
    access: tuple[AccessGrant, ...] = ()

    def grant(self, team: str) -> AccessGrant:
        for grant in self.access:
            if grant.team == team:
                return grant
        raise KeyError(f"no access for team {team!r}")

    def container(self, host: str, copy: int) -> ContainerPlan:
        for container in self.containers:
            if container.host == host and container.copy == copy:
                return container
        raise KeyError(f"no host {host!r} in copy {copy}")

    def container_named(self, name: str) -> ContainerPlan:
        for container in self.containers:
            if container.name == name:
                return container
        raise KeyError(f"no container {name!r}")

    def network(self, name: str) -> NetworkPlan:
        for network in self.networks:
            if network.name == name:
                return network
        raise KeyError(f"no network {name!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
