"""Creating and configuring a range container through an engine on another machine.

Why this adapter: the Docker backend's ``create_container``/``configure``
(docker_objects) set routes and router rulesets with ``nsenter`` into the
container's PID when the *process environment* says the engine is local
(``DOCKER_HOST`` unset). A swarm node's engine is reached with its own URL, so
that test does not hold for it: the PID belongs to another machine and must
never be entered here. For engines that are not this machine's, the same steps
run through the engine instead: a short-lived helper container for routes,
``docker exec nft`` for routers. Everything else (labels, hash, aliases, rule
and route texts) is the Docker backend's own.

The refactor that would make this module unnecessary: let
``docker_netns.host_can_enter`` take the engine and check
``engine.client.client_config.host`` as well as ``DOCKER_HOST``; then
``create_container`` and ``configure`` are right for every engine.
"""

from __future__ import annotations

from range.backends.docker_engine import DockerEngine
from range.backends.docker_hostfw import engine_is_local
from range.backends.docker_objects import (
    CONFIG_TIMEOUT,
    RESTART_POLICY,
    _aliases,
    _install_routes,
    configure,
    create_container,
)
from range.backends.docker_spec import container_labels, nft_ruleset
from range.errors import BackendError
from range.plan import ContainerPlan, NetworkPlan


def is_local(engine: DockerEngine) -> bool:
    """Whether the engine runs on this machine (so its PIDs are this machine's)."""
    host = engine.client.client_config.host
    if host is None:
        return engine_is_local()
    return str(host).startswith("unix://")


def create_on(
    engine: DockerEngine, range_name: str, plan: ContainerPlan, networks: dict[str, NetworkPlan]
) -> None:
    """The Docker backend's create + connect + start + configure, on any engine."""
    if is_local(engine):
        create_container(engine, range_name, plan, networks)
        return
    if not plan.interfaces:
        raise BackendError(f"container {plan.name} has no network interface in the plan")
    first, *others = plan.interfaces
    engine.call(
        f"creating container {plan.name}",
        engine.client.container.create,
        plan.image,
        list(plan.command or ()),
        name=plan.name,
        hostname=plan.hostname,
        labels=container_labels(range_name, plan, networks),
        networks=[first.network],
        ip=first.address,
        network_aliases=_aliases(plan, first.network, networks),
        cap_add=list(plan.capabilities),
        sysctl=dict(plan.sysctls),
        memory=plan.memory,
        cpus=plan.cpus,
        pids_limit=plan.pids,
        restart=RESTART_POLICY,
        privileged=False,
        pull="never",
    )
    for interface in others:
        alias = _aliases(plan, interface.network, networks)
        engine.call(
            f"connecting {plan.name} to {interface.network}",
            engine.client.network.connect,
            interface.network,
            plan.name,
            alias=alias[0] if alias else None,
            ip=interface.address,
        )
    engine.call(f"starting {plan.name}", engine.client.container.start, plan.name)
    configure_on(engine, range_name, plan)


def configure_on(engine: DockerEngine, range_name: str, plan: ContainerPlan) -> None:
    """Routes and (routers) the firewall, through the engine when it is not this machine's."""
    if is_local(engine):
        configure(engine, range_name, plan)
        return
    if plan.routes:
        _install_routes(engine, range_name, plan)
    if plan.router:
        engine.run(
            ["exec", "-i", plan.name, "nft", "-f", "-"],
            f"loading the firewall of {plan.name}",
            stdin=nft_ruleset(plan),
            timeout=CONFIG_TIMEOUT,
        )
