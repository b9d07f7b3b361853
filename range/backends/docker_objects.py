"""Creating, configuring and removing single Docker objects of a range."""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from range.backends.base import ProgressCallback
from range.backends.docker_engine import DockerEngine, is_gone
from range.backends.docker_netns import host_can_enter, host_tool, run_in_netns
from range.backends.docker_spec import container_labels, network_create_args
from range.backends.net_spec import nft_ruleset, route_batch, routes_json
from range.errors import BackendError
from range.plan import LABEL_RANGE, ContainerPlan, NetworkPlan

RESTART_POLICY = "unless-stopped"
NET_ADMIN = "NET_ADMIN"
CONFIG_TIMEOUT = 60.0
ROUTES_JSON = ("-j", "route", "show", "table", "main")


def create_network(engine: DockerEngine, range_name: str, network: NetworkPlan) -> None:
    engine.run(network_create_args(range_name, network), f"creating network {network.name}")


def create_container(
    engine: DockerEngine, range_name: str, plan: ContainerPlan, networks: dict[str, NetworkPlan]
) -> None:
    """Create on the first network with its fixed address, connect the rest, start, configure."""
    if not plan.interfaces:
        raise BackendError(f"container {plan.name} has no network interface in the plan")
    first, *others = plan.interfaces
    what = f"creating container {plan.name}"
    engine.call(
        what,
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
    if plan.router:
        put_boot_config(engine, plan)
    engine.call(f"starting {plan.name}", engine.client.container.start, plan.name)
    configure(engine, range_name, plan)


def _aliases(plan: ContainerPlan, network: str, networks: dict[str, NetworkPlan]) -> list[str]:
    """The scenario host name resolves inside the host's own copy networks only."""
    net = networks.get(network)
    return [plan.host] if net is not None and net.copy == plan.copy else []


def put_boot_config(engine: DockerEngine, plan: ContainerPlan) -> None:
    """Write the router's ruleset and routes into it before it starts (/etc/cr/net).

    The image's init (cr-init, base image) loads them at every boot before any
    service, so a restart by anyone brings the router back as planned.
    """
    with tempfile.TemporaryDirectory(prefix="cr-net-") as tmp:
        folder = Path(tmp, "cr", "net")
        folder.mkdir(parents=True)
        (folder / "firewall.nft").write_text(nft_ruleset(plan), encoding="utf-8")
        (folder / "routes.json").write_text(routes_json(plan.routes), encoding="utf-8")
        engine.run(
            ["cp", str(folder.parent), f"{plan.name}:/etc/"], f"writing {plan.name}'s boot config"
        )


def configure(engine: DockerEngine, range_name: str, plan: ContainerPlan) -> None:
    """Make routes exactly the plan's and (routers) load the firewall; idempotent."""
    what = f"configuring the network of {plan.name}"
    if host_can_enter(engine, need_nft=plan.router):
        found = engine.run(["inspect", "--format", "{{.State.Pid}}", plan.name], what).strip()
        pid = int(found or 0)
        if plan.router:  # first: forwarding is on from the namespace's start
            run_in_netns(pid, [host_tool("nft"), "-f", "-"], nft_ruleset(plan), what)
        current = run_in_netns(pid, [host_tool("ip"), *ROUTES_JSON], None, what)
        batch = route_batch(plan.routes, json.loads(current or "[]"))
        if batch:
            run_in_netns(pid, [host_tool("ip"), "-batch", "-"], batch, what)
        return
    if plan.router:
        engine.run(
            ["exec", "-i", plan.name, "nft", "-f", "-"],
            f"loading the firewall of {plan.name}",
            stdin=nft_ruleset(plan),
            timeout=CONFIG_TIMEOUT,
        )
    # Reading routes needs no capability; only changing them does.
    current = engine.run(["exec", plan.name, "ip", *ROUTES_JSON], what, timeout=CONFIG_TIMEOUT)
    batch = route_batch(plan.routes, json.loads(current or "[]"))
    if batch:
        _install_routes(engine, range_name, plan, batch)


def _install_routes(engine: DockerEngine, range_name: str, plan: ContainerPlan, batch: str) -> None:
    what = f"installing routes in {plan.name}"
    if NET_ADMIN in plan.capabilities:
        engine.run(["exec", "-i", plan.name, "ip", "-batch", "-"], what, stdin=batch)
        return
    # The container itself stays without NET_ADMIN: a throw-away helper from the
    # same image joins its network namespace with NET_ADMIN for this one command.
    engine.run(
        [
            "run", "--rm", "-i", "--pull", "never",
            "--network", f"container:{plan.name}",
            "--cap-add", NET_ADMIN,
            "--memory", "64m", "--pids-limit", "32",
            "--label", f"{LABEL_RANGE}={range_name}",
            "--entrypoint", "ip",
            plan.image, "-batch", "-",
        ],
        what,
        stdin=batch,
        timeout=CONFIG_TIMEOUT,
    )  # fmt: skip


def remove_containers(
    engine: DockerEngine, names: Sequence[str], progress: ProgressCallback | None
) -> int:
    """Remove containers (and their anonymous volumes) with one `docker rm -f -v`.

    The CLI removes them in parallel and prints each name once it is gone, in
    argument order, so progress is still reported per container.
    """
    if not names:
        return 0
    removed = 0
    with tempfile.TemporaryFile(mode="w+") as errors:
        with subprocess.Popen(
            engine.argv(["rm", "-f", "-v", *names]),
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        ) as process:
            assert process.stdout is not None  # for mypy: we asked for a pipe
            for line in process.stdout:
                removed += 1
                if progress is not None:
                    progress(f"removed {line.strip()}")
        errors.seek(0)
        problems = [
            line
            for line in errors.read().splitlines()
            if line.strip() and not is_gone(BackendError(line))
        ]
    if problems:
        raise BackendError(f"removing containers: {'; '.join(problems)[:1000]}")
    return removed


def remove_container(engine: DockerEngine, name: str) -> None:
    result = engine.raw(["rm", "-f", "-v", name])
    if result.returncode != 0 and not is_gone(BackendError(result.stderr)):
        raise BackendError(f"removing container {name}: {result.stderr.strip()}")


def remove_network(engine: DockerEngine, name: str) -> None:
    result = engine.raw(["network", "rm", name])
    if result.returncode == 0 or is_gone(BackendError(result.stderr)):
        return
    if "active endpoints" in result.stderr:
        # Something outside the range joined our network: detach it, then retry.
        for info in engine.inspect("network", [name]):
            for endpoint in (info.get("Containers") or {}).values():
                engine.raw(["network", "disconnect", "-f", name, endpoint["Name"]])
        result = engine.raw(["network", "rm", name])
        if result.returncode == 0 or is_gone(BackendError(result.stderr)):
            return
    raise BackendError(f"removing network {name}: {result.stderr.strip()}")


def remove_volume(engine: DockerEngine, name: str) -> None:
    result = engine.raw(["volume", "rm", "-f", name])
    if result.returncode != 0 and not is_gone(BackendError(result.stderr)):
        raise BackendError(f"removing volume {name}: {result.stderr.strip()}")
