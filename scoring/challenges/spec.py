"""The ``challenge.yml`` model: ctfcli's challenge specification, key for key.

Keys are ctfcli's (``ctfcli/spec/challenge-example.yml``); any other key is an
error. Short forms are accepted as ctfcli accepts them: a flag or a hint may be
a plain string, ``requirements`` a list or ``{prerequisites, anonymize}``.
They are normalised to the long form *before* validation, so a problem inside
one is reported at its own line, not as a failed union.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FlagSpec(Strict):
    type: Literal["static", "regex"] = "static"
    content: str = Field(min_length=1)
    data: Literal["case_sensitive", "case_insensitive", ""] | None = None

    @property
    def case_insensitive(self) -> bool:
        return self.data == "case_insensitive"


class HintSpec(Strict):
    content: str
    cost: int = Field(default=0, ge=0)
    title: str | None = None
    key: str | None = None
    requirements: list[str | int] = Field(default_factory=list)


class Requirements(Strict):
    prerequisites: list[str | int] = Field(default_factory=list)
    anonymize: bool = False


class Dynamic(Strict):
    """``extra`` of a dynamic challenge (CTFd's DynamicChallenge columns)."""

    initial: int = Field(ge=0)
    decay: float = Field(ge=0)
    minimum: int = Field(ge=0)
    function: Literal["linear", "logarithmic"] = "logarithmic"


class Solution(Strict):
    path: str
    state: Literal["hidden", "visible", "solved"] = "hidden"


def _short_form(value: Any, key: str) -> Any:
    return {key: value} if isinstance(value, str) else value


class ChallengeSpec(Strict):
    name: str = Field(min_length=1)
    author: str | None = None
    category: str = Field(min_length=1)
    description: str = ""
    attribution: str | None = None
    value: int | None = Field(default=None, ge=0)
    type: Literal["standard", "dynamic"] = "standard"
    extra: dict[str, Any] = Field(default_factory=dict)
    image: str | None = None
    protocol: str | None = None
    host: str | None = None
    connection_info: str | None = None
    healthcheck: str | None = None
    solution: Solution | None = None
    attempts: int = Field(default=0, ge=0)  # wrong answers allowed per team; 0: no limit
    logic: Literal["any"] = "any"
    flags: list[FlagSpec] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    hints: list[HintSpec] = Field(default_factory=list)
    requirements: Requirements = Field(default_factory=Requirements)
    next: str | int | None = None
    scheduled_at: datetime | None = None
    module: str | None = None
    state: Literal["hidden", "visible"] = "visible"
    version: str | None = None

    @field_validator("flags", mode="before")
    @classmethod
    def _flag_strings(cls, value: Any) -> Any:
        return [_short_form(v, "content") for v in value] if isinstance(value, list) else value

    @field_validator("hints", mode="before")
    @classmethod
    def _hint_strings(cls, value: Any) -> Any:
        return [_short_form(v, "content") for v in value] if isinstance(value, list) else value

    @field_validator("requirements", mode="before")
    @classmethod
    def _requirement_list(cls, value: Any) -> Any:
        if value is None:
            return {}
        return {"prerequisites": value} if isinstance(value, list) else value

    @field_validator("solution", mode="before")
    @classmethod
    def _solution_path(cls, value: Any) -> Any:
        return _short_form(value, "path")

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

    @field_validator("scheduled_at")
    @classmethod
    def _explicit_zone(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("scheduled_at needs an explicit timezone offset (e.g. +00:00)")
        return value

    @model_validator(mode="after")
    def _value_or_dynamic(self) -> ChallengeSpec:
        # a dynamic challenge's ``extra`` is checked by the loader (to locate its errors)
        if self.type == "standard" and self.value is None:
            raise ValueError("a standard challenge needs a 'value' (its points)")
        return self

    @property
    def dynamic(self) -> Dynamic | None:
        return Dynamic.model_validate(self.extra) if self.type == "dynamic" else None

    @property
    def base_value(self) -> int:
        """Points before any solve: ``value``, or a dynamic challenge's ``initial``."""
        dynamic = self.dynamic
        return dynamic.initial if dynamic is not None else int(self.value or 0)
