"""`cyberrange plan` and `cyberrange graph` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner
from plan_scenarios import DMZ, edit, scenario  # type: ignore[import-not-found]

from cyberrange.cli import cli
from range.planner import make_plan


def run(*args: str) -> tuple[int, str, str]:
    # A wide console, so rich does not fold names across lines.
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def _write(tmp_path: Path, text: str = DMZ) -> str:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_plan_prints_networks_containers_routes_and_firewall(tmp_path: Path) -> None:
    code, out, err = run("plan", _write(tmp_path))
    assert code == 0, err
    for text in ("dmz-breach-c2-internal", "10.2.2.0/24", "dmz-breach-c1-checker", "198.51.100.3"):
        assert text in out
    assert "Routes" in out and "Router firewalls" in out and "drop (default)" in out


def test_plan_json_is_the_plan(tmp_path: Path) -> None:
    code, out, err = run("plan", _write(tmp_path), "--json", "--name", "plan-cli", "--copies", "3")
    assert code == 0, err
    data = json.loads(out)
    expected = make_plan(scenario(DMZ), range_name="plan-cli", copies=3).to_dict()
    assert data == json.loads(json.dumps(expected))
    assert data["range"] == "plan-cli" and data["copies"] == 3


def test_plan_reach_prints_the_matrix(tmp_path: Path) -> None:
    code, out, err = run("plan", _write(tmp_path), "--reach")
    assert code == 0, err
    assert "web@1:80/tcp" in out and "db@2:5432/tcp" in out
    attacker = next(line for line in out.splitlines() if "attacker" in line)
    assert attacker.count("allowed") == 2 and attacker.count("denied") == 2
    web = next(line for line in out.splitlines() if "│ web@1" in line)
    assert "allowed" in web and "no route" in web


def test_plan_refuses_copies_that_meet(tmp_path: Path) -> None:
    data = edit(DMZ)
    data["hosts"]["web"]["networks"] = ["dmz", "internet"]  # type: ignore[index]
    code, _, err = run("plan", _write(tmp_path, yaml.safe_dump(data)))
    assert code == 1
    assert "error: copies 1 and 2 can reach each other" in err
    assert "Traceback" not in err


def test_plan_reports_scenario_errors_with_locations(tmp_path: Path) -> None:
    file = _write(tmp_path, DMZ.replace("duration: 90m", "duration: soon"))
    code, _, err = run("plan", file)
    assert code == 1
    assert f"{file}:5:" in err


def test_graph_writes_an_svg_with_the_host_names(tmp_path: Path) -> None:
    out_file = tmp_path / "range.svg"
    code, _, err = run("graph", _write(tmp_path), "--copies", "3", "-o", str(out_file))
    assert code == 0, err
    text = out_file.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text and text.rstrip().endswith("</svg>")
    for name in ("attacker", "gw", "web", "db", "checker", "copy 3", "10.3.2.20"):
        assert name in text


def test_graph_png_and_a_bad_suffix(tmp_path: Path) -> None:
    png = tmp_path / "range.png"
    code, _, err = run("graph", _write(tmp_path), "-o", str(png))
    assert code == 0, err
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    code, _, err = run("graph", _write(tmp_path), "-o", str(tmp_path / "range.gif"))
    assert code == 1 and "use .svg or .png" in err
