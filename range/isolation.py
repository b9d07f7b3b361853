"""Copy isolation: no container of copy i may reach any container of copy j.

Checked with the same packet model as ``reachability``. Routes only ever lead
to a copy's own and the shared networks, so the only foreign addresses a
container can try are those other copies' containers hold on shared networks
(or on networks it shares with them). We walk exactly those candidates, for
every port that any service or rule names for them plus one port nobody
names, so the check is exact yet touches far fewer pairs than all containers
squared.
"""

from __future__ import annotations

from ipaddress import IPv4Address

from range.errors import PlanError
from range.plan import Plan
from range.reach_model import ANY, Model, Target


def check_isolation(plan: Plan) -> None:
    """Raise PlanError, naming the path, if two copies could reach each other."""
    if plan.copies < 2:
        return
    model = Model(plan)
    for source in plan.containers:
        if source.copy == 0:
            continue
        for target in model.targets(source.name):
            if target.container.copy in (0, source.copy):
                continue
            _check_target(model, source.name, source.copy, target)


def _check_target(model: Model, source: str, copy: int, target: Target) -> None:
    if target.direct:
        tries: list[tuple[str, int | None]] = [(ANY, None)]
    else:
        tries = [*model.candidate_ports(target.container, target.address), ("tcp", None)]
    for protocol, port in tries:
        verdict = model.walk(source, target.address, protocol, port)
        if verdict.allowed:
            what = "any port" if port is None else f"{port}/{protocol}"
            other = target.container
            raise PlanError(
                f"copies {copy} and {other.copy} can reach each other: {source} reaches "
                f"{other.name} at {IPv4Address(target.address)} ({what}) via "
                f"{' -> '.join(verdict.path)}; check hosts.{other.host}.networks."
                f"{model.plan.network(target.network).network} and the routers' firewalls"
            )
