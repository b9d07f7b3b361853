"""Plans the range-engine unit tests share: one network, one router with a firewall."""

from __future__ import annotations

from range.plan import (
    HOOK_FORWARD,
    HOOK_INPUT,
    ContainerPlan,
    FirewallRulePlan,
    Interface,
    NetworkPlan,
    Route,
)

NET = NetworkPlan("r-c1-a", "a", 1, "10.9.1.0/24", "10.9.1.1")
GW = ContainerPlan(
    name="r-c1-gw",
    host="gw",
    copy=1,
    image="cyberrange/router",
    hostname="gw",
    interfaces=(Interface("r-c1-a", "10.9.1.2"),),
    capabilities=("NET_ADMIN",),
    router=True,
    firewall_default="drop",
    firewall=(
        FirewallRulePlan("drop", source="100.64.0.3/32", hooks=(HOOK_INPUT, HOOK_FORWARD)),
        FirewallRulePlan("accept", "10.9.1.0/24", "10.9.2.0/24", "tcp", (22, 80), 'say "hi"'),
        FirewallRulePlan("accept", None, "10.9.3.5", None, (53,)),
    ),
    routes=(Route("10.9.9.0/24", "10.9.1.3"), Route("default", "10.9.1.3")),
)
