"""`cyberrange plan FILE --reach --json`: the reachability as JSON, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from plan_scenarios import DMZ, scenario  # type: ignore[import-not-found]

from cyberrange.cli import cli
from range.planner import make_plan
from range.reach import reachability


def _reach_json(tmp_path: Path, *extra: str) -> dict[str, Any]:
    path = tmp_path / "scenario.yaml"
    path.write_text(DMZ, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["plan", str(path), "--reach", "--json", *extra], catch_exceptions=False
    )
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _one(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, found
    return found[0]


def test_plan_reach_json_prints_every_reach_not_the_plan(tmp_path: Path) -> None:
    data = _reach_json(tmp_path, "--name", "rj", "--copies", "3")
    assert "containers" not in data and "networks" not in data
    assert (data["range"], data["scenario"], data["copies"]) == ("rj", "dmz-breach", 3)
    rows = data["reaches"]
    expected = reachability(make_plan(scenario(DMZ), range_name="rj", copies=3))
    assert len(rows) == len(expected)
    shop = _one(rows, source="rj-attacker", destination="rj-c3-web", port=80)
    assert shop == {
        "source": "rj-attacker",
        "source_host": "attacker",
        "source_copy": 0,
        "destination": "rj-c3-web",
        "destination_host": "web",
        "destination_copy": 3,
        "address": "10.3.1.10",
        "port": 80,
        "protocol": "tcp",
        "allowed": True,
        "path": ["rj-attacker", "rj-c3-gw", "rj-c3-web"],
        "reason": shop["reason"],
    }
    database = _one(rows, source_host="attacker", destination="rj-c1-db", port=5432)
    assert database["allowed"] is False and database["reason"] == "dropped by rj-c1-gw"
    direct = _one(rows, source="rj-c2-checker", destination="rj-c2-db")
    assert (direct["protocol"], direct["port"], direct["allowed"]) == ("any", None, True)
    # copies never meet, and the JSON says so row by row
    assert not any(
        r["allowed"]
        for r in rows
        if 0 not in (r["source_copy"], r["destination_copy"])
        and r["source_copy"] != r["destination_copy"]
    )


def test_plan_json_without_reach_is_still_the_plan(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(DMZ, encoding="utf-8")
    result = CliRunner().invoke(cli, ["plan", str(path), "--json"], catch_exceptions=False)
    assert result.exit_code == 0 and "containers" in json.loads(result.stdout)
