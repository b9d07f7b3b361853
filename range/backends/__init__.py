"""Backends execute a Plan on a container engine.

`get_backend` picks one by the settings' backend name from a fixed registry;
adding an engine (e.g. Swarm) means adding one entry here.
"""

from __future__ import annotations

from collections.abc import Callable

from range.backends.base import Backend
from range.config import Settings
from range.errors import ConfigError


def _docker() -> Backend:
    # Imported on demand: only backend modules load the engine client.
    from range.backends.docker import DockerBackend

    return DockerBackend()


def _swarm() -> Backend:
    from range.backends.swarm import SwarmBackend

    return SwarmBackend()


def backend_factories() -> dict[str, Callable[[], Backend]]:
    return {"docker": _docker, "swarm": _swarm}


def get_backend(settings: Settings) -> Backend:
    factories = backend_factories()
    factory = factories.get(settings.backend)
    if factory is None:
        known = ", ".join(sorted(factories))
        raise ConfigError(f"unknown backend {settings.backend!r}: choose one of {known}")
    return factory()
