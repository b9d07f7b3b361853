"""Request models of the API: strict JSON, unknown fields refused (422 naming them)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from range.errors import RecordError
from records.incidents import check_time
from scoring.ledger import MAX_POINTS
from webui.accounts import UserRole
from webui.inputs import MAX_ID

MAX_FLAGS_PER_REQUEST = 5000
MAX_EVIDENCE_FILES = 20  # files in one evidence upload

Text = Annotated[str, StringConstraints(max_length=2000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000)]


def _whole(value: object) -> object:
    """JSON Schema's integer includes 1.0: take a float with no fraction as that integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


RecordId = Annotated[int, BeforeValidator(_whole), Field(ge=1, le=MAX_ID)]
# Finite, bounded points: JSON has no NaN or Infinity, and neither does the ledger.
Points = Annotated[float, Field(ge=-MAX_POINTS, le=MAX_POINTS, allow_inf_nan=False)]


class Strict(BaseModel):
    """JSON bodies: exact types, no extra fields."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Lax(BaseModel):
    """Query strings and form fields arrive as text: convert, but no extra fields."""

    model_config = ConfigDict(extra="forbid")


class FlagBatch(Strict):
    flags: list[Annotated[str, StringConstraints(max_length=512)]] = Field(
        min_length=1, max_length=MAX_FLAGS_PER_REQUEST,
        description=f"1 to {MAX_FLAGS_PER_REQUEST} flags; each gets its own answer, in order.",
    )


class Observable(Strict):
    type: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    value: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


def _incident_time(moment: datetime) -> datetime:
    try:
        return check_time(moment, "time")
    except RecordError as exc:
        raise ValueError(str(exc).removeprefix("time: ")) from None


IncidentTime = Annotated[AwareDatetime, AfterValidator(_incident_time)]


class IncidentBody(Strict):
    """An incident report (TheHive / NIST SP 800-61 / RSIT fields)."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    description: Annotated[str, StringConstraints(max_length=20_000)] = ""
    severity: Literal["Info", "Low", "Medium", "High", "Critical"] = "Medium"
    tlp: Literal["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"] = "AMBER"
    pap: Literal["CLEAR", "GREEN", "AMBER", "RED"] = "AMBER"
    rsit_class: Name = "other"
    rsit_type: Name = "undetermined"
    start: IncidentTime | None = None
    end: IncidentTime | None = None
    techniques: list[Name] = Field(default_factory=list, max_length=50)
    hosts: list[Name] = Field(default_factory=list, max_length=50)
    observables: list[Observable] = Field(default_factory=list, max_length=200)


class EvidenceForm(Lax):
    """Multipart form fields sent with evidence files (the files go in ``file``)."""

    note: Text = ""
    csrf_token: Annotated[str, StringConstraints(max_length=512)] = Field(
        "", description="cookie sessions only: the page's CSRF token (or the X-CSRFToken header)")


class FindingConfirm(Strict):
    """Optional edits applied while confirming a finding."""

    title: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None
    description: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    severity: Literal["Info", "Low", "Medium", "High", "Critical"] | None = None
    mitigation: Text | None = None
    impact: Text | None = None


class InjectBody(Strict):
    to: Name = Field("all", description="a team instance, a role, a base team name, or all")
    message: Annotated[str, StringConstraints(min_length=1, max_length=4000)]


class HintBody(Strict):
    team: Name
    hint: Name = Field(description="the id of one of the scenario's hints")


class AdjustmentBody(Strict):
    team: Name
    points: Points
    reason: Reason


class InjectGradeBody(Strict):
    team: Name
    inject: Name = Field(description="the inject's reference")
    points: Points
    reason: Annotated[str, StringConstraints(max_length=2000)] = ""


class ReportGradeBody(Strict):
    incident_id: RecordId
    accept: bool
    points: Points | None = Field(None, description="default: the scenario's report points")
    reason: Reason


class TokenBody(Strict):
    label: Annotated[str, StringConstraints(max_length=200)] = ""


class UserBody(Strict):
    username: Name
    password: Annotated[str, StringConstraints(min_length=8, max_length=1000)]
    role: UserRole
    team: Name | None = None
    display_name: Annotated[str, StringConstraints(max_length=200)] = ""
    email: Annotated[str, StringConstraints(max_length=320)] = ""


class UserChange(Strict):
    active: bool | None = None
    team: Name | None = None


class ExplainQuery(Lax):
    team: Name
    category: Name


class PageQuery(Lax):
    limit: int = Field(500, ge=1, le=10_000)
    offset: int = Field(0, ge=0, le=MAX_ID)


class TeamPageQuery(PageQuery):
    team: Name | None = None


class ExportQuery(Lax):
    part: Annotated[str, StringConstraints(max_length=64)] = ""
