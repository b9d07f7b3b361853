"""Where each team's people open their browser terminals (printed by `demo --keep`)."""

from __future__ import annotations

from range.plan import Plan
from range.scenario.models import Scenario
from range.shell_grants import shell_grants


def terminal_urls(web_url: str, exercise: str, plan: Plan, scenario: Scenario) -> list[str]:
    """One line per team instance: its terminal pages, by the same grants the web UI checks."""
    teams = [t.name for t in scenario.teams if not t.role.defends]
    teams[1:1] = list(scenario.copy_owners().values())  # red, blue-1, blue-2…
    lines = []
    for team in teams:
        hosts = shell_grants(plan, scenario, team)
        if hosts:
            urls = [f"{web_url}/x/{exercise}/terminal/{c.host}/{c.copy}" for c in hosts]
            lines.append(f"{team}: " + "  ".join(urls))
    return lines
