"""Errors of coordination (RecordError: the web layer answers 4xx, nothing stored)."""

from __future__ import annotations

from range.errors import RecordError


class CoordinationError(RecordError):
    """Input coordination refuses; ``status`` is the HTTP answer the API gives."""

    status = 422

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class CoordinationDenied(CoordinationError):
    """The caller may not do this (speak as that party, grade, write as auditor)."""

    status = 403


class CannotReceive(CoordinationError):
    """A recipient that is unknown, or that takes no part in coordination (red)."""


class AttachmentTooLarge(CoordinationError):
    """An attachment over the evidence store's limit."""

    status = 413


class NotAParty(CoordinationError):
    """A thread the caller is no party to: told it does not exist."""

    status = 404
