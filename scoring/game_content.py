"""What of a scenario the game depends on, and how two versions of it differ.

An exercise keeps a snapshot of the scenario it was created from (with its
copy count applied). Re-deploying a range may change the scenario; whether the
range can keep playing the same exercise depends only on the *game content*:
everything the exercise stores or derives from the scenario.

- timing: ``duration``, ``tick``, ``flag_lifetime``;
- teams: each team's name, role and copies (the exercise's team entries);
- per host carrying game items, in file order (service and flag slots are
  indexes in that order): its scope, owning team, services, objective flags
  and vulnerabilities (identity and rating, not their prose);
- ``injects`` (claimed by index), ``hints``, ``scoring``.

Everything else — title and descriptions, networks and addresses, images,
routers and firewalls, provisioning, limits — is infrastructure: changing it
repairs the range under the same exercise.

Pure functions over the JSON snapshot (``Scenario.model_dump(mode="json",
by_alias=True)``), so a stored snapshot and a new scenario compare the same way.
"""

from __future__ import annotations

from typing import Any

TIMING = ("duration", "tick", "flag_lifetime")
# Parts of a vulnerability that rate it; its title and prose may be reworded freely.
VULN_KEYS = ("id", "severity", "cwe", "attack", "cvss")


def game_content(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The game-relevant part of a scenario snapshot (comparable with ``==``)."""
    hosts = [
        [name, _host_content(host)]
        for name, host in (snapshot.get("hosts") or {}).items()
        if host.get("services") or host.get("flags") or host.get("vulnerabilities")
    ]
    return {
        **{key: snapshot.get(key) for key in TIMING},
        "teams": [[t["name"], t["role"], t.get("copies", 1)] for t in snapshot.get("teams") or []],
        "hosts": hosts,
        "injects": snapshot.get("injects") or [],
        "hints": snapshot.get("hints") or [],
        "scoring": snapshot.get("scoring") or {},
    }


def _host_content(host: dict[str, Any]) -> dict[str, Any]:
    return {
        "scope": host.get("scope", "copy"),
        "team": host.get("team"),
        "services": host.get("services") or [],
        "flags": host.get("flags") or [],
        "vulnerabilities": [
            {key: v.get(key) for key in VULN_KEYS} for v in host.get("vulnerabilities") or []
        ],
    }


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What changed between two snapshots' game content, in words ([] if nothing)."""
    before, after = game_content(old), game_content(new)
    changes = [
        f"{key.replace('_', ' ')} {before[key]} → {after[key]}"
        for key in TIMING
        if before[key] != after[key]
    ]
    changes += _team_changes(before["teams"], after["teams"])
    labels = {"hosts": "services, flags or vulnerabilities", "injects": "injects",
              "hints": "hints", "scoring": "scoring"}  # fmt: skip
    changes += [label for key, label in labels.items() if before[key] != after[key]]
    return changes


def _team_changes(before: list[list[Any]], after: list[list[Any]]) -> list[str]:
    if before == after:
        return []
    old = {name: (role, copies) for name, role, copies in before}
    new = {name: (role, copies) for name, role, copies in after}
    if old.keys() != new.keys() or any(old[n][0] != new[n][0] for n in old):
        return [f"teams {', '.join(old)} → {', '.join(new)}"]
    return [
        f"{name} copies {old[name][1]} → {new[name][1]}"
        for name in new
        if old[name][1] != new[name][1]
    ] or ["team order"]
