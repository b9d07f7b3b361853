"""The scenario language: pydantic models, the contract trainers write against.

Unknown keys are errors everywhere (``extra="forbid"``). The JSON Schema that
`cyberrange schema` prints is generated from these classes.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from range.errors import PlanError
from range.scenario.objectives import Objective

SCHEMA_VERSION = "cyberrange/v1"

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
NAME_PATTERN = r"^[a-z][a-z0-9-]{0,30}$"
# A firewall rule endpoint: a network or host name, or an IPv4 address or CIDR
# whose octets may be {copy}. The semantic checks parse the address exactly.
_OCTET = r"(?:\d{1,3}|\d{0,2}\{copy\}\d{0,2})"
ENDPOINT_PATTERN = rf"^(?:[a-z][a-z0-9-]{{0,30}}|{_OCTET}(?:\.{_OCTET}){{3}}(?:/\d{{1,2}})?)$"


# Bounds that keep every number of a scenario far from the database's 64-bit
# integers and from overflowing timers: an exercise lasts at most a year.
MAX_SECONDS = 366 * 24 * 3600
MAX_POINTS = 1_000_000


def parse_duration(value: Any) -> int:
    """Turn ``90m``, ``30s``, ``1h30m`` (or a plain number of seconds) into seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration like 30s, 10m or 1h30m")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return _at_most_a_year(value)
    if isinstance(value, str):
        match = _DURATION.match(value.strip())
        if match and any(match.groups()) and max(len(g or "") for g in match.groups()) <= 12:
            hours, minutes, seconds = (int(g or 0) for g in match.groups())
            return _at_most_a_year(hours * 3600 + minutes * 60 + seconds)
    raise ValueError(f"expected a duration like 30s, 10m or 1h30m, got {value!r}")


def _at_most_a_year(seconds: int) -> int:
    if seconds > MAX_SECONDS:
        raise ValueError(f"a duration is at most 366 days ({MAX_SECONDS}s)")
    return seconds


def format_duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    return text + (f"{secs}s" if secs or not text else "")


Duration = Annotated[
    int,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^(\d+h)?(\d+m)?(\d+s)?$"},
                {"type": "integer", "minimum": 0},
            ],
            "description": "A duration: 30s, 10m, 1h30m, or seconds.",
        }
    ),
]

Name = Annotated[str, Field(pattern=NAME_PATTERN)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Role(StrEnum):
    RED = "red"
    BLUE = "blue"
    PURPLE = "purple"
    WHITE = "white"
    ISAC = "isac"  # an information sharing and analysis centre (relays the sharing feed)

    @property
    def defends(self) -> bool:
        """Defending teams get their own copy of the target network."""
        return self in (Role.BLUE, Role.PURPLE)

    @property
    def attacks(self) -> bool:
        return self in (Role.RED, Role.PURPLE)


class Scope(StrEnum):
    SHARED = "shared"  # one instance, reachable from every copy's shared edge
    COPY = "copy"  # one instance per defending copy


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Port(Strict):
    """A port and protocol, written ``80/tcp`` (protocol defaults to tcp)."""

    number: int = Field(ge=1, le=65535)
    protocol: Literal["tcp", "udp"] = "tcp"

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("expected a port like 80/tcp")
        if isinstance(value, int):
            return {"number": value}
        if isinstance(value, str):
            number, _, protocol = value.partition("/")
            if not number.isdigit() or protocol not in ("", "tcp", "udp"):
                raise ValueError(f"expected a port like 80/tcp or 53/udp, got {value!r}")
            return {"number": int(number), "protocol": protocol or "tcp"}
        return value

    def __str__(self) -> str:
        return f"{self.number}/{self.protocol}"


class Team(Strict):
    name: Name
    role: Role
    copies: int = Field(default=1, ge=1, le=250, description="Network copies (defenders).")
    description: str = ""


class Network(Strict):
    subnet: str = Field(description='IPv4 subnet; may contain "{copy}".')
    scope: Scope = Scope.COPY


Endpoint = Annotated[
    str,
    Field(
        pattern=ENDPOINT_PATTERN,
        description="A network, a host, or an IPv4 address or CIDR (may contain {copy}).",
    ),
]


class FirewallRule(Strict):
    """Traffic from ``from`` to ``to`` on ``ports`` passes the router.

    Only ``from`` is accepted for the source: ``source`` was once an
    undocumented synonym (through ``populate_by_name``) and is now an unknown key.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)

    source: Endpoint = Field(alias="from")
    to: Endpoint
    ports: list[Port] = Field(default_factory=list, description="Empty: every port.")


class Firewall(Strict):
    default: Literal["accept", "drop"] = "drop"
    allow: list[FirewallRule] = Field(default_factory=list)


class BuiltinCheck(StrEnum):
    TCP = "tcp"
    HTTP = "http"
    SSH = "ssh"


class Service(Strict):
    name: Name
    port: Port
    check: BuiltinCheck | None = None
    checker: str | None = Field(default=None, description="Checker script, relative path.")
    path: str = Field(default="/", description="HTTP check: path to request.")
    expect_status: int = Field(default=200, ge=100, le=599)
    expect_text: str | None = None

    @model_validator(mode="after")
    def _one_check(self) -> Service:
        if self.check is None and self.checker is None:
            return self.model_copy(update={"check": BuiltinCheck.TCP})
        if self.check is not None and self.checker is not None:
            raise ValueError("give either a built-in 'check' or a 'checker' script, not both")
        return self


class Vulnerability(Strict):
    id: Name
    title: str
    description: str = ""
    cwe: str | None = Field(default=None, pattern=r"^CWE-\d+$")
    attack: str | None = Field(default=None, pattern=r"^T\d{4}(\.\d{3})?$")
    severity: Severity = Severity.MEDIUM
    cvss: str | None = Field(default=None, pattern=r"^CVSS:(3\.[01]|4\.0)/.+$")
    mitigation: str = ""


class ObjectiveFlag(Strict):
    path: str = Field(pattern=r"^/")
    points: int = Field(default=100, ge=0, le=MAX_POINTS)
    owner: str = "root"
    group: str | None = None
    mode: str = Field(default="0600", pattern=r"^0?[0-7]{3,4}$")


class Limits(Strict):
    memory: str = Field(default="256m", pattern=r"^\d+[kmg]$")
    cpus: float = Field(default=0.5, gt=0, le=64)
    pids: int = Field(default=256, ge=16, le=1_000_000)


class Host(Strict):
    image: str
    scope: Scope = Scope.COPY
    team: Name | None = Field(default=None, description="Team that owns/uses the host.")
    networks: list[Name] | dict[Name, str | None]
    router: bool = False
    firewall: Firewall | None = None
    services: list[Service] = Field(default_factory=list)
    vulnerabilities: list[Vulnerability] = Field(default_factory=list)
    provision: list[str] = Field(default_factory=list, description="Roles or playbooks.")
    flags: list[ObjectiveFlag] = Field(default_factory=list)
    limits: Limits = Field(default_factory=Limits)
    command: list[str] | None = Field(default=None, description="Override the image command.")

    def addresses(self) -> dict[str, str | None]:
        """Network name → declared address template (None: planner assigns)."""
        if isinstance(self.networks, list):
            return dict.fromkeys(self.networks)
        return dict(self.networks)


class RunStep(Strict):
    """An automated step executed from a host: a playbook or a list of commands."""

    host: Name
    playbook: str | None = None
    commands: list[list[str]] = Field(default_factory=list, description="argv lists.")
    attack: str | None = Field(default=None, pattern=r"^T\d{4}(\.\d{3})?$")
    description: str = ""

    @model_validator(mode="after")
    def _one_action(self) -> RunStep:
        if (self.playbook is None) == (not self.commands):
            raise ValueError("a run step needs exactly one of 'playbook' or 'commands'")
        return self


class Inject(Strict):
    at: Duration
    to: str = Field(default="all", description="Team name, role, or 'all'.")
    message: str | None = None
    run: RunStep | None = None
    points: int = Field(default=0, ge=0, le=MAX_POINTS,
                        description="Points for a graded response.")

    @model_validator(mode="after")
    def _has_content(self) -> Inject:
        if self.message is None and self.run is None:
            raise ValueError("an inject needs a 'message', a 'run' step, or both")
        return self


class Hint(Strict):
    id: Name
    text: str
    penalty: int = Field(default=0, ge=0, le=MAX_POINTS)
    to: str = "all"


class Scoring(Strict):
    formula: str = "faust"
    weights: dict[str, Annotated[float, Field(ge=-1000, le=1000, allow_inf_nan=False)]] = Field(
        default_factory=dict)
    first_blood: float = Field(default=0.0, ge=0, le=MAX_POINTS, allow_inf_nan=False)
    report_deadline: Duration = Field(default=900)
    freeze: Duration | None = Field(default=None, description="Freeze this long before the end.")


class Organisation(Strict):
    """Teams that count as one organisation for TLP:AMBER(+STRICT), and its clients."""

    name: Name
    members: list[str] = Field(description="Team names or team instances (blue, blue-1).")
    clients: list[str] = Field(default_factory=list, description="Also receive its TLP:AMBER.")


class Sharing(Strict):
    """The exercise's sharing feed (docs/sharing.md): who plays the ISAC, who is one
    organisation, and how long after a red action a matching indicator scores."""

    isac: str | None = Field(default=None, description="Team playing the ISAC (default: the "
                             "first team with role isac, else the first white team).")
    organisations: list[Organisation] = Field(default_factory=list)
    deadline: Duration = Field(default=900, description="Indicators score this long after.")


class OrgKind(StrEnum):
    CSIRT = "csirt"
    VENDOR = "vendor"
    REGULATOR = "regulator"
    PRESS = "press"
    OTHER = "other"


class ExternalOrganisation(Strict):
    """An outside party (foreign CSIRT, vendor, regulator, press) the white cell plays."""

    name: Name
    kind: OrgKind
    title: str = Field(default="", description="Shown to teams, e.g. 'CERT-XY (foreign CSIRT)'.")


class SitrepRule(Strict):
    """Teams ``to`` file a SITREP every ``every``; the white cell grades each by ``rubric``."""

    every: Duration
    to: str = Field(default="blue", description="Team name, role, or 'all'.")
    rubric: dict[Name, int] = Field(
        default_factory=lambda: {"accuracy": 4, "completeness": 3, "actions": 3},
        description="Criterion -> its maximum points.")


class AnswerRequest(Strict):
    """An inject that needs an answer: ``from`` asks ``to`` at ``at``, due ``due`` later."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)

    at: Duration
    sender: Name = Field(alias="from", description="An organisation, or white-cell.")
    to: str = Field(description="Team name, role, or 'all'.")
    subject: str
    message: str
    due: Duration
    points: int = Field(default=0, ge=0, description="Most points a graded answer earns.")


class Coordination(Strict):
    """Messages, requests for information and SITREPs (docs/coordination.md)."""

    organisations: list[ExternalOrganisation] = Field(default_factory=list)
    sitrep: SitrepRule | None = None
    requests: list[AnswerRequest] = Field(default_factory=list)


class Access(Strict):
    """What the people of a team get: VPN into networks, browser shells on hosts.

    Names mean the team's own copy for defending teams; non-defending teams
    (red, white) are granted shared networks and hosts only.
    """

    vpn: list[Name] = Field(default_factory=list, description="Networks VPN clients reach.")
    shell: list[Name] = Field(default_factory=list, description="Hosts with a browser shell.")


class Scenario(Strict):
    schema_version: Literal["cyberrange/v1"] = Field(alias="schema")
    name: Name
    title: str
    description: str = ""
    duration: Duration
    tick: Duration = Field(default=60)
    flag_lifetime: int = Field(default=5, ge=1, le=10_000, description="In ticks.")
    teams: list[Team]
    networks: dict[Name, Network]
    hosts: dict[Name, Host]
    injects: list[Inject] = Field(default_factory=list)
    hints: list[Hint] = Field(default_factory=list)
    scoring: Scoring = Field(default_factory=Scoring)
    sharing: Sharing = Field(default_factory=Sharing)
    coordination: Coordination = Field(default_factory=Coordination)
    objectives: list[Objective] = Field(default_factory=list)
    external_images: list[str] = Field(
        default_factory=list, description="Images not built from docker/ (pre-loaded)."
    )
    access: dict[Name, Access] = Field(
        default_factory=dict, description="Per team role or team name: what its people reach."
    )

    @field_validator("teams")
    @classmethod
    def _some_team(cls, teams: list[Team]) -> list[Team]:
        if not teams:
            raise ValueError("a scenario needs at least one team")
        return teams

    def defending_teams(self) -> list[Team]:
        return [t for t in self.teams if t.role.defends]

    def copy_count(self) -> int:
        return max(1, sum(t.copies for t in self.defending_teams()))

    def copy_owners(self) -> dict[int, str]:
        """Copy number → name of the team instance that defends it (blue-1, blue-2…)."""
        owners: dict[int, str] = {}
        number = 1
        for team in self.defending_teams():
            for index in range(1, team.copies + 1):
                owners[number] = f"{team.name}-{index}" if team.copies > 1 else team.name
                number += 1
        return owners

    def access_for(self, team: Team) -> Access | None:
        """The team's grant: its own entry by team name first, else its role's."""
        return self.access.get(team.name) or self.access.get(team.role.value)

    def with_copies(self, copies: int) -> Scenario:
        """The same scenario with its single defending team given ``copies`` copies."""
        defenders = self.defending_teams()
        if len(defenders) != 1:
            raise PlanError("--copies needs a scenario with exactly one defending team")
        teams = [
            t.model_copy(update={"copies": copies}) if t is defenders[0] else t for t in self.teams
        ]
        return self.model_copy(update={"teams": teams})
