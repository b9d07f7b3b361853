"""Semantic checks of firewall rules: what each ``from`` and ``to`` names.

A rule endpoint is a network the router is on (its subnet), a host (its
addresses; a per-copy host means the instance in the router's copy), or an
IPv4 address or CIDR, which may contain ``{copy}`` and must then be valid for
every copy. A name that is both a network and a host is refused: the rule
would not say which it means.
"""

from __future__ import annotations

from collections.abc import Iterator

from range.scenario.expand import COPY_TOKEN, expand_block
from range.scenario.finding import Finding
from range.scenario.locate import PathItem
from range.scenario.models import Scenario

EXAMPLE_LITERALS = "10.1.2.3 or 10.{copy}.2.0/24"


def firewall_findings(scenario: Scenario) -> Iterator[Finding]:
    for host_name, host in scenario.hosts.items():
        if not host.router or host.firewall is None:
            continue  # checks.py reports a firewall on a non-router
        for index, rule in enumerate(host.firewall.allow):
            for key, value in (("from", rule.source), ("to", rule.to)):
                path: tuple[PathItem, ...] = ("hosts", host_name, "firewall", "allow", index, key)
                message = _endpoint_problem(scenario, host_name, value)
                if message is not None:
                    yield Finding(path, message)


def _endpoint_problem(scenario: Scenario, router: str, value: str) -> str | None:
    is_network, is_host = value in scenario.networks, value in scenario.hosts
    if is_network and is_host:
        return (
            f"firewall rule names {value!r}, which is both a network and a host: "
            "rename one of them so the rule says which it means"
        )
    if is_network:
        attached = scenario.hosts[router].addresses()
        if value in attached:
            return None
        return (
            f"firewall rule names network {value!r}, but router {router!r} "
            f"is only on: {', '.join(attached)}"
        )
    if is_host:
        return None
    if value[:1].isdigit() or value.startswith(COPY_TOKEN):
        return _literal_problem(scenario, value)
    return (
        f"firewall rule names {value!r}, which is no declared network or host: a rule "
        f"matches a network ({', '.join(scenario.networks) or 'none declared'}), a host "
        f"({', '.join(scenario.hosts)}), or an IPv4 address/CIDR like {EXAMPLE_LITERALS}"
    )


def _literal_problem(scenario: Scenario, value: str) -> str | None:
    copies = range(1, scenario.copy_count() + 1) if COPY_TOKEN in value else range(1, 2)
    for copy in copies:
        try:
            expand_block(value, copy)
        except ValueError as exc:
            which = f" for copy {copy}" if COPY_TOKEN in value else ""
            return f"firewall rule address{which}: {exc}; expected an IPv4 address or CIDR"
    return None
