"""Peak memory of a benchmark phase, sampled from /proc and the containers' cgroups.

Two figures, sampled every `interval` seconds in a background thread:

- process tree: the summed RSS (VmRSS) of this process and every descendant
  (ansible-playbook, its forks, the docker CLI processes they start). Shared
  pages count once per process, so this over-states the tree a little.
- containers: the summed cgroup v1 memory of the range's containers, as
  `rss` (anonymous memory) and `usage` (rss + page cache), read from
  /sys/fs/cgroup/memory/docker/<id>/. The Docker daemon itself is in neither.

CpuMeter adds the CPU seconds of a phase, which a loaded machine disturbs
less than wall time: the process tree's (getrusage) and the containers'
(cpuacct). The daemon's, containerd's and fuse-overlayfs' CPU is in neither.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

CGROUP_MEMORY = Path("/sys/fs/cgroup/memory")
CGROUP_CPU = Path("/sys/fs/cgroup/cpuacct")
REFRESH_IDS = 2.0  # seconds between `docker ps` calls: containers come and go per phase


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:  # the process ended while we looked
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss(root: int) -> int:
    """Bytes of RSS summed over `root` and all its descendants."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kib(pid)
        todo.extend(tree.get(pid, []))
    return total * 1024


def container_ids(range_name: str) -> list[str]:
    out = subprocess.run(
        ["docker", "ps", "-q", "--no-trunc", "--filter", f"label=cyberrange.range={range_name}"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return out.split()


def cgroup_memory(ids: list[str]) -> tuple[int, int]:
    """(rss, usage) bytes summed over the containers' memory cgroups."""
    rss = usage = 0
    for cid in ids:
        folder = CGROUP_MEMORY / "docker" / cid
        try:
            usage += int((folder / "memory.usage_in_bytes").read_text())
            for line in (folder / "memory.stat").read_text().splitlines():
                if line.startswith("total_rss "):
                    rss += int(line.split()[1])
        except (OSError, ValueError):  # removed meanwhile, or another cgroup layout
            continue
    return rss, usage


def container_cpu(ids: list[str]) -> dict[str, float]:
    """Container id -> CPU seconds it used since it started (cgroup v1 cpuacct)."""
    used = {}
    for cid in ids:
        try:
            used[cid] = int((CGROUP_CPU / "docker" / cid / "cpuacct.usage").read_text()) / 1e9
        except (OSError, ValueError):
            continue
    return used


def tree_cpu() -> float:
    """CPU seconds of this process and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime


@dataclass
class CpuMeter:
    """CPU seconds of one phase: the process tree's, and the range containers'.

    Containers removed during the phase take their counters with them, so the
    container figure means nothing for `down`.
    """

    range_name: str
    tree: float = 0.0
    containers: dict[str, float] = field(default_factory=dict)

    def start(self) -> CpuMeter:
        self.tree = tree_cpu()
        self.containers = container_cpu(container_ids(self.range_name))
        return self

    def stop(self) -> tuple[float, float]:
        """(process tree, containers) CPU seconds since start()."""
        now = container_cpu(container_ids(self.range_name))
        used = sum(value - self.containers.get(cid, 0.0) for cid, value in now.items())
        return tree_cpu() - self.tree, used


@dataclass
class Peaks:
    tree: int = 0
    container_rss: int = 0
    container_usage: int = 0


@dataclass
class MemorySampler:
    """Samples until stopped; `phase()` returns the peaks since the last call."""

    range_name: str
    interval: float = 0.5
    peaks: Peaks = field(default_factory=Peaks)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def start(self) -> MemorySampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def phase(self) -> Peaks:
        with self._lock:
            done, self.peaks = self.peaks, Peaks()
        return done

    def _run(self) -> None:
        ids: list[str] = []
        refreshed = 0.0
        while not self._stop.is_set():
            if time.monotonic() - refreshed > REFRESH_IDS:
                ids, refreshed = container_ids(self.range_name), time.monotonic()
            tree = tree_rss(os.getpid())
            rss, usage = cgroup_memory(ids)
            with self._lock:
                self.peaks.tree = max(self.peaks.tree, tree)
                self.peaks.container_rss = max(self.peaks.container_rss, rss)
                self.peaks.container_usage = max(self.peaks.container_usage, usage)
            self._stop.wait(self.interval)
