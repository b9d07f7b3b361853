"""Coordination through the API: threads with attachments, refusals that store
nothing (a party that cannot receive, an unknown marking, an attachment over
the limit), who reads which thread, SITREPs graded through the ledger."""

from __future__ import annotations

import io
from typing import Any

from sqlmodel import Session, func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

from records.coordination.tables import CoordMessage, CoordThread, Sitrep
from records.tables import EvidenceFile
from tests.unit.api.conftest import ApiWorld, X
from webui.security import MAX_UPLOAD_BYTES


def counts(world: ApiWorld) -> tuple[int, int, int]:
    with Session(world.engine) as session:
        return tuple(session.exec(select(func.count()).select_from(table)).one()  # type: ignore[return-value]
                     for table in (CoordThread, CoordMessage, EvidenceFile))


def js(response: TestResponse) -> Any:
    assert response.json is not None, response.status_code
    return response.json


def open_thread(world: ApiWorld, user: str, form: dict[str, Any]) -> TestResponse:
    return world.as_user(user).post(f"{X}/threads", data=form,
                                    content_type="multipart/form-data")


def test_a_thread_with_an_attachment_between_a_team_and_the_white_cell(
        world: ApiWorld) -> None:
    form = {"subject": "Defacement", "body": "Our shop was defaced", "to": "white-cell",
            "tlp": "TLP:AMBER", "file": (io.BytesIO(b"198.51.100.10 GET /"), "access.log")}
    response = open_thread(world, "blue1", form)
    assert response.status_code == 201, js(response)
    thread = js(response)
    assert thread["parties"] == ["blue-1", "white-cell"] and thread["tlp"] == "TLP:AMBER"
    [message] = thread["messages"]
    [item] = message["attachments"]
    assert item["name"] == "access.log" and item["media_type"] == "text/plain"
    uid = thread["uid"]
    read = js(world.as_user("trainer").get(f"{X}/threads/{uid}"))
    assert read["messages"][0]["read_by"][0]["party"] == "white-cell"
    download = world.as_user("trainer").get(f"{X}/threads/{uid}/attachments/{item['id']}")
    assert download.status_code == 200 and download.data == b"198.51.100.10 GET /"
    download.close()
    for outsider in ("blue2", "redteam"):
        client = world.as_user(outsider)
        assert client.get(f"{X}/threads/{uid}").status_code == 404
        assert client.get(f"{X}/threads/{uid}/attachments/{item['id']}").status_code == 404
        assert client.get(f"{X}/threads").json == {"threads": []}
    answer = world.as_user("trainer").post(f"{X}/threads/{uid}/messages",
                                           data={"body": "Received"},
                                           content_type="multipart/form-data")
    assert answer.status_code == 201 and js(answer)["messages"][1]["sender"] == "white-cell"
    listed = js(world.as_user("blue1").get(f"{X}/threads"))["threads"]
    assert [(t["uid"], t["unread"]) for t in listed] == [(uid, 1)]


def test_a_team_that_cannot_receive_answers_422_and_nothing_is_stored(world: ApiWorld) -> None:
    form = {"subject": "hi", "body": "hello", "to": "red",
            "file": (io.BytesIO(b"notes"), "n.txt")}
    response = open_thread(world, "blue1", form)
    assert response.status_code == 422
    assert js(response)["error"]["code"] == "cannotreceive"
    assert js(response)["error"]["field"] == "to"
    assert "red talks to the white cell only" in js(response)["error"]["message"]
    assert open_thread(world, "blue1", {**form, "to": "nobody",
                                        "file": (io.BytesIO(b"x"), "x.txt")}).status_code == 422
    assert counts(world) == (0, 0, 0)


def test_an_unknown_marking_answers_422(world: ApiWorld) -> None:
    response = open_thread(world, "blue1", {"subject": "s", "body": "b", "to": "white-cell",
                                            "tlp": "TLP:WHITE"})
    assert response.status_code == 422 and js(response)["error"]["field"] == "tlp"
    assert counts(world) == (0, 0, 0)


def test_a_10_mb_attachment_answers_413_and_nothing_is_stored(world: ApiWorld) -> None:
    fields: MultiDict[str, Any] = MultiDict({"subject": "s", "body": "b", "to": "white-cell"})
    fields.add("file", FileStorage(io.BytesIO(b"a" * (MAX_UPLOAD_BYTES + 1)), "big.txt"))
    # Encoded in memory: the test client would spool a body this big to a temp file
    # it never closes, which pytest (warnings as errors) reports.
    boundary, body = encode_multipart(fields)
    response = world.as_user("blue1").post(
        f"{X}/threads", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert js(response)["error"]["status"] == 413
    assert counts(world) == (0, 0, 0)


def test_nobody_speaks_for_another_party(world: ApiWorld) -> None:
    response = open_thread(world, "blue1", {"subject": "s", "body": "b", "to": "white-cell",
                                            "as": "blue-2"})
    assert response.status_code == 403 and js(response)["error"]["field"] == "as"
    assert counts(world) == (0, 0, 0)


def test_a_request_for_information_and_its_grade(world: ApiWorld) -> None:
    created = js(open_thread(world, "trainer", {"subject": "IOCs?", "body": "send them",
                                                "to": "blue-1", "due_minutes": "30",
                                                "points": "10"}))
    assert created["kind"] == "rfi" and created["answers"][0]["status"] == "open"
    world.as_user("blue1").post(f"{X}/threads/{created['uid']}/messages",
                                data={"body": "198.51.100.10"},
                                content_type="multipart/form-data")
    listed = js(world.as_user("auditor").get(f"{X}/requests"))["requests"]
    assert [(r["uid"], r["answer"]["status"]) for r in listed] == [(created["uid"], "answered")]
    graded = world.as_user("trainer").post(f"{X}/requests/{created['uid']}/grade",
                                           json={"team": "blue-1", "points": 7.0})
    assert graded.status_code == 201 and js(graded)["fact"] > 0
    again = world.as_user("trainer").post(f"{X}/requests/{created['uid']}/grade",
                                          json={"team": "blue-1", "points": 7.0})
    assert again.status_code == 422 and "already graded" in js(again)["error"]["message"]


def test_sitreps_filed_graded_and_explained(world: ApiWorld) -> None:
    filed = world.as_user("blue1").post(f"{X}/sitreps", json={
        "situation": "Shop defaced", "actions": "restored from backup", "tlp": "GREEN"})
    assert filed.status_code == 201, js(filed)
    uid = js(filed)["uid"]
    assert js(world.as_user("blue2").get(f"{X}/sitreps")) == {"sitreps": []}
    assert "slots" in js(world.as_user("auditor").get(f"{X}/sitreps"))
    bad = world.as_user("trainer").post(f"{X}/sitreps/{uid}/grade",
                                        json={"scores": {"accuracy": 9}})
    assert bad.status_code == 422
    graded = world.as_user("trainer").post(f"{X}/sitreps/{uid}/grade", json={
        "scores": {"accuracy": 3, "completeness": 2, "actions": 3}, "reason": "good"})
    assert graded.status_code == 201 and js(graded)["scores"]["accuracy"] == 3
    lines = js(world.as_user("blue1").get(
        f"{X}/scoreboard/explain?team=blue-1&category=injects"))
    assert any(line["points"] == 8 and line["fact_id"] == js(graded)["fact"]
               for line in lines["lines"]), lines
    with Session(world.engine) as session:
        assert session.exec(select(Sitrep)).one().grade_fact_id == js(graded)["fact"]
