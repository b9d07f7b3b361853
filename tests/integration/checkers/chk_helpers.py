"""A small real network for checker tests: a checker container and target containers.

Everything is labeled ``cyberrange.range=chktest-<pid>`` on subnet 10.61.0.0/24
and removed afterwards (only objects with that label).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from range.backends.docker import DockerBackend
from scoring.checkers.protocol import Job, Phase, run_batch
from scoring.checkers.status import CheckStatus

SUBNET = "10.61.0.0/24"
CHECKER_IP, TARGET_IP, WEB_IP = "10.61.0.5", "10.61.0.20", "10.61.0.30"


@dataclass(frozen=True)
class CheckNet:
    range_name: str
    checker: str
    target_ip: str
    web_ip: str | None
    backend: DockerBackend


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=check, timeout=120
    )


def image_exists(image: str) -> bool:
    return docker("image", "inspect", image, check=False).returncode == 0


def cleanup(range_name: str) -> None:
    label = f"label=cyberrange.range={range_name}"
    ids = docker("ps", "-aq", "--filter", label).stdout.split()
    if ids:
        docker("rm", "-f", *ids, check=False)
    for net in docker("network", "ls", "-q", "--filter", label).stdout.split():
        docker("network", "rm", net, check=False)


def run_container(range_name: str, name: str, image: str, ip: str) -> str:
    container = f"{range_name}-{name}"
    docker(
        "run", "-d", "--name", container, "--hostname", name,
        "--label", f"cyberrange.range={range_name}", "--label", "cyberrange.copy=1",
        "--label", f"cyberrange.host={name}", "--network", range_name, "--ip", ip,
        "--memory", "256m", "--pids-limit", "256", image,
    )  # fmt: skip
    return container


def wait_for(backend: DockerBackend, range_name: str, checker: str, ip: str, port: int) -> None:
    job = Job("w", ip, (Phase("check"),), 2.0, builtin={"kind": "tcp", "port": port})
    deadline = time.monotonic() + 240  # host keys are made at first start: slow on a busy box
    while time.monotonic() < deadline:
        if run_batch(backend, range_name, checker, [job], {})["w"][0].status is CheckStatus.OK:
            return
        time.sleep(0.5)
    pytest.fail(f"{ip}:{port} did not come up within 240 s")


@pytest.fixture(scope="session")
def checknet(docker_engine: None) -> Iterator[CheckNet]:
    range_name = f"chktest-{os.getpid()}"
    checker_image = (
        "cyberrange/checker" if image_exists("cyberrange/checker") else "cyberrange/base"
    )
    for image in (checker_image, "cyberrange/target"):
        if not image_exists(image):
            pytest.fail(f"image {image} is missing: build it with `cyberrange images build`")
    cleanup(range_name)
    docker("network", "create", "--label", f"cyberrange.range={range_name}",
           "--subnet", SUBNET, range_name)  # fmt: skip
    try:
        backend = DockerBackend()
        checker = run_container(range_name, "checker", checker_image, CHECKER_IP)
        run_container(range_name, "target", "cyberrange/target", TARGET_IP)
        web_ip = None
        if image_exists("cyberrange/web"):
            run_container(range_name, "web", "cyberrange/web", WEB_IP)
            web_ip = WEB_IP
        wait_for(backend, range_name, checker, TARGET_IP, 22)
        if web_ip:
            wait_for(backend, range_name, checker, web_ip, 80)
        yield CheckNet(range_name, checker, TARGET_IP, web_ip, backend)
    finally:
        cleanup(range_name)


@pytest.fixture
def web_ip(checknet: CheckNet) -> str:
    if checknet.web_ip is None:
        pytest.fail("image cyberrange/web is missing: build it with `cyberrange images build web`")
    return checknet.web_ip
