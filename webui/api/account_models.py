"""Request bodies of the account lifecycle routes (tokens, passwords, membership)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from webui.credentials import MAX_TOKEN_DAYS

Label = Annotated[str, StringConstraints(max_length=200)]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewToken(_Strict):
    label: Label = ""
    expires_days: float = Field(90.0, gt=0, le=MAX_TOKEN_DAYS, allow_inf_nan=False)


class PasswordChange(_Strict):
    current_password: Secret
    new_password: Secret


class PasswordReset(_Strict):
    password: Secret


class MemberBody(_Strict):
    username: Name
    team: Name | None = None  # default: the account's default team
