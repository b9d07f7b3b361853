"""CVSS v3.x base score from a vector (FIRST's CVSS v3.1 specification, section 7)."""

from __future__ import annotations

import math

from range.errors import RecordError

_WEIGHTS: dict[str, dict[str, float]] = {
    "AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
    "AC": {"L": 0.77, "H": 0.44},
    "UI": {"N": 0.85, "R": 0.62},
    "C": {"H": 0.56, "L": 0.22, "N": 0.0},
    "I": {"H": 0.56, "L": 0.22, "N": 0.0},
    "A": {"H": 0.56, "L": 0.22, "N": 0.0},
}
_PR = {"U": {"N": 0.85, "L": 0.62, "H": 0.27}, "C": {"N": 0.85, "L": 0.68, "H": 0.5}}
_REQUIRED = ("AV", "AC", "PR", "UI", "S", "C", "I", "A")


def roundup(value: float) -> float:
    """The specification's Roundup: smallest one-decimal number >= value."""
    integer = round(value * 100000)
    if integer % 10000 == 0:
        return integer / 100000.0
    return (math.floor(integer / 10000) + 1) / 10.0


def parse_vector(vector: str) -> dict[str, str]:
    prefix, _, rest = vector.partition("/")
    if prefix not in ("CVSS:3.0", "CVSS:3.1"):
        raise RecordError(f"not a CVSS v3 vector: {vector!r}")
    metrics = dict(part.split(":", 1) for part in rest.split("/") if ":" in part)
    for key in _REQUIRED:
        allowed = _PR["U"] if key == "PR" else {"U": 0, "C": 0} if key == "S" else _WEIGHTS[key]
        if metrics.get(key) not in allowed:
            raise RecordError(f"CVSS vector {vector!r}: missing or invalid metric {key}")
    return metrics


def base_score(vector: str) -> float:
    m = parse_vector(vector)
    changed = m["S"] == "C"
    iss = 1.0
    for key in ("C", "I", "A"):
        iss *= 1 - _WEIGHTS[key][m[key]]
    iss = 1 - iss
    impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if changed else 6.42 * iss
    exploitability = (8.22 * _WEIGHTS["AV"][m["AV"]] * _WEIGHTS["AC"][m["AC"]]
                      * _PR[m["S"]][m["PR"]] * _WEIGHTS["UI"][m["UI"]])
    if impact <= 0:
        return 0.0
    if changed:
        return roundup(min(1.08 * (impact + exploitability), 10))
    return roundup(min(impact + exploitability, 10))
