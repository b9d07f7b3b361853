"""Copy isolation: no container of copy i may reach any container of copy j.

Checked with the same packet model as ``reachability``. Routes only ever lead
to a copy's own and the shared networks, so the foreign addresses a container
can try are those other copies' containers hold on the networks it is on or
routes to (in practice: shared networks). For each source and each such
network, all foreign addresses are walked together (they share the route),
for every port any service or rule names for them plus one port nobody
names. That is exact, and linear in containers times shared-network members
instead of all containers squared.

Rules that name hosts or literal addresses need nothing special here: the
planner turns them into CIDR blocks like any network rule, the model walks
them the same way, and the ports they name join the ports tried. A rule on
copy 1's router naming copy 2's address still changes nothing, because the
isolation drops come first and routes never lead to another copy's networks.
"""

from __future__ import annotations

from ipaddress import IPv4Address

from range.errors import PlanError
from range.plan import ContainerPlan, Plan
from range.reach_model import ANY, Model, Target


def check_isolation(plan: Plan) -> None:
    """Raise PlanError, naming the path, if two copies could reach each other."""
    if plan.copies < 2:
        return
    model = Model(plan)
    # Network → its members of copies > 0: the only ones that can be foreign.
    copied = {
        network: [(c, a) for c, a in members if c.copy > 0]
        for network, members in model.members.items()
    }
    for source in plan.containers:
        if source.copy == 0:
            continue
        attached = model.address_on[source.name]
        for network in [*attached, *(n for n in model.routes[source.name] if n not in attached)]:
            targets = [
                Target(container, network, address, network in attached)
                for container, address in copied.get(network, [])
                if container.copy != source.copy
            ]
            if targets:
                _check_network(model, source, network, targets)


def _check_network(
    model: Model, source: ContainerPlan, network: str, targets: list[Target]
) -> None:
    if targets[0].direct:
        tries: set[tuple[str, int | None]] = {(ANY, None)}
    else:
        tries = {("tcp", None)}
        for target in targets:
            tries.update(model.candidate_ports(target.container, target.address))
    owners = {target.address: target.container for target in targets}
    for protocol, port in sorted(tries, key=str):
        verdicts = model.walk_set(source.name, network, list(owners), protocol, port)
        for address, verdict in verdicts.items():
            if verdict.allowed:
                _refuse(
                    model, source, owners[address], network, address, protocol, port, verdict.path
                )


def _refuse(
    model: Model,
    source: ContainerPlan,
    other: ContainerPlan,
    network: str,
    address: int,
    protocol: str,
    port: int | None,
    path: tuple[str, ...],
) -> None:
    what = "any port" if port is None else f"{port}/{protocol}"
    raise PlanError(
        f"copies {source.copy} and {other.copy} can reach each other: {source.name} reaches "
        f"{other.name} at {IPv4Address(address)} ({what}) via {' -> '.join(path)}; check "
        f"hosts.{other.host}.networks.{model.plan.network(network).network} and the routers' "
        "firewalls"
    )
