"""The JSON API under /api/v1: every route is declared with
:func:`webui.api.registry.api_route` in the modules below, and the blueprint
and the OpenAPI document (/api/v1/openapi.json) are built from them."""

from __future__ import annotations

import importlib

from flask import Blueprint

from webui.api.registry import blueprint

ROUTE_MODULES = (
    "webui.api.openapi",
    "webui.api.people",
    "webui.api.members",
    "webui.api.exercises",
    "webui.api.flags",
    "webui.api.incidents",
    "webui.api.records",
    "webui.api.staff",
    "webui.api.challenges",
    "webui.api.access",
    "webui.api.messages",
)


def blueprints() -> list[Blueprint]:
    return [blueprint(importlib.import_module(name) for name in ROUTE_MODULES)]
