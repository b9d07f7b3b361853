"""The Docker backend: makes a single engine's objects match a Plan.

Everything it creates carries the range's labels; apply compares what exists
(found by label) with the plan by a hash of each object's plan, so running it
again repairs a range: missing objects are created, drifted or stopped ones
replaced, the rest left alone, and leftovers of the range removed.
"""

from __future__ import annotations

import ipaddress
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from range.backends.base import ApplyReport, ExecResult, HostStatus, ProgressCallback
from range.backends.docker_engine import DockerEngine, image_build_hint
from range.backends.docker_hostfw import ensure_host_isolation
from range.backends.docker_objects import (
    configure,
    create_container,
    create_network,
    remove_container,
    remove_containers,
    remove_network,
    remove_volume,
)
from range.backends.docker_parallel import DEFAULT_WORKERS, run_parallel
from range.backends.docker_spec import container_hash, network_hash
from range.errors import ConflictError, ImageMissingError
from range.plan import (
    LABEL_COPY,
    LABEL_HOST,
    LABEL_PLAN_HASH,
    LABEL_RANGE,
    ContainerPlan,
    NetworkPlan,
    Plan,
)

EXEC_TIMEOUT_EXIT = 124  # what `timeout(1)` returns, for callers that only look at codes


@dataclass(frozen=True)
class _Diff:
    """What apply must do, computed before anything is touched."""

    stale_containers: tuple[str, ...]
    stale_networks: tuple[str, ...]
    new_networks: tuple[NetworkPlan, ...]
    new_containers: tuple[ContainerPlan, ...]
    kept_containers: tuple[ContainerPlan, ...]


def _labels(info: dict[str, Any]) -> dict[str, str]:
    labels = (info.get("Config") or {}).get("Labels") or info.get("Labels") or {}
    return dict(labels)


def _name(info: dict[str, Any]) -> str:
    return str(info.get("Name", "")).lstrip("/")


class DockerBackend:
    name = "docker"

    def __init__(self, engine: DockerEngine | None = None, workers: int = DEFAULT_WORKERS) -> None:
        self.engine = engine or DockerEngine()
        self.workers = workers

    def check_engine(self) -> None:
        self.engine.check()

    # ----------------------------------------------------------------- apply
    def preflight(self, plan: Plan) -> None:
        self._require_images(plan)
        self._check_conflicts(plan, self._diff(plan, {n.name: n for n in plan.networks}))

    def apply(self, plan: Plan, progress: ProgressCallback | None = None) -> ApplyReport:
        # No separate engine check: the first call below reports an unreachable engine.
        self._require_images(plan)
        ensure_host_isolation()
        networks = {n.name: n for n in plan.networks}
        diff = self._diff(plan, networks)
        self._check_conflicts(plan, diff)
        self._remove(diff.stale_containers, diff.stale_networks, progress)
        try:
            outcome = run_parallel(
                lambda n: self._create_network(plan.range, n),
                diff.new_networks,
                progress,
                self.workers,
            )
            outcome.raise_first()
            created = run_parallel(
                lambda c: self._create_container(plan.range, c, networks),
                diff.new_containers,
                progress,
                self.workers,
            )
            created.raise_first()
        except BaseException:
            self._undo(plan.range, diff)
            raise
        kept = run_parallel(
            lambda c: self._reconfigure(plan.range, c), diff.kept_containers, progress, self.workers
        )
        kept.raise_first()
        stale = set(diff.stale_containers)
        return ApplyReport(
            created=tuple(c.name for c in diff.new_containers if c.name not in stale),
            replaced=tuple(c.name for c in diff.new_containers if c.name in stale),
            unchanged=tuple(c.name for c in diff.kept_containers),
        )

    def _create_network(self, range_name: str, network: NetworkPlan) -> str:
        create_network(self.engine, range_name, network)
        return f"network {network.name}"

    def _create_container(
        self, range_name: str, plan: ContainerPlan, networks: dict[str, NetworkPlan]
    ) -> str:
        create_container(self.engine, range_name, plan, networks)
        return f"created {plan.host} (copy {plan.copy})"

    def _reconfigure(self, range_name: str, plan: ContainerPlan) -> str:
        configure(self.engine, range_name, plan)
        return f"checked {plan.host} (copy {plan.copy})"

    def _require_images(self, plan: Plan) -> None:
        images = sorted({c.image for c in plan.containers})
        present = self.engine.image_ids(images)
        missing = [image for image in images if image not in present]
        if missing:
            raise ImageMissingError("; ".join(image_build_hint(image) for image in missing))

    def _diff(self, plan: Plan, networks: dict[str, NetworkPlan]) -> _Diff:
        have_c = {_name(i): i for i in self.engine.labeled("container", plan.range)}
        have_n = {_name(i): i for i in self.engine.labeled("network", plan.range)}
        stale_n = {
            name
            for name, info in have_n.items()
            if name not in networks
            or _labels(info).get(LABEL_PLAN_HASH) != network_hash(networks[name])
        }
        wanted = {c.name: c for c in plan.containers}
        stale_c, kept = set(), []
        for name, info in have_c.items():
            plan_c = wanted.get(name)
            running = (info.get("State") or {}).get("Status") == "running"
            same = plan_c is not None and _labels(info).get(LABEL_PLAN_HASH) == container_hash(
                plan_c, networks
            )
            if plan_c is not None and same and running:
                kept.append(plan_c)
            else:
                stale_c.add(name)  # also helpers left by a killed run: they carry no host label
        return _Diff(
            stale_containers=tuple(sorted(stale_c)),
            stale_networks=tuple(sorted(stale_n)),
            new_networks=tuple(
                n for n in plan.networks if n.name in stale_n or n.name not in have_n
            ),
            new_containers=tuple(
                c for c in plan.containers if c.name in stale_c or c.name not in have_c
            ),
            kept_containers=tuple(kept),
        )

    def _check_conflicts(self, plan: Plan, diff: _Diff) -> None:
        """Refuse before touching anything when a foreign object holds a name or subnet."""
        if diff.new_networks:
            foreign = [
                info
                for info in self.engine.inspect("network", self.engine.list_ids("network"))
                if _labels(info).get(LABEL_RANGE) != plan.range
            ]
            for network in diff.new_networks:
                self._network_conflict(plan.range, network, foreign)
        if diff.new_containers:
            ours = set(self.engine.list_ids("container", f"{LABEL_RANGE}={plan.range}"))
            existing = self.engine.container_names()
            for container in diff.new_containers:
                found = existing.get(container.name)
                if found is not None and found not in ours:
                    raise ConflictError(
                        f"container {container.name} already exists and does not belong to "
                        f"range {plan.range}: remove or rename it"
                    )

    @staticmethod
    def _network_conflict(
        range_name: str, network: NetworkPlan, foreign: list[dict[str, Any]]
    ) -> None:
        subnet = ipaddress.ip_network(network.subnet)
        for info in foreign:
            if _name(info) == network.name:
                raise ConflictError(
                    f"network {network.name} already exists and does not belong to "
                    f"range {range_name}: remove or rename it"
                )
            for config in (info.get("IPAM") or {}).get("Config") or []:
                other = config.get("Subnet")
                if other and ipaddress.ip_network(other, strict=False).overlaps(subnet):
                    raise ConflictError(
                        f"subnet {subnet} of network {network.name} overlaps {other} of "
                        f"network {_name(info)}, which does not belong to range {range_name}"
                    )

    def _remove(
        self,
        containers: Sequence[str],
        networks: Sequence[str],
        progress: ProgressCallback | None,
    ) -> int:
        gone = remove_containers(self.engine, containers, progress)
        nets = run_parallel(self._remove_network, networks, progress, self.workers)
        nets.raise_first()
        return gone + len(nets.done)

    def _remove_network(self, name: str) -> str:
        remove_network(self.engine, name)
        return f"removed network {name}"

    def _undo(self, range_name: str, diff: _Diff) -> None:
        """After a failed apply, remove what this apply created (only our labeled objects)."""
        new_c = {c.name for c in diff.new_containers}
        new_n = {n.name for n in diff.new_networks}
        ours_c = [
            _name(i)
            for i in self.engine.labeled("container", range_name)
            if _name(i) in new_c or LABEL_HOST not in _labels(i)
        ]
        ours_n = [_name(i) for i in self.engine.labeled("network", range_name) if _name(i) in new_n]
        remove_containers(self.engine, ours_c, None)
        run_parallel(self._remove_network, ours_n, None, self.workers)

    # --------------------------------------------------------------- destroy
    def destroy(self, range_name: str, progress: ProgressCallback | None = None) -> int:
        containers = self.engine.labeled_names("container", range_name)
        networks = self.engine.labeled_names("network", range_name)
        removed = self._remove(containers, networks, progress)
        volumes = self.engine.labeled_names("volume", range_name)
        for volume in volumes:
            remove_volume(self.engine, volume)
        return removed + len(volumes)

    # ---------------------------------------------------------------- status
    def status(self, range_name: str) -> list[HostStatus]:
        self.check_engine()
        hosts = []
        for info in self.engine.labeled("container", range_name):
            labels = _labels(info)
            if LABEL_HOST not in labels:
                continue  # a short-lived configuration helper
            state = info.get("State") or {}
            nets = (info.get("NetworkSettings") or {}).get("Networks") or {}
            hosts.append(
                HostStatus(
                    host=labels[LABEL_HOST],
                    copy=int(labels.get(LABEL_COPY, "0")),
                    container=_name(info),
                    state=str(state.get("Status", "unknown")),
                    health=str((state.get("Health") or {}).get("Status", "none")),
                    addresses={n: str(d.get("IPAddress", "")) for n, d in nets.items()},
                )
            )
        return sorted(hosts, key=lambda h: (h.copy, h.host))

    # -------------------------------------------------------------- recreate
    def recreate(self, plan: Plan, container: ContainerPlan) -> None:
        self.check_engine()
        self._require_images(plan)
        remove_container(self.engine, container.name)
        create_container(self.engine, plan.range, container, {n.name: n for n in plan.networks})

    # ------------------------------------------------------------------ exec
    def exec(
        self,
        range_name: str,
        container: str,
        argv: Sequence[str],
        timeout: float | None = None,
        user: str | None = None,
        stdin: str | None = None,
    ) -> ExecResult:
        args = ["exec"]
        if stdin is not None:
            args.append("-i")
        if user is not None:
            args += ["--user", user]
        args += [container, *argv]
        try:
            result = self.engine.raw(args, stdin=stdin, timeout=timeout)
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
        options = [f"--env={key}={value}" for key, value in (env or {}).items()]
        return self.engine.argv(["exec", "-it" if tty else "-i", *options, container, "bash", "-l"])

    def engine_args(self, range_name: str) -> dict[str, list[str]]:
        args = self.engine.global_args()
        return {h.container: args for h in self.status(range_name)} if args else {}


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data
