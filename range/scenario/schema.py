"""The JSON Schema of the scenario language, generated from the models.

Editors (VS Code's YAML extension, JetBrains) use it for completion and
inline errors; it is never written by hand, so it cannot drift.
"""

from __future__ import annotations

from typing import Any

from range.scenario.models import SCHEMA_VERSION, Scenario

SCHEMA_ID = "https://cyberrange.example/schema/scenario-v1.json"


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file."""
    generated = Scenario.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **generated,
        "title": f"cyberrange scenario ({SCHEMA_VERSION})",
    }
