"""Write range/data/attack-enterprise.json from a checkout of MITRE's official ATT&CK STIX data.

Usage: python scripts/trim_attack_data.py GIT_DIR COMMIT VERSION
GIT_DIR is a clone of github.com/mitre/cti; COMMIT the commit read; VERSION the ATT&CK
release it carries (e.g. 18.1). Only what the records need is kept: each technique's
id, name, tactics (kill chain phases), STIX id, and whether it is revoked or deprecated;
each tactic's shortname and name. Run it again to move to a newer release.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "range" / "data" / "attack-enterprise.json"


def _objects(git_dir: str, commit: str, folder: str) -> list[dict[str, Any]]:
    names = subprocess.run(["git", "-C", git_dir, "ls-tree", "--name-only", commit, folder + "/"],
                           check=True, capture_output=True, text=True).stdout.split()
    found = []
    for name in names:
        text = subprocess.run(["git", "-C", git_dir, "show", f"{commit}:{name}"],
                              check=True, capture_output=True, text=True).stdout
        found.extend(json.loads(text)["objects"])
    return found


def _mitre_ref(obj: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in obj["external_references"] if r["source_name"] == "mitre-attack")


def main(git_dir: str, commit: str, version: str) -> None:
    techniques: dict[str, Any] = {}
    for obj in _objects(git_dir, commit, "enterprise-attack/attack-pattern"):
        ref = _mitre_ref(obj)
        known = techniques.get(ref["external_id"])
        if known and not known["revoked"] and obj.get("revoked"):
            continue  # a revoked object keeps its old id; the live one wins
        techniques[ref["external_id"]] = {
            "name": obj["name"], "stix_id": obj["id"], "url": ref["url"],
            "tactics": [p["phase_name"] for p in obj.get("kill_chain_phases", [])
                        if p["kill_chain_name"] == "mitre-attack"],
            "revoked": bool(obj.get("revoked")),
            "deprecated": bool(obj.get("x_mitre_deprecated")),
        }
    tactics = {}
    for obj in _objects(git_dir, commit, "enterprise-attack/x-mitre-tactic"):
        tactics[obj["x_mitre_shortname"]] = {"name": obj["name"],
                                            "id": _mitre_ref(obj)["external_id"]}
    data = {
        "source": "MITRE ATT&CK STIX data (github.com/mitre/cti, enterprise-attack)",
        "attack_version": version, "commit": commit, "domain": "enterprise-attack",
        "tactics": dict(sorted(tactics.items())),
        "techniques": dict(sorted(techniques.items())),
    }
    OUT.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
