"""The JSON Schema is generated from the models and says what trainers write."""

from __future__ import annotations

from range.scenario.models import Scenario
from range.scenario.schema import SCHEMA_ID, json_schema


def test_schema_has_identity() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    assert "cyberrange/v1" in schema["title"]


def test_schema_uses_the_keys_trainers_write() -> None:
    schema = json_schema()
    assert "schema" in schema["properties"]
    assert "schema_version" not in schema["properties"]
    rule = schema["$defs"]["FirewallRule"]
    assert set(rule["properties"]) == {"from", "to", "ports"}
    assert rule["additionalProperties"] is False


def test_schema_is_generated_not_written() -> None:
    generated = Scenario.model_json_schema(by_alias=True)
    schema = json_schema()
    assert schema["$defs"] == generated["$defs"]
    assert schema["required"] == generated["required"]
