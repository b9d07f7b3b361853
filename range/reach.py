"""Reachability over a Plan, honouring routes and router firewalls.

``reachability(plan)`` answers, for every container and every address it can
try (addresses on its networks and on networks it has a route to), whether a
packet gets there. ``probe_set(plan)`` picks the few concrete probes a
``verify`` command runs from inside containers to prove the running range
behaves like the plan.

Semantics (the same the backend installs): hosts on one network reach each
other directly on any port; a routed packet passes every router on its path
only if the router's forward rules (first match wins, copy-isolation drops
first) or its default policy accept it; a router that is the destination
drops what its input-hook isolation rules drop; the destination needs a
route back; replies are implied (established/related).
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address

from range.copy_pairs import copy_pairs
from range.plan import ROLE_CHECKER, ContainerPlan, Plan
from range.reach_model import ANY, Model, Target
from range.reach_rules import rule_probes

# "Some port nobody allows": tried in this order, the first one that no
# service or rule of the destination names is used.
OTHER_PORTS = (9, 7, 13, 37, 79, 113, 119, 4444, 31337)


@dataclass(frozen=True)
class Reach:
    """Can ``source`` reach ``address`` (of ``destination``) on ``port``?

    ``port`` None: for a direct reach (``protocol`` "any"), every port; for a
    routed one, any port that no firewall rule names.
    """

    source: str  # container name
    destination: str  # container name
    address: str
    port: int | None
    protocol: str  # "tcp" | "udp" | "any"
    allowed: bool
    path: tuple[str, ...]  # container names: source, routers..., destination
    reason: str = ""


@dataclass(frozen=True)
class Probe:
    """One check to run inside container ``source``: connect to address:port.

    ``expect_allowed`` True: the packet must reach the destination (a TCP
    connection is accepted or refused/RST by the host); False: it must be
    dropped (no answer before the timeout). ``kind`` is "service", "rule",
    "other" (a port no rule allows), "copy" (copy-to-copy, always denied) or
    "host-rule" (a rule granting only some hosts, proven from inside and outside it).
    """

    source: str
    destination: str
    address: str
    port: int
    protocol: str  # "tcp" | "udp"
    expect_allowed: bool
    kind: str
    reason: str = ""


def reachability(plan: Plan) -> list[Reach]:
    """Every (source, destination address, port) the plan gives a way to try."""
    model = Model(plan)
    result: list[Reach] = []
    for source in plan.containers:
        by_network: dict[str, list[Target]] = {}
        for target in model.targets(source.name):
            by_network.setdefault(target.network, []).append(target)
        for network, targets in by_network.items():
            result.extend(_network_reaches(model, source.name, network, targets))
    return result


def _network_reaches(model: Model, source: str, network: str, targets: list[Target]) -> list[Reach]:
    """Reaches to the targets on one network; walked per port for all targets at once."""
    wanted: dict[int, list[tuple[str, int | None]]] = {}
    for target in targets:
        if target.direct:
            wanted[target.address] = [(ANY, None)]
        else:
            named = model.candidate_ports(target.container, target.address)
            wanted[target.address] = [*named, ("tcp", None)]
    by_port: dict[tuple[str, int | None], list[int]] = {}
    for address, keys in wanted.items():
        for key in keys:
            by_port.setdefault(key, []).append(address)
    verdicts = {
        (address, key): verdict
        for key, addresses in by_port.items()
        for address, verdict in model.walk_set(source, network, addresses, *key).items()
    }
    return [
        Reach(
            source,
            target.container.name,
            model.text[target.address],
            port,
            protocol,
            *verdicts[(target.address, (protocol, port))],
        )
        for target in targets
        for protocol, port in wanted[target.address]
    ]


def other_port(model: Model, target: Target) -> int:
    """A port that neither a service nor a rule names for the target's address."""
    named = {port for _, port in model.candidate_ports(target.container, target.address)}
    return next(port for port in OTHER_PORTS if port not in named)


def probe_set(plan: Plan) -> list[Probe]:
    """A small set of probes proving the firewall and copy isolation work.

    Per source container: every TCP service port and every TCP port a
    firewall rule names for an address it can try (one per destination
    subnet and port; hosts with services are preferred over routers), one
    port nobody allows per routed destination subnet, and copy-to-copy
    probes for the sampled pairs of ``copy_pairs`` (every copy as source
    and as destination; one per source and foreign network, expected
    denied). Then, for every rule that grants only some hosts of a network
    (a host, an address, a narrow CIDR), the probes of ``reach_rules``: the
    granted host allowed, another host of its network and another host of
    the destination's network denied. TCP only: a UDP probe gets no
    reliable answer. Deterministic order.
    """
    model = Model(plan)
    probes: list[Probe] = []
    seen: set[tuple[str, str, str, int | str]] = set()
    for source in plan.containers:
        # Hosts with services before routers, so deduplication keeps real services.
        targets = sorted(
            (t for t in model.targets(source.name) if t.container.role != ROLE_CHECKER),
            key=lambda t: (t.container.router, not t.container.services, t.address),
        )
        for target in targets:
            probes.extend(_target_probes(model, source.name, target, seen))
    by_copy: dict[int, list[ContainerPlan]] = {}
    for container in plan.containers:
        by_copy.setdefault(container.copy, []).append(container)
    for mine, theirs in copy_pairs(plan.copies):
        probes.extend(_copy_probes(model, by_copy, mine, theirs, seen))
    probes.extend(_host_rule_probes(model, probes))
    return probes


def _host_rule_probes(model: Model, already: list[Probe]) -> list[Probe]:
    """Probes proving host-restricted rules both ways (``reach_rules``), not yet in ``already``."""
    have = {(p.source, p.address, p.protocol, p.port) for p in already}
    result = []
    for found in rule_probes(model, lambda target: other_port(model, target)):
        probe = _probe(model, found.source, found.target, found.protocol, found.port, "host-rule")
        if (probe.source, probe.address, probe.protocol, probe.port) not in have:
            result.append(probe)
    return result


def _probe(model: Model, source: str, target: Target, proto: str, port: int, kind: str) -> Probe:
    verdict = model.walk(source, target.address, proto, port)
    address = str(IPv4Address(target.address))
    return Probe(
        source, target.container.name, address, port, proto, verdict.allowed, kind, verdict.reason
    )


def _target_probes(
    model: Model, source: str, target: Target, seen: set[tuple[str, str, str, int | str]]
) -> list[Probe]:
    result = []
    services = [(s.protocol, s.port) for s in target.container.services]
    # Direct neighbours reach every port: only their services are worth a probe.
    wanted = services if target.direct else model.candidate_ports(target.container, target.address)
    for proto, port in wanted:
        key = (source, target.network, proto, port)
        if proto == "tcp" and key not in seen:
            seen.add(key)
            kind = "service" if (proto, port) in services else "rule"
            result.append(_probe(model, source, target, proto, port, kind))
    if not target.direct and (source, target.network, "tcp", "other") not in seen:
        seen.add((source, target.network, "tcp", "other"))
        result.append(_probe(model, source, target, "tcp", other_port(model, target), "other"))
    return result


def _copy_probes(
    model: Model,
    by_copy: dict[int, list[ContainerPlan]],
    mine: int,
    theirs: int,
    seen: set[tuple[str, str, str, int | str]],
) -> list[Probe]:
    """From every non-checker container of copy ``mine``: one probe per network of ``theirs``."""
    result = []
    # Containers with services first: probing a real service proves more.
    foreign = sorted(
        by_copy.get(theirs, []),
        key=lambda c: (not c.services, c.role == ROLE_CHECKER, c.name),
    )
    for source in by_copy.get(mine, []):
        if source.role == ROLE_CHECKER:
            continue
        for container in foreign:
            for network, address in model.address_on[container.name].items():
                key = (source.name, network, "copy", theirs)
                if key in seen:
                    continue
                seen.add(key)
                target = Target(container, network, address, direct=False)
                tcp = [s for s in container.services if s.protocol == "tcp"]
                service = tcp[0] if tcp else None
                proto, port = (
                    (service.protocol, service.port)
                    if service
                    else ("tcp", other_port(model, target))
                )
                probe = _probe(model, source.name, target, proto, port, "copy")
                result.append(probe)
    return result
