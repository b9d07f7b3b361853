"""The Swarm backend: a Plan on a Docker swarm, one copy per node where it fits.

Networks are attachable overlays created on the manager (internal where the
plan says so). Swarm services cannot be given fixed addresses (verified: a
service's ``driver-opt=ipv4_address`` is ignored), so each host is a plain
container joined to the overlays with the plan's addresses, created through
the engine of the node chosen for its copy. Containers, labels, hashes, routes
and firewall rules are the Docker backend's own (docker_spec, docker_objects),
so apply/down/status/verify/reset behave alike: idempotent, repairing,
nothing left after `down`.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from range.backends.base import ApplyReport, ExecResult, HostStatus, ProgressCallback
from range.backends.docker_engine import DockerEngine
from range.backends.docker_objects import configure, create_container, remove_container
from range.backends.docker_parallel import run_parallel
from range.backends.docker_spec import container_hash
from range.backends.exec_session import ProcessSession
from range.backends.swarm_images import copy_images, docker_argv, require_images
from range.backends.swarm_nodes import Node, NodeEngines, list_nodes, manager_node_id
from range.backends.swarm_objects import (
    Found,
    check_network_conflicts,
    find_containers,
    info_labels,
    info_name,
    node_loads,
    remove_overlay,
)
from range.backends.swarm_placement import place
from range.backends.swarm_spec import (
    node_range,
    overlay_create_args,
    overlay_hash,
    taken_addresses,
)
from range.errors import BackendError, ConflictError, NotFoundError
from range.plan import LABEL_COPY, LABEL_HOST, LABEL_PLAN_HASH, ContainerPlan, NetworkPlan, Plan

EXEC_TIMEOUT_EXIT = 124
ATTACH_ATTEMPTS = 3
SWARM_WORKERS = 4  # overlay attachments queue at the manager: more at once only waits longer


@dataclass(frozen=True)
class _Diff:
    stale: tuple[Found, ...]
    stale_networks: tuple[str, ...]
    new_networks: tuple[NetworkPlan, ...]
    new_containers: tuple[ContainerPlan, ...]
    kept: tuple[tuple[ContainerPlan, Node], ...]


class SwarmBackend:
    name = "swarm"

    def __init__(self, engine: DockerEngine | None = None, workers: int = SWARM_WORKERS) -> None:
        self.manager = engine or DockerEngine()
        self.engines = NodeEngines(self.manager)
        self.workers = workers
        self._where: dict[str, Node] = {}  # container name → node, for exec
        self._lock = threading.Lock()

    def check_engine(self) -> None:
        self.manager.check()
        manager_node_id(self.manager)

    def nodes(self) -> list[Node]:
        return list_nodes(self.manager)

    def node_engine(self, node: Node) -> DockerEngine:
        return self.engines.engine(node)

    # ----------------------------------------------------------------- apply
    def _decide(self, plan: Plan) -> tuple[list[Node], dict[str, str], _Diff]:
        """Nodes, each network's address block and the diff; refuses what apply would."""
        self.check_engine()
        require_images(self.manager, sorted({c.image for c in plan.containers}))
        nodes = self.nodes()
        networks = {n.name: n for n in plan.networks}
        taken = taken_addresses(plan)
        ranges = {n.name: node_range(n, taken[n.name]) for n in plan.networks}
        diff = self._diff(plan, networks, ranges, nodes)
        check_network_conflicts(self.manager, plan.range, diff.new_networks)
        return nodes, ranges, diff

    def preflight(self, plan: Plan) -> None:
        nodes, _, diff = self._decide(plan)
        self._check_names(plan.range, diff.new_containers, nodes, diff.stale)

    def apply(self, plan: Plan, progress: ProgressCallback | None = None) -> ApplyReport:
        nodes, ranges, diff = self._decide(plan)
        networks = {n.name: n for n in plan.networks}
        fixed = {c.name: node.id for c, node in diff.kept}
        loads = node_loads(nodes, self.engines, plan.range)
        where = place([*(c for c, _ in diff.kept), *diff.new_containers], loads, fixed)
        by_id = {n.id: n for n in nodes}
        targets = {c.name: by_id[where[c.name]] for c in diff.new_containers}
        self._check_names(plan.range, diff.new_containers, nodes, diff.stale)
        self._remove(diff.stale, diff.stale_networks, progress)
        self._copy_images(plan, targets, progress)
        try:
            run_parallel(
                lambda n: self._create_network(plan.range, n, ranges[n.name]),
                diff.new_networks,
                progress,
                self.workers,
            ).raise_first()
            run_parallel(
                lambda c: self._create_container(plan.range, c, networks, targets[c.name]),
                diff.new_containers,
                progress,
                self.workers,
            ).raise_first()
        except BaseException:
            self._undo(plan.range, diff, nodes)
            raise
        run_parallel(
            lambda k: self._reconfigure(plan.range, *k), diff.kept, progress, self.workers
        ).raise_first()
        stale = {f.name for f in diff.stale}
        return ApplyReport(
            created=tuple(c.name for c in diff.new_containers if c.name not in stale),
            replaced=tuple(c.name for c in diff.new_containers if c.name in stale),
            unchanged=tuple(c.name for c, _ in diff.kept),
        )

    def _diff(
        self,
        plan: Plan,
        networks: dict[str, NetworkPlan],
        ranges: dict[str, str],
        nodes: list[Node],
    ) -> _Diff:
        have_n = {info_name(i): i for i in self.manager.labeled("network", plan.range)}
        stale_n = {
            name
            for name, info in have_n.items()
            if name not in networks
            or info_labels(info).get(LABEL_PLAN_HASH) != overlay_hash(networks[name], ranges[name])
        }
        wanted = {c.name: c for c in plan.containers}
        stale: list[Found] = []
        kept: dict[str, tuple[ContainerPlan, Node]] = {}
        for found in find_containers(nodes, self.engines, plan.range):
            plan_c = wanted.get(found.name)
            same = plan_c is not None and found.labels.get(LABEL_PLAN_HASH) == container_hash(
                plan_c, networks
            )
            joined = {i.network for i in plan_c.interfaces} if plan_c is not None else set()
            healthy = same and found.running and found.node.usable and not joined & stale_n
            # A name found twice in the cluster: only the first is kept.
            if plan_c is not None and healthy and found.name not in kept:
                kept[found.name] = (plan_c, found.node)
                continue
            stale.append(found)  # also route helpers left by a killed run: no host label
        return _Diff(
            stale=tuple(sorted(stale, key=lambda f: f.name)),
            stale_networks=tuple(sorted(stale_n)),
            new_networks=tuple(
                n for n in plan.networks if n.name in stale_n or n.name not in have_n
            ),
            new_containers=tuple(c for c in plan.containers if c.name not in kept),
            kept=tuple(kept[c.name] for c in plan.containers if c.name in kept),
        )

    def _check_names(
        self,
        range_name: str,
        containers: Sequence[ContainerPlan],
        nodes: list[Node],
        ours: Sequence[Found],
    ) -> None:
        """Refuse when a container outside the range holds a planned name on any node."""
        if not containers:
            return
        mine = {(f.node.id, str(f.info.get("Id", ""))) for f in ours}
        wanted = {c.name for c in containers}
        for node in nodes:
            if not node.reachable or node.state != "ready":
                continue
            for name, cid in self.engines.engine(node).container_names().items():
                if name in wanted and (node.id, cid) not in mine:
                    labels = self._labels_of(node, cid)
                    if labels.get("cyberrange.range") != range_name:
                        raise ConflictError(
                            f"container {name} already exists on node {node.hostname} and "
                            f"does not belong to range {range_name}: remove or rename it"
                        )

    def _labels_of(self, node: Node, cid: str) -> dict[str, str]:
        infos = self.engines.engine(node).inspect("container", [cid])
        return info_labels(infos[0]) if infos else {}

    def _copy_images(
        self, plan: Plan, targets: dict[str, Node], progress: ProgressCallback | None
    ) -> None:
        per_node: dict[str, tuple[Node, set[str]]] = {}
        for container in plan.containers:
            node = targets.get(container.name)
            if node is not None and not node.is_self:
                per_node.setdefault(node.id, (node, set()))[1].add(container.image)

        def one(item: tuple[Node, set[str]]) -> str:
            node, images = item
            loaded = copy_images(self.manager, self.engines.engine(node), sorted(images))
            return f"images on {node.hostname}: " + (", ".join(loaded) or "all present")

        run_parallel(one, list(per_node.values()), progress, self.workers).raise_first()

    def _create_network(self, range_name: str, network: NetworkPlan, ip_range: str) -> str:
        self.manager.run(
            overlay_create_args(range_name, network, ip_range), f"creating network {network.name}"
        )
        return f"network {network.name}"

    def _create_container(
        self, range_name: str, plan: ContainerPlan, networks: dict[str, NetworkPlan], node: Node
    ) -> str:
        with self._lock:
            self._where[plan.name] = node
        engine = self.engines.engine(node)
        for attempt in range(ATTACH_ATTEMPTS):
            try:
                create_container(engine, range_name, plan, networks)
                break
            except BackendError as exc:
                # A busy manager answers an overlay attachment after its 20s deadline;
                # the half-made container goes and the whole creation is tried again.
                if not _attach_timeout(exc) or attempt == ATTACH_ATTEMPTS - 1:
                    raise
                remove_container(engine, plan.name)
        return f"created {plan.host} (copy {plan.copy}) on {node.hostname}"

    def _reconfigure(self, range_name: str, plan: ContainerPlan, node: Node) -> str:
        configure(self.engines.engine(node), range_name, plan)
        return f"checked {plan.host} (copy {plan.copy}) on {node.hostname}"

    def _remove(
        self,
        containers: Sequence[Found],
        networks: Sequence[str],
        progress: ProgressCallback | None,
    ) -> int:
        gone = run_parallel(self._remove_found, containers, progress, self.workers)
        gone.raise_first()
        nets = run_parallel(self._remove_network, networks, progress, self.workers)
        nets.raise_first()
        return len(gone.done) + len(nets.done)

    def _remove_found(self, found: Found) -> str:
        remove_container(self.engines.engine(found.node), found.name)
        return f"removed {found.name} on {found.node.hostname}"

    def _remove_network(self, name: str) -> str:
        remove_overlay(self.manager, name)
        return f"removed network {name}"

    def _undo(self, range_name: str, diff: _Diff, nodes: list[Node]) -> None:
        """After a failed apply, remove what this apply created (only our labeled objects)."""
        new_c = {c.name for c in diff.new_containers}
        new_n = {n.name for n in diff.new_networks}
        ours = [
            f
            for f in find_containers(nodes, self.engines, range_name)
            if f.name in new_c or LABEL_HOST not in f.labels
        ]
        nets = [
            info_name(i)
            for i in self.manager.labeled("network", range_name)
            if info_name(i) in new_n
        ]
        run_parallel(self._remove_found, ours, None, self.workers)
        run_parallel(self._remove_network, nets, None, self.workers)

    # --------------------------------------------------------------- destroy
    def destroy(self, range_name: str, progress: ProgressCallback | None = None) -> int:
        self.check_engine()
        nodes = self.nodes()
        found = find_containers(nodes, self.engines, range_name)
        networks = [info_name(i) for i in self.manager.labeled("network", range_name)]
        removed = self._remove(found, networks, progress)
        volumes = 0
        for node in nodes:
            if node.reachable and node.state == "ready":
                engine = self.engines.engine(node)
                for volume in engine.labeled("volume", range_name):
                    engine.run(["volume", "rm", "-f", str(volume["Name"])], "removing a volume")
                    volumes += 1
        with self._lock:
            for item in found:
                self._where.pop(item.name, None)
        return removed + volumes

    # ---------------------------------------------------------------- status
    def status(self, range_name: str) -> list[HostStatus]:
        self.check_engine()
        hosts = []
        for found in find_containers(self.nodes(), self.engines, range_name):
            labels = found.labels
            if LABEL_HOST not in labels:
                continue  # a short-lived route helper
            with self._lock:
                self._where[found.name] = found.node
            state = found.info.get("State") or {}
            nets = (found.info.get("NetworkSettings") or {}).get("Networks") or {}
            hosts.append(
                HostStatus(
                    host=labels[LABEL_HOST],
                    copy=int(labels.get(LABEL_COPY, "0")),
                    container=found.name,
                    state=str(state.get("Status", "unknown")),
                    health=str((state.get("Health") or {}).get("Status", "none")),
                    addresses={n: str(d.get("IPAddress", "")) for n, d in nets.items()},
                    node=found.node.hostname,
                )
            )
        return sorted(hosts, key=lambda h: (h.copy, h.host))

    # -------------------------------------------------------------- recreate
    def recreate(self, plan: Plan, container: ContainerPlan) -> None:
        self.check_engine()
        require_images(self.manager, [container.image])
        nodes = self.nodes()
        found = find_containers(nodes, self.engines, plan.range)
        here = [f.node for f in found if f.name == container.name and f.node.usable]
        mates = [f.node for f in found if f.labels.get(LABEL_COPY) == str(container.copy)]
        candidates = here or [m for m in mates if m.usable]
        if candidates:
            node = candidates[0]
        else:
            loads = node_loads(nodes, self.engines, plan.range)
            node = {n.id: n for n in nodes}[place([container], loads)[container.name]]
        for item in found:
            if item.name == container.name:
                self._remove_found(item)
        if not node.is_self:
            copy_images(self.manager, self.engines.engine(node), [container.image])
        self._create_container(plan.range, container, {n.name: n for n in plan.networks}, node)

    # ------------------------------------------------------------------ exec
    def locate(self, range_name: str, container: str, fresh: bool = False) -> Node:
        """The node that runs a container of the range (remembered after the first look)."""
        with self._lock:
            node = None if fresh else self._where.get(container)
        if node is not None:
            return node
        found = find_containers(self.nodes(), self.engines, range_name, container)
        if not found:
            raise NotFoundError(f"range {range_name} has no container {container} on any node")
        with self._lock:
            self._where[container] = found[0].node
        return found[0].node

    def exec(
        self,
        range_name: str,
        container: str,
        argv: Sequence[str],
        timeout: float | None = None,
        user: str | None = None,
        stdin: str | None = None,
    ) -> ExecResult:
        args = ["exec", *(["-i"] if stdin is not None else [])]
        args += [*(["--user", user] if user is not None else []), container, *argv]
        node = self.locate(range_name, container)
        try:
            result = self.engines.engine(node).raw(args, stdin=stdin, timeout=timeout)
            if result.returncode != 0 and "No such container" in result.stderr:
                node = self.locate(range_name, container, fresh=True)  # it moved: ask again
                result = self.engines.engine(node).raw(args, stdin=stdin, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            return ExecResult(EXEC_TIMEOUT_EXIT, _text(exc.stdout), _text(exc.stderr), True)
        return ExecResult(result.returncode, result.stdout, result.stderr)

    def shell_argv(
        self,
        range_name: str,
        container: str,
        tty: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> list[str]:
        engine = self.engines.engine(self.locate(range_name, container))
        options = [f"--env={key}={value}" for key, value in (env or {}).items()]
        return docker_argv(
            engine, "exec", "-it" if tty else "-i", *options, container, "bash", "-l"
        )

    def open_session(self, range_name: str, container: str, argv: Sequence[str]) -> ProcessSession:
        """A long-lived `docker exec -i` on the container's node (checker agents)."""
        engine = self.engines.engine(self.locate(range_name, container))
        return ProcessSession(docker_argv(engine, "exec", "-i", container, *argv))

    def engine_args(self, range_name: str) -> dict[str, list[str]]:
        """Each container's node engine options (none for the manager's own node)."""
        found = find_containers(self.nodes(), self.engines, range_name)
        args = {f.name: self.engines.engine(f.node).global_args() for f in found}
        return {name: options for name, options in args.items() if options}


def _attach_timeout(error: BackendError) -> bool:
    text = str(error)
    return "attaching to network failed" in text or "context deadline exceeded" in text


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data
