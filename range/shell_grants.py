"""Which hosts a team may open a browser terminal on.

The one place that decides it, made to be replaced: :func:`shell_grants` is
the only function callers use. When the scenario has an ``access:`` section,
the plan carries each team instance's ``shell:`` hosts (``Plan.access``) and
those are the answer. For a scenario without one, a stopgap derives the
grants from what every scenario already says (to be dropped or replaced by
whatever the access language decides for that case):

- a defending team instance (``blue-1``…) gets the hosts of the copy it
  defends, except routers and the checker;
- any team gets the shared hosts (copy 0) whose scenario ``team`` names it
  (``attacker: {team: red, scope: shared}`` → the red team's attack box).
"""

from __future__ import annotations

from range.plan import ROLE_HOST, SHARED_COPY, ContainerPlan, Plan
from range.scenario.models import Scenario


def shell_grants(plan: Plan, scenario: Scenario, team: str) -> list[ContainerPlan]:
    """The containers of ``plan`` that the team instance ``team`` may shell into."""
    if plan.access:  # the scenario's own access: grants (none for a team it leaves out)
        named = {h.container for g in plan.access if g.team == team for h in g.hosts}
        return sorted(
            (c for c in plan.containers if c.name in named), key=lambda c: (c.copy, c.host)
        )
    return _derived(plan, scenario, team)


def _derived(plan: Plan, scenario: Scenario, team: str) -> list[ContainerPlan]:
    """Stopgap for scenarios without ``access:`` (see the module docstring)."""
    copies = {number for number, owner in scenario.copy_owners().items() if owner == team}
    names = {team, *(t.name for t in scenario.teams if team.startswith(f"{t.name}-"))}
    owned_shared = {name for name, host in scenario.hosts.items() if host.team in names}
    granted = []
    for container in plan.containers:
        if container.role != ROLE_HOST:  # routers and checkers are the range's, not a team's
            continue
        if container.copy in copies or (
            container.copy == SHARED_COPY and container.host in owned_shared
        ):
            granted.append(container)
    return sorted(granted, key=lambda c: (c.copy, c.host))
