"""White team actions through the API map the use case's errors (records.actions)
to statuses: a second hint is a 409, an unknown hint or report a 422, and the
exercise's state changes are audited once with the API's actor."""

from __future__ import annotations

from records import audit
from records.audit_table import AuditEntry
from tests.unit.api.conftest import ApiWorld, X
from tests.unit.webui.conftest import EXERCISE


def _actions(world: ApiWorld, name: str) -> list[AuditEntry]:
    return [e for e in audit.entries(world.engine, EXERCISE) if e.action == name]


def test_a_hint_is_given_once_per_team(world: ApiWorld) -> None:
    white = world.as_role("white")
    given = white.post(f"{X}/hints", json={"team": "red", "hint": "sqli"})
    assert given.status_code == 201, given.json
    assert given.json is not None and given.json["penalty"] == 10
    again = white.post(f"{X}/hints", json={"team": "red", "hint": "sqli"})
    assert again.status_code == 409, again.json
    assert again.json is not None and again.json["error"]["code"] == "duplicate"
    unknown = white.post(f"{X}/hints", json={"team": "red", "hint": "nope"})
    assert unknown.status_code == 422, unknown.json
    assert unknown.json is not None and unknown.json["error"]["field"] == "hint"
    [entry] = _actions(world, "hint.give")
    assert entry.actor.startswith("api:") and entry.details["via"] == "api"


def test_unknown_report_is_refused_and_not_audited(world: ApiWorld) -> None:
    response = world.as_role("white").post(f"{X}/grades/reports", json={
        "incident_id": 424242, "accept": True, "reason": "r"})
    assert response.status_code == 422, response.json
    assert response.json is not None and response.json["error"]["field"] == "incident_id"
    assert _actions(world, "report.grade") == []


def test_state_changes_are_audited_once_with_their_tick(world: ApiWorld) -> None:
    white = world.as_role("white")  # the world's exercise runs
    paused = white.post(f"{X}/pause")
    assert paused.status_code in (200, 201), paused.json
    assert paused.json is not None and paused.json["state"] == "paused"
    [entry] = _actions(world, "exercise.pause")
    assert entry.actor.startswith("api:") and set(entry.details) == {"tick", "via"}
    refused = white.post(f"{X}/pause")
    assert refused.status_code == 409
    assert len(_actions(world, "exercise.pause")) == 1
