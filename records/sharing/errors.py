"""Errors of the sharing feed (RecordError: the web layer answers 4xx)."""

from __future__ import annotations

from range.errors import RecordError


class SharingError(RecordError):
    """Input the feed refuses (invalid STIX, unknown marking...): nothing is stored."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SharingDenied(SharingError):
    """The caller may not do this (publish, relay) in this exercise."""
