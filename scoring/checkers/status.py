"""Check statuses of the public attack-defense checker protocol and their exit codes."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class CheckStatus(StrEnum):
    OK = "OK"
    CORRUPT = "CORRUPT"  # the service runs but lost the flag
    MUMBLE = "MUMBLE"  # the service answers wrongly
    DOWN = "DOWN"  # the service cannot be reached
    CHECK_FAILED = "CHECK_FAILED"  # the checker itself failed (not the team's fault)
    # FAUST: the service works (new flag stored, check passed) but a flag of an
    # earlier tick is gone; never an exit code, decided by scoring.checkers.runner
    RECOVERING = "RECOVERING"


EXIT_CODES: dict[int, CheckStatus] = {
    101: CheckStatus.OK,
    102: CheckStatus.CORRUPT,
    103: CheckStatus.MUMBLE,
    104: CheckStatus.DOWN,
    110: CheckStatus.CHECK_FAILED,
}

# Worst first: a service that is down says more than one that mumbles.
_SEVERITY = {
    CheckStatus.DOWN: 4,
    CheckStatus.MUMBLE: 3,
    CheckStatus.CORRUPT: 2,
    CheckStatus.CHECK_FAILED: 1,
    CheckStatus.RECOVERING: 0.5,
    CheckStatus.OK: 0,
}


def status_of_exit_code(code: int) -> CheckStatus:
    """The protocol's meaning of an exit code; anything unknown is CHECK_FAILED."""
    return EXIT_CODES.get(code, CheckStatus.CHECK_FAILED)


def worst(statuses: Iterable[CheckStatus]) -> CheckStatus:
    """OK when every phase was OK (or there were none), else the worst status."""
    return max(statuses, key=_SEVERITY.__getitem__, default=CheckStatus.OK)
