"""Exercise objectives (HSEEP): what the drill is meant to show, and what shows it.

Each objective names the capability it tests and ties itself to the parts of
the scenario whose facts measure it: hosts, services, ATT&CK techniques and
injects (by their position in ``injects``, from 0). The after-action report
rates each objective from those facts (records.aar).

```yaml
objectives:
  - id: detect-web-compromise
    title: Detect and report the compromise of the public shop within 10 minutes
    capability: Cybersecurity (detection and incident reporting)
    team: blue
    hosts: [web]
    techniques: [T1190]
    injects: [0]
```
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

_NAME = r"^[a-z][a-z0-9-]{0,30}$"  # the scenario language's names (models.NAME_PATTERN)


class Objective(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_NAME)
    title: str = Field(min_length=1)
    capability: str = ""
    team: str = Field(default="blue", description="The team role or team it is for.")
    hosts: list[str] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)
    techniques: list[str] = Field(default_factory=list)
    injects: list[int] = Field(default_factory=list, description="Positions in injects, from 0.")
