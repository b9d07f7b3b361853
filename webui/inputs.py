"""Bounds on what a request may carry, shared by pages and the API."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

MAX_ID = 2**63 - 1  # a 64-bit database integer: no record id can be larger


class BoundedInt(IntegerConverter):
    """``<int:...>`` that matches only ids a database can hold: a larger number in a
    path answers 404 (no such record) instead of an OverflowError from the driver."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
