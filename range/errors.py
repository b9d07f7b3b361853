"""The one exception tree of cyberrange.

Library code raises these; only the CLI and the web layer turn them into
messages and exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass


class CyberrangeError(Exception):
    """Root of every error cyberrange raises on purpose."""


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem in a scenario file."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: error: {self.message}"


class ScenarioError(CyberrangeError):
    """A scenario file is invalid; carries every problem found, with locations."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class PlanError(CyberrangeError):
    """A valid scenario cannot be turned into a safe plan (e.g. copies could meet)."""


class ConfigError(CyberrangeError):
    """Settings or the data directory are unusable."""


class NotFoundError(CyberrangeError):
    """A named range, exercise, team or record does not exist."""


class BackendError(CyberrangeError):
    """The container engine failed to do what the plan asked."""


class EngineUnavailableError(BackendError):
    """No container engine is reachable."""


class ImageMissingError(BackendError):
    """A plan needs an image that has not been built."""


class ConflictError(BackendError):
    """A name or address is already taken by an object outside the range."""


class RangeBusyError(BackendError):
    """Another process is already changing this range."""


class AccessError(CyberrangeError):
    """Participant access (VPN endpoint, peer, config) cannot be given or removed as asked."""


class ProvisionError(CyberrangeError):
    """An Ansible task failed; names the host, the task and Ansible's message."""

    def __init__(self, host: str, task: str, message: str) -> None:
        self.host, self.task, self.detail = host, task, message
        super().__init__(f"provisioning failed on {host}, task {task!r}: {message}")


class GameError(CyberrangeError):
    """An exercise operation is not possible in the exercise's current state."""


class RecordError(CyberrangeError):
    """A record, evidence file or export request is invalid."""


class DuplicateError(RecordError):
    """A once-only action was already done (e.g. a team already has this hint)."""
