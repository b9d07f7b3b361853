"""What `status` and `ranges` add to a range's recorded state: an `up` that died.

A range stays `deploying` when the `up` deploying it is killed (kill -9, a
crash, a reboot). The database cannot tell that from an `up` still at work;
the range's lock can (range.state.interrupted_deploy). These helpers turn
that into a line for people and a field for scripts, with the command that
repairs the range.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from cyberrange.context import AppContext
from range.errors import CyberrangeError
from range.lock import Holder
from range.scenario.loader import load
from range.state import RangeRecord, RangeState, interrupted_deploy


def interrupted(app: AppContext, records: list[RangeRecord]) -> dict[str, Holder]:
    """Range name → the process that was deploying it, for ranges whose `up` is gone."""
    found: dict[str, Holder] = {}
    for record in records:
        if record.state != RangeState.DEPLOYING:
            continue
        holder = interrupted_deploy(app.settings, app.engine, record.name)
        if holder is not None:
            found[record.name] = holder
    return found


def repair_command(app: AppContext, record: RangeRecord) -> str:
    """The `cyberrange up` that deploys the same plan again, as a shell line."""
    argv = ["cyberrange", "up", record.scenario_path, "--name", record.name]
    if _copies_given(app, record):
        argv += ["--copies", str(record.copies)]
    if record.backend != app.settings.backend:
        argv += ["--backend", record.backend]
    return shlex.join(argv)


def _copies_given(app: AppContext, record: RangeRecord) -> bool:
    """Whether `--copies` is needed (and allowed) to get the recorded copy count back."""
    try:
        scenario = load(Path(record.scenario_path), app.settings.root).scenario
    except CyberrangeError:
        # The file moved or no longer loads: `up` will say why; the hint
        # stays the plain command rather than guess an option.
        return False
    defenders = scenario.defending_teams()
    return len(defenders) == 1 and defenders[0].copies != record.copies


def interrupted_json(app: AppContext, record: RangeRecord, holder: Holder | None) -> Any:
    """The `interrupted` field of status/ranges JSON: null, or who died and the repair."""
    if holder is None:
        return None
    return {"pid": holder.pid, "since": holder.since, "repair": repair_command(app, record)}


def interrupted_text(app: AppContext, record: RangeRecord, holder: Holder) -> str:
    return (
        f"range {record.name} is still 'deploying' but the process that was deploying it "
        f"(pid {holder.pid}, since {holder.since}) is gone: run the same `cyberrange up` "
        f"again to repair it: {repair_command(app, record)}"
    )
