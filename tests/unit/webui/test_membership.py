"""Two exercises at once: a participant sees and acts only in the exercises it
is a member of, in the team its membership names there; staff see both.
Every page and API route of an exercise is tried against the one the
participant never joined."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.test import TestResponse

from tests.unit.api.conftest import API, ApiWorld, build_world
from tests.unit.api.test_api_matrix import ROUTES as API_ROUTES
from tests.unit.webui.conftest import EXERCISE, make_exercise, page_token
from tests.unit.webui.test_route_matrix import ROUTES as PAGE_ROUTES
from webui.accounts import hash_password
from webui.membership import join, leave, members

OTHER = "other-drill"
PARTICIPANTS = ("redteam", "blue1")  # members of EXERCISE only
ROLE = {"redteam": "red", "blue1": "blue"}
VALUES = {"incident_id": "1", "evidence_id": "1", "finding_id": "1", "report_id": "1",
          "fmt": "json", "host": "web", "copy": "1", "session": "0123456789abcdef",
          "number": "1", "hint": "1", "index": "0", "path": "x", "username": "nobody",
          "uid": "x", "item": "1", "thread": "1"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiWorld]:
    built = build_world(tmp_path_factory.mktemp("membership") / "data",
                        hash_password("correct horse battery"))
    make_exercise(built.engine, OTHER, enrol=False)
    join(built.engine, "blue2", OTHER, "blue-1")  # blue-2 in EXERCISE, blue-1 here
    yield built
    built.engine.dispose()


def _url(rule: str, name: str) -> str:
    url = rule.replace("<name>", name).replace("<ex>", name)
    for key, value in VALUES.items():
        url = url.replace(f"<int:{key}>", value).replace(f"<path:{key}>", value)
        url = url.replace(f"<{key}>", value)
    return url


def _exercise_routes(routes: tuple[tuple[str, str, frozenset[str]], ...], mark: str
                     ) -> list[tuple[str, str]]:
    return [(rule, method) for rule, method, _ in routes if mark in rule]


@pytest.mark.parametrize(("rule", "method"), _exercise_routes(PAGE_ROUTES, "/x/<name>"))
@pytest.mark.parametrize("username", PARTICIPANTS)
def test_pages_of_an_exercise_never_joined_do_not_exist(
    world: ApiWorld, username: str, rule: str, method: str
) -> None:
    client, token = world.session(username)
    url = _url(rule, OTHER)
    response: TestResponse = (client.get(url) if method == "GET" else
                              client.post(url, data={"csrf_token": token}))
    response.close()
    allowed = next(roles for r, m, roles in PAGE_ROUTES if (r, m) == (rule, method))
    expected = 404 if ROLE[username] in allowed else 403  # 403: never, in any exercise
    assert response.status_code == expected, f"{username} got {response.status_code} on {url}"


@pytest.mark.parametrize(("rule", "method"), _exercise_routes(API_ROUTES, "<ex>"))
@pytest.mark.parametrize("username", PARTICIPANTS)
def test_api_of_an_exercise_never_joined_does_not_exist(
    world: ApiWorld, username: str, rule: str, method: str
) -> None:
    response = world.as_user(username).open(method, _url(rule, OTHER), json={})
    response.close()
    allowed = next(roles for r, m, roles in API_ROUTES if (r, m) == (rule, method))
    expected = 404 if ROLE[username] in allowed else 403  # 403: never, in any exercise
    assert response.status_code == expected, f"{username} got {response.status_code}"


def test_listings_show_participants_their_exercises_only(world: ApiWorld) -> None:
    def listed(username: str) -> set[str]:
        answer = world.as_user(username).get(f"{API}/exercises").json
        assert answer is not None
        return {e["name"] for e in answer["exercises"]}

    assert listed("blue1") == {EXERCISE}
    assert listed("blue2") == {EXERCISE, OTHER}
    assert listed("trainer") == listed("auditor") == {EXERCISE, OTHER}
    client, _ = world.session("blue1")
    home = client.get("/").get_data(as_text=True)
    assert f"/x/{EXERCISE}/" in home and f"/x/{OTHER}/" not in home


def test_a_member_acts_in_the_team_of_each_exercise(world: ApiWorld) -> None:
    blue2 = world.as_user("blue2")
    for name, team in ((EXERCISE, "blue-2"), (OTHER, "blue-1")):
        filed = blue2.post(f"{API}/exercises/{name}/incidents", json={"title": "scan"})
        assert filed.status_code == 201, filed.json
        assert filed.json is not None and filed.json["team"] == team


def test_staff_see_both_exercises(world: ApiWorld) -> None:
    trainer = world.as_user("trainer")
    for name in (EXERCISE, OTHER):
        assert trainer.get(f"{API}/exercises/{name}/scoreboard").status_code == 200
    client, _ = world.session("trainer")
    assert client.get(f"/x/{OTHER}/console").status_code == 200


def test_admins_add_and_remove_members_through_the_api(world: ApiWorld) -> None:
    admin = world.as_user("admin")
    wrong = admin.open("PUT", f"{API}/exercises/{OTHER}/members",
                       json={"username": "redteam", "team": "blue-2"})
    assert wrong.status_code == 400 and "plays blue" in wrong.get_data(as_text=True)
    added = admin.open("PUT", f"{API}/exercises/{OTHER}/members", json={"username": "redteam"})
    assert added.status_code == 200 and added.json == {
        "username": "redteam", "exercise": OTHER, "team": "red", "role": "red"}
    assert world.as_user("redteam").get(f"{API}/exercises/{OTHER}").status_code == 200
    listing = world.as_user("trainer").get(f"{API}/exercises/{OTHER}/members").json
    assert listing is not None and {m["username"] for m in listing["members"]} == {
        "redteam", "blue2"}
    gone = admin.open("DELETE", f"{API}/exercises/{OTHER}/members/redteam")
    assert gone.status_code == 200
    assert world.as_user("redteam").get(f"{API}/exercises/{OTHER}").status_code == 404


def test_import_and_admin_page_set_membership(world: ApiWorld, tmp_path: Path) -> None:
    admin, token = world.session("admin")
    csv_text = ("username,role,team,password,exercise\n"
                "carol,blue,blue-2,a long passphrase 1," + OTHER + "\n"
                "blue1,blue,blue-2,," + OTHER + "\n"
                "dave,red,blue-1,a long passphrase 2," + OTHER + "\n")
    response = admin.post("/admin/import", data={
        "csrf_token": token,
        "participants": (io.BytesIO(csv_text.encode()), "people.csv")})
    assert response.status_code == 302
    joined = {(m.username, m.team) for m in members(world.engine, OTHER)}
    assert {("carol", "blue-2"), ("blue1", "blue-2")} <= joined
    assert not any(m.username == "dave" for m in members(world.engine))  # red on a blue team
    admin.post("/admin/members", data={"csrf_token": page_token(admin, "/admin"),
                                       "username": "blue1", "exercise": OTHER,
                                       "team": "blue-1"})
    assert ("blue1", "blue-1") in {(m.username, m.team) for m in members(world.engine, OTHER)}
    assert leave(world.engine, "blue1", OTHER)  # as the module found it
