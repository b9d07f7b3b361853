"""OASIS taxii2-client against the server over real HTTP: discovery, API root,
collections, add objects, status, get objects paged, one object, manifest."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from sqlalchemy.engine import Engine
from taxii2client.v21 import ApiRoot, Server, as_pages

from range.config import Settings
from records.sharing.tlp import Tlp, marking_definition
from tests.unit.sharing.sharing_world import EXERCISE, indicator, make_sharing_exercise
from tests.unit.sharing.taxii_world import PASSWORD, TaxiiWorld, build, serving


class Bearer(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


@pytest.fixture
def served(settings: Settings, engine: Engine) -> Iterator[tuple[str, TaxiiWorld]]:
    make_sharing_exercise(engine)
    world = build(settings, engine)
    with serving(world.app) as base:
        yield base, world


def test_round_trip_with_taxii2_client(served: tuple[str, TaxiiWorld]) -> None:
    base, world = served
    with Server(f"{base}/taxii2/", auth=Bearer(world.tokens["bob"])) as server:
        assert [root.url for root in server.api_roots] == [f"{base}/taxii2/{EXERCISE}/"]
        root = server.api_roots[0]
        assert root.title and "application/taxii+json;version=2.1" in root.versions
        feed = next(c for c in root.collections if c.title == "Sharing feed")
        assert feed.can_read and feed.can_write

        sent = [indicator(Tlp.GREEN, value=f"203.0.113.{i}") for i in range(25)]
        status = feed.add_objects({"objects": [marking_definition(Tlp.GREEN), *sent]})
        assert status.status == "complete" and status.success_count == 25
        status.refresh()  # GET status/<id>/
        assert {s["id"] for s in status.successes} == {o["id"] for o in sent}

        got = [o for page in as_pages(feed.get_objects, per_request=10) for o in page["objects"]]
        assert [o["id"] for o in got] == [o["id"] for o in sent]
        assert got[0] == sent[0]  # stored and served as sent
        one = feed.get_object(sent[3]["id"])
        assert [o["id"] for o in one["objects"]] == [sent[3]["id"]]
        manifest = [m for page in as_pages(feed.get_manifest, per_request=10)
                    for m in page["objects"]]
        assert [m["id"] for m in manifest] == [o["id"] for o in sent]
        later = feed.get_objects(added_after=manifest[19]["date_added"])
        assert [o["id"] for o in later["objects"]] == [o["id"] for o in sent[20:]]


def test_basic_auth_and_what_red_sees(served: tuple[str, TaxiiWorld]) -> None:
    base, world = served
    root_url = f"{base}/taxii2/{EXERCISE}/"
    with ApiRoot(root_url, user="bob", password=PASSWORD) as bob:
        feed = next(c for c in bob.collections if c.title == "Sharing feed")
        feed.add_objects({"objects": [indicator(Tlp.CLEAR), indicator(Tlp.GREEN)]})
    with ApiRoot(root_url, auth=Bearer(world.tokens["rita"])) as red:
        red_feed = next(c for c in red.collections if c.title == "Sharing feed")
        markings = [o["object_marking_refs"] for o in red_feed.get_objects()["objects"]]
    assert markings == [[Tlp.CLEAR.marking_id]]
