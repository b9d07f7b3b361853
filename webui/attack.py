"""ATT&CK (Enterprise) techniques offered by the incident report form.

Every technique the bundled scenarios use, plus common ones; a scenario's own
techniques are added at runtime (see :func:`techniques_for`). Names come from the
pinned ATT&CK data (range.taxonomy), never typed here.
"""

from __future__ import annotations

from range.scenario.models import Scenario
from range.taxonomy import technique

COMMON_TECHNIQUES: tuple[str, ...] = (
    "T1003", "T1005", "T1021", "T1021.004", "T1046", "T1048", "T1053", "T1059", "T1059.004",
    "T1068", "T1071", "T1078", "T1083", "T1098", "T1105", "T1110", "T1110.001", "T1110.003",
    "T1133", "T1136", "T1190", "T1203", "T1486", "T1498", "T1505.003", "T1543", "T1548",
    "T1552", "T1565", "T1566", "T1570", "T1595",
)


def techniques_for(scenario: Scenario | None) -> list[tuple[str, str]]:
    """Common techniques plus any the scenario names, sorted by id."""
    wanted = set(COMMON_TECHNIQUES)
    if scenario is not None:
        wanted |= {v.attack for h in scenario.hosts.values() for v in h.vulnerabilities
                   if v.attack}
        wanted |= {i.run.attack for i in scenario.injects if i.run is not None and i.run.attack}
    return sorted((t, technique(t).full_name) for t in wanted)
