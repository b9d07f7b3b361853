"""Bearer tokens work without CSRF tokens; cookie sessions need X-CSRFToken;
every answer to a bad request is the error envelope naming the field."""

from __future__ import annotations

from records import audit
from tests.unit.api.conftest import API, ApiWorld, X


def test_token_auth_needs_no_csrf_token(world: ApiWorld) -> None:
    response = world.as_role("white").post(
        f"{X}/adjustments", json={"team": "blue-1", "points": 5.0, "reason": "good notes"})
    assert response.status_code == 201, response.json
    assert response.json is not None and response.json["team"] == "blue-1"


def test_cookie_post_without_csrf_header_is_refused(world: ApiWorld) -> None:
    client, token = world.session("trainer")
    body = {"team": "blue-1", "points": 5.0, "reason": "good notes"}
    refused = client.post(f"{X}/adjustments", json=body)
    assert refused.status_code == 400
    assert refused.json is not None and refused.json["error"]["code"] == "csrf_failed"
    accepted = client.post(f"{X}/adjustments", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201, accepted.json
    # Reads need no CSRF token.
    assert client.get(f"{X}/scoreboard").status_code == 200


def test_session_issues_a_token_that_scripts_use(world: ApiWorld) -> None:
    client, csrf = world.session("redteam")
    issued = client.post(f"{API}/tokens", json={"label": "exploit bot"},
                         headers={"X-CSRFToken": csrf})
    assert issued.status_code == 201, issued.json
    assert issued.json is not None
    token = issued.json["token"]
    script = world.app.test_client(use_cookies=False)
    me = script.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json is not None
    assert (me.json["username"], me.json["team"], me.json["via_token"]) == ("redteam", "red", True)
    again = script.post(f"{API}/tokens", json={}, headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 403
    assert again.json is not None and again.json["error"]["code"] == "session_required"
    actions = [(e.actor, e.action) for e in audit.entries(world.engine, None)]
    assert ("redteam", "token.issue") in actions


def test_wrong_token_is_401(world: ApiWorld) -> None:
    client = world.app.test_client(use_cookies=False)
    response = client.get(f"{X}/scoreboard", headers={"Authorization": "Bearer crt_forged"})
    assert response.status_code == 401
    assert response.json is not None and response.json["error"]["code"] == "unauthorized"


def test_deactivated_users_token_stops_working(world: ApiWorld) -> None:
    red = world.as_role("red")
    assert red.get(f"{API}/me").status_code == 200
    me = red.get(f"{API}/me").json
    assert me is not None
    changed = world.as_role("admin").open("PATCH", f"{API}/users/{me['id']}",
                                          json={"active": False})
    assert changed.status_code == 200, changed.json
    assert red.get(f"{API}/me").status_code == 401


def test_unknown_field_is_422_naming_it(world: ApiWorld) -> None:
    response = world.as_role("white").post(
        f"{X}/adjustments",
        json={"team": "blue-1", "points": 1.0, "reason": "x", "approved_by": "me"})
    assert response.status_code == 422
    assert response.json is not None
    assert response.json["error"]["field"] == "approved_by"
    assert response.json["error"]["code"] == "validation_error"


def test_wrong_type_is_422_naming_it(world: ApiWorld) -> None:
    white = world.as_role("white")
    response = white.post(f"{X}/adjustments",
                          json={"team": "blue-1", "points": "ten", "reason": "x"})
    assert response.status_code == 422
    assert response.json is not None and response.json["error"]["field"] == "points"
    # No silent coercion either: a number given as text is refused.
    coerced = white.post(f"{X}/adjustments", json={"team": "blue-1", "points": "10",
                                                   "reason": "x"})
    assert coerced.status_code == 422


def test_nested_field_is_named_with_its_path(world: ApiWorld) -> None:
    response = world.as_role("blue").post(
        f"{X}/incidents", json={"title": "scan", "observables": [{"type": "ip", "valu": "1"}]})
    assert response.status_code == 422
    assert response.json is not None
    assert response.json["error"]["field"] in ("observables.0.valu", "observables.0.value")


def test_missing_field_and_bad_query_are_422(world: ApiWorld) -> None:
    white = world.as_role("white")
    missing = white.post(f"{X}/injects", json={"to": "all"})
    assert missing.status_code == 422
    assert missing.json is not None and missing.json["error"]["field"] == "message"
    query = white.get(f"{X}/audit?limit=lots")
    assert query.status_code == 422
    assert query.json is not None and query.json["error"]["field"] == "limit"
    extra = white.get(f"{X}/audit?sort=desc")
    assert extra.status_code == 422
    assert extra.json is not None and extra.json["error"]["field"] == "sort"


def test_invalid_json_and_wrong_media_type(world: ApiWorld) -> None:
    white = world.as_role("white")
    broken = white.post(f"{X}/injects", data=b"{not json",
                        headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    assert broken.json is not None and broken.json["error"]["code"] == "invalid_json"
    form = white.post(f"{X}/injects", data={"message": "hi"})
    assert form.status_code == 415


def test_library_errors_become_envelopes(world: ApiWorld) -> None:
    white = world.as_role("white")
    missing = white.get(f"{API}/exercises/no-such-drill")
    assert missing.status_code == 404
    assert missing.json is not None and set(missing.json["error"]) == {"status", "code", "message"}
    conflict = white.post(f"{X}/start")  # it is running already
    assert conflict.status_code == 409
    assert conflict.json is not None and "running" in conflict.json["error"]["message"]
