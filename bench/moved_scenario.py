"""dmz-breach copied with its subnets moved, so a bench never collides with another
range of the same scenario on a shared engine."""

from __future__ import annotations

import shutil
from pathlib import Path

from range.scenario.loader import LoadedScenario, load

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "dmz-breach"


def dmz_breach_moved(folder: Path, octets: tuple[int, int, int]) -> LoadedScenario:
    """dmz-breach in ``folder`` on 100.64.A.0/24, 10.B.{copy}.0/24 and 10.C.{copy}.0/24."""
    shared, dmz, internal = octets
    moves = {
        "198.51.100.": f"100.64.{shared}.",
        '"10.{copy}.1.': f'"10.{dmz}.{{copy}}.',
        '"10.{copy}.2.': f'"10.{internal}.{{copy}}.',
    }
    shutil.copytree(SCENARIO, folder)
    path = folder / "scenario.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in moves.items():
        if old not in text:
            raise SystemExit(f"{SCENARIO}/scenario.yaml no longer holds {old!r}: update {__file__}")
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return load(path, ROOT)
