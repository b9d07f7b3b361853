"""Firewall rules match networks, hosts, and literal IPv4 addresses or CIDRs."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_fixture_text import with_change

from range.errors import Problem, ScenarioError
from range.scenario.loader import load_text
from range.scenario.schema import json_schema

ROOT = Path(__file__).resolve().parents[3]
RULE = "{from: internet, to: dmz, ports: [80/tcp]}"


def with_rule(rule: str) -> str:
    return with_change(RULE, rule)


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(ScenarioError) as caught:
        load_text(text, "t.yaml", ROOT, ROOT)
    return caught.value.problems


@pytest.mark.parametrize(
    "rule",
    [
        "{from: attacker, to: web, ports: [80/tcp]}",
        "{from: 198.51.100.10, to: dmz, ports: [80/tcp]}",
        "{from: 198.51.100.0/28, to: web}",
        '{from: internet, to: "10.{copy}.1.10"}',
        '{from: "10.{copy}.2.0/24", to: 0.0.0.0/0}',
        "{from: db, to: internet}",
    ],
)
def test_rule_endpoints_may_be_hosts_and_addresses(rule: str) -> None:
    loaded = load_text(with_rule(rule), "t.yaml", ROOT, ROOT)
    assert loaded.scenario.hosts["gw"].firewall is not None


def test_unknown_name_says_what_rules_can_match() -> None:
    [problem] = problems_of(with_rule("{from: engineering, to: dmz}"))
    assert (problem.line, problem.column) == (26, 18)
    assert problem.message == (
        "firewall rule names 'engineering', which is no declared network or host: a rule "
        "matches a network (internet, dmz, internal), a host (attacker, gw, web, db), or an "
        "IPv4 address/CIDR like 10.1.2.3 or 10.{copy}.2.0/24"
    )


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("{from: 10.1.1.5/24, to: dmz}", "'10.1.1.5/24' is not a valid IPv4 address or CIDR"),
        ("{from: 300.1.1.1, to: dmz}", "'300.1.1.1' is not a valid IPv4 address or CIDR"),
        ('{from: "10.{copy}.1.0/33", to: dmz}', "address for copy 1: '10.1.1.0/33'"),
        ('{from: "10.{copy}.1.5/16", to: dmz}', "for copy 1: '10.1.1.5/16'"),
    ],
)
def test_bad_literal_addresses_are_located(rule: str, fragment: str) -> None:
    found = problems_of(with_rule(rule))
    assert [p.line for p in found] == [26], found
    assert fragment in found[0].message, found[0].message


def test_copy_token_must_work_for_every_copy() -> None:
    text = with_rule('{from: "10.2{copy}.1.0/24", to: dmz}').replace("copies: 2", "copies: 60")
    [problem] = problems_of(text)
    assert "for copy 56: '10.256.1.0/24' is not a valid IPv4 address" in problem.message


def test_a_name_both_network_and_host_is_ambiguous() -> None:
    text = with_change("  db:\n", "  dmz:\n").replace(RULE, "{from: internet, to: dmz}")
    found = problems_of(text)
    assert any("which is both a network and a host" in p.message for p in found), found


def test_network_the_router_is_not_on_is_still_refused() -> None:
    text = with_change("networks: [internet, dmz, internal]", "networks: [internet, internal]")
    found = problems_of(text)
    assert any("but router 'gw' is only on: internet, internal" in p.message for p in found)


def test_source_is_no_key_and_the_error_says_what_rules_take() -> None:
    found = problems_of(with_rule("{source: internet, to: dmz}"))
    unknown = next(p for p in found if "unknown key 'source'" in p.message)
    assert (unknown.line, unknown.column) == (26, 12)
    assert unknown.message.endswith(
        "(did you mean 'from'? expected one of: from, to, ports; from and to each name a "
        "network, a host, or an IPv4 address/CIDR)"
    )


def test_wrong_shape_of_an_endpoint_says_what_is_expected() -> None:
    found = problems_of(with_rule("{from: Web Server, to: dmz}"))
    assert any(
        "expected a network or host name, or an IPv4 address or CIDR like 10.1.2.3" in p.message
        and p.line == 26
        for p in found
    ), found


def test_schema_documents_rule_endpoints() -> None:
    rule = json_schema()["$defs"]["FirewallRule"]
    assert set(rule["properties"]) == {"from", "to", "ports"}
    assert "host" in rule["properties"]["from"]["description"]
    assert rule["properties"]["to"]["pattern"] == rule["properties"]["from"]["pattern"]
