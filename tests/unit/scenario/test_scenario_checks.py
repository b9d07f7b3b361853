"""Semantic checks: each one fires on its own, at the offending node."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_fixture_text import BASE, with_change

from range.errors import Problem, ScenarioError
from range.scenario.checks import KNOWN_FORMULAS, run_checks
from range.scenario.loader import load_text

ROOT = Path(__file__).resolve().parents[3]

TWO_BLUE_TEAMS = (
    "  - {name: blue, role: blue, copies: 200}\n  - {name: teal, role: purple, copies: 100}"
)

# (old fragment, new fragment, expected line, expected message fragment)
SEMANTIC: list[tuple[str, str, int, str]] = [
    ("    team: red", "    team: green", 17, "names undeclared team 'green' (declared: red, blue)"),
    (
        "    team: red",
        "    team: blue",
        17,
        "shared host 'attacker' cannot belong to defending team",
    ),
    (
        "networks: [internet, dmz, internal]",
        "networks: [internet, dmz, lab]",
        22,
        "host 'gw' is on undeclared network 'lab'",
    ),
    (
        "{internet: 198.51.100.10}",
        "{outside: 198.51.100.10}",
        18,
        "host 'attacker' is on undeclared network 'outside'",
    ),
    (
        "{from: internet, to: dmz",
        "{from: internet, to: lab",
        26,
        "firewall rule names 'lab', which is no declared network or host: a rule matches a "
        "network (internet, dmz, internal), a host (attacker, gw, web, db), or an IPv4 "
        "address/CIDR",
    ),
    (
        "{from: internet, to: dmz",
        "{from: internet, to: dmz}\n        - {from: dmz, to: office",
        27,
        "firewall rule names 'office', which is no declared network or host",
    ),
    ("to: blue, message", "to: green, message", 39, "unknown recipient 'green'"),
    (
        "text: Try a quote, to: red",
        "text: Try a quote, to: nobody",
        41,
        "unknown recipient 'nobody'",
    ),
    (
        "  - {name: blue, role: blue, copies: 2}",
        "  - {name: blue, role: blue, copies: 2}\n  - {name: blue, role: white}",
        9,
        "duplicate team name 'blue'",
    ),
    (
        "{name: shop, port: 80/tcp, check: http}",
        "{name: shop, port: 80/tcp, check: http}\n      - {name: shop, port: 81/tcp}",
        32,
        "duplicate service name 'shop' in host 'web'",
    ),
    (
        'internal: "10.{copy}.2.20"',
        'internal: "10.{copy}.2.20"\n    vulnerabilities:\n      - {id: sqli, title: again}',
        39,
        "duplicate vulnerability id 'sqli' across the scenario",
    ),
    (
        "hints:\n  - {id: quote, text: Try a quote, to: red}",
        "hints:\n  - {id: quote, text: Try a quote, to: red}\n  - {id: quote, text: again}",
        42,
        "duplicate hint id 'quote'",
    ),
    (
        "internet: {subnet: 198.51.100.0/24",
        'internet: {subnet: "198.51.{copy}.0/24"',
        10,
        "shared network 'internet' exists once: its subnet cannot use {copy}",
    ),
    (
        "{internet: 198.51.100.10}",
        '{internet: "198.51.100.{copy}"}',
        18,
        "shared host 'attacker' exists once: its address cannot use {copy}",
    ),
    (
        'internal: {subnet: "10.{copy}.2.0/24"}',
        'internal: {subnet: "10.{copy}.1.128/25"}',
        12,
        "subnet 10.1.1.128/25 of network 'internal' (copy 1) overlaps 10.1.1.0/24 of network 'dmz'",
    ),
    (
        'internal: {subnet: "10.{copy}.2.0/24"}',
        'internal: {subnet: "10.{copy}.2.0/24"}\n  lab: {subnet: 10.2.0.0/16, scope: shared}',
        11,
        "subnet 10.2.1.0/24 of network 'dmz' (copy 2) overlaps 10.2.0.0/16 of network 'lab'",
    ),
    ("10.{copy}.1.10", "10.{copy}.3.10", 29, "address 10.1.3.10 for copy 1 is outside"),
    ("10.{copy}.1.10", "10.{copy}.1.0", 29, "is the network address of 10.1.1.0/24"),
    ("10.{copy}.1.10", "10.{copy}.1.255", 29, "is the broadcast address of 10.1.1.0/24"),
    ("10.{copy}.1.10", "10.{copy}.1.1", 29, "kept for the engine's gateway"),
    (
        'internal: "10.{copy}.2.20"',
        'internal: "10.{copy}.2.20"\n      dmz: "10.{copy}.1.10"',
        38,
        "address 10.1.1.10 on network 'dmz' for copy 1 is already used by host 'web'",
    ),
    (
        "    image: ext/web\n    networks:\n",
        "    image: ext/web\n    networks:\n      internet: 198.51.100.50\n",
        37,
        "on network 'internet' for copy 2 is already used by host 'db' (copy 1)",
    ),
    ("10.{copy}.1.10", "10.{copy}.1.x", 29, "invalid address for copy 1: '10.1.1.x' is not"),
    (
        "  - {name: blue, role: blue, copies: 2}",
        TWO_BLUE_TEAMS,
        12,
        "invalid subnet for copy 256: '10.256.1.0/24' is not a valid IPv4 subnet",
    ),
    (
        'dmz: {subnet: "10.{copy}.1.0/24"}',
        'dmz: {subnet: "10.9.1.0/24"}',
        11,
        "so its subnet needs {copy}",
    ),
    (
        'dmz: {subnet: "10.{copy}.1.0/24"}',
        'dmz: {subnet: "10.{copy}.1.0/30"}',
        11,
        "too small: use /29 or larger",
    ),
    (
        "networks: [internet, dmz, internal]",
        "networks: [internet]",
        22,
        "router 'gw' needs at least two networks, has 1",
    ),
    ("    router: true\n", "", 22, "host 'gw' has a firewall but is not a router"),
    (
        "networks: [internet, dmz, internal]",
        "networks: [internet, internal]",
        26,
        "firewall rule names network 'dmz', but router 'gw' is only on: internet, internal",
    ),
    ("tick: 30s", "tick: 0s", 5, "tick must be at least 1s"),
    ("tick: 30s", "tick: 1h", 5, "tick (3600s) is longer than the exercise duration (1800s)"),
    ("{at: 10m", "{at: 31m", 39, "inject at 1860s comes after the end of the exercise"),
    ("scoring:\n", "scoring:\n  freeze: 1h\n", 43, "freeze (3600s) is longer than"),
    (
        "to: blue, message: Intel report}",
        "to: blue, message: Intel report, run: {host: ghost, commands: [[id]]}}",
        39,
        "run step on undeclared host 'ghost' (declared: attacker, gw, web, db)",
    ),
    (
        "to: blue, message: Intel report}",
        "to: blue, message: Intel report, run: {host: attacker, playbook: nope.yml}}",
        39,
        "playbook 'nope.yml' not found",
    ),
    ("check: http}", "checker: checkers/none.py}", 31, "checker 'checkers/none.py' not found"),
    (
        "    image: ext/web\n    networks: {dmz",
        "    image: ext/web\n    provision: [roles/none]\n    networks: {dmz",
        29,
        "role or playbook 'roles/none' not found",
    ),
    (
        "    image: ext/router",
        "    image: cyberrange/nothing",
        20,
        "image 'cyberrange/nothing' has no Dockerfile",
    ),
    (
        "    image: ext/router",
        "    image: somewhere/else",
        20,
        "list other images under external_images",
    ),
    ("formula: faust", "formula: elo", 43, "unknown scoring formula 'elo' (expected one of: faust"),
]


def problems_of(text: str, directory: Path = ROOT) -> list[Problem]:
    with pytest.raises(ScenarioError) as caught:
        load_text(text, "t.yaml", directory, ROOT)
    return caught.value.problems


@pytest.mark.parametrize(
    ("old", "new", "line", "fragment"), SEMANTIC, ids=[c[1][:40] for c in SEMANTIC]
)
def test_semantic_check(old: str, new: str, line: int, fragment: str) -> None:
    found = problems_of(with_change(old, new))
    matching = [p for p in found if fragment in p.message]
    assert matching, [str(p) for p in found]
    assert matching[0].line == line, str(matching[0])


def test_every_known_formula_is_accepted() -> None:
    for formula in KNOWN_FORMULAS:
        load_text(with_change("formula: faust", f"formula: {formula}"), "t.yaml", ROOT, ROOT)


def test_formulas_are_passed_in() -> None:
    loaded = load_text(BASE, "t.yaml", ROOT, ROOT)
    findings = run_checks(loaded.scenario, ROOT, ROOT, formulas=("elo",))
    assert [f.path for f in findings] == [("scoring", "formula")]


def test_assets_are_found_next_to_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "checkers").mkdir()
    (tmp_path / "checkers" / "shop.py").write_text("#!/usr/bin/env python3\n")
    (tmp_path / "roles" / "shop").mkdir(parents=True)
    (tmp_path / "attacks").mkdir()
    (tmp_path / "attacks" / "go.yml").write_text("- hosts: all\n")
    text = with_change("check: http}", "checker: checkers/shop.py}")
    text = text.replace(
        "    image: ext/web\n    networks: {dmz",
        "    image: ext/web\n    provision: [roles/shop]\n    networks: {dmz",
    )
    text = text.replace(
        "to: blue, message: Intel report}",
        "to: blue, message: Intel report, run: {host: attacker, playbook: attacks/go.yml}}",
    )
    loaded = load_text(text, "t.yaml", tmp_path, ROOT)
    assert loaded.scenario.hosts["web"].provision == ["roles/shop"]


def test_per_copy_host_on_shared_network_without_address_is_fine() -> None:
    load_text(
        with_change("networks:\n      internal:", "networks:\n      internet:\n      internal:"),
        "t.yaml",
        ROOT,
        ROOT,
    )


def test_one_copy_allows_a_fixed_per_copy_subnet() -> None:
    text = with_change("  - {name: blue, role: blue, copies: 2}", "  - {name: blue, role: blue}")
    text = text.replace('"10.{copy}.1.0/24"', "10.9.1.0/24").replace(
        '"10.{copy}.1.10"', "10.9.1.10"
    )
    assert load_text(text, "t.yaml", ROOT, ROOT).scenario.copy_count() == 1


def test_overlap_is_reported_once_per_pair() -> None:
    found = problems_of(
        with_change(
            'internal: {subnet: "10.{copy}.2.0/24"}', 'internal: {subnet: "10.{copy}.1.0/24"}'
        )
    )
    overlaps = [p for p in found if "overlaps" in p.message]
    assert len(overlaps) == 1


@pytest.mark.parametrize(("technique", "fragment"), [
    ("T1999", "T1999 is not an ATT&CK technique (ATT&CK v18.1)"),
    ("T1100", "T1100 (Web Shell) is revoked in ATT&CK v18.1"),
])
def test_attack_technique_must_exist_in_the_pinned_release(technique: str, fragment: str) -> None:
    found = problems_of(with_change("cwe: CWE-89}", f"cwe: CWE-89, attack: {technique}}}"))
    matching = [p for p in found if fragment in p.message]
    assert matching and matching[0].line == 33, [str(p) for p in found]


def test_live_technique_is_accepted() -> None:
    load_text(with_change("cwe: CWE-89}", "cwe: CWE-89, attack: T1190}"), "t.yaml", ROOT, ROOT)


def test_cvss_vector_with_a_repeated_metric_is_refused() -> None:
    vector = "CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N"
    found = problems_of(with_change("cwe: CWE-89}", f"cwe: CWE-89, cvss: '{vector}'}}"))
    assert any("Duplicate metric" in p.message and p.line == 33 for p in found), found


def test_objectives_name_what_the_scenario_has() -> None:
    images = "external_images: [ext/attacker, ext/router, ext/web]"
    block = ("\nobjectives:\n  - {id: detect, title: Detect it, hosts: [web, mail],"
             " techniques: [T1999], injects: [7], team: green}")
    found = problems_of(with_change(images, images + block))
    messages = sorted(p.message for p in found)
    assert any("undeclared host 'mail'" in m for m in messages), messages
    assert any("T1999 is not an ATT&CK technique" in m for m in messages), messages
    assert any("names inject 7" in m for m in messages), messages
    assert any("is for 'green'" in m for m in messages), messages


def test_bundled_scenario_objectives_load() -> None:
    loaded = load_text((ROOT / "scenarios/dmz-breach/scenario.yaml").read_text(),
                       "scenario.yaml", ROOT / "scenarios/dmz-breach", ROOT)
    assert [o.id for o in loaded.scenario.objectives][:1] == ["detect-shop-breach"]
