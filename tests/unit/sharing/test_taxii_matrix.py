"""TLP enforcement through TAXII: every marking x every role and team, the
writers, and bad input answered 4xx with nothing stored."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from range.config import Settings
from records.sharing.tables import SharedObject
from records.sharing.tlp import Tlp
from tests.unit.sharing.sharing_world import EXERCISE, indicator, make_sharing_exercise
from tests.unit.sharing.taxii_world import PASSWORD, TaxiiWorld, build
from webui.taxii.media import TAXII

ROOT = f"/taxii2/{EXERCISE}/"
FEED = f"{ROOT}collections/feed/objects/"
STAFF = {"admin", "trainer", "auditor"}
# Published by blue-1 (organisation energy = blue-1 + blue-2, client blue-3);
# TLP:RED names the ISAC as its recipient.
READERS: dict[Tlp, set[str]] = {
    Tlp.CLEAR: {"rita", "bob", "bea", "carl", "ines"},
    Tlp.GREEN: {"bob", "bea", "carl", "ines"},
    Tlp.AMBER: {"bob", "bea", "carl"},
    Tlp.AMBER_STRICT: {"bob", "bea"},
    Tlp.RED: {"bob", "ines"},
}
READER_ACCOUNTS = ("admin", "trainer", "auditor", "rita", "bob", "bea", "carl", "ines")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TaxiiWorld, dict[Tlp, str]]]:
    from cyberrange.tables import import_all_tables
    from range.db import open_engine

    import_all_tables()
    settings = Settings(data_dir=tmp_path_factory.mktemp("taxii") / "data")
    engine = open_engine(settings)
    make_sharing_exercise(engine)
    taxii = build(settings, engine)
    ids = {}
    for tlp in Tlp:
        obj = indicator(tlp, recipients=["isac"] if tlp is Tlp.RED else None)
        response = taxii.post("bob", FEED, [obj])
        assert response.status_code == 202, response.get_json()
        ids[tlp] = obj["id"]
    yield taxii, ids
    engine.dispose()


def visible(world: TaxiiWorld, account: str, path: str = FEED) -> set[str]:
    response = world.get(account, path)
    assert response.status_code == 200, response.get_json()
    assert response.content_type == TAXII
    return {o["id"] for o in response.get_json()["objects"]}


@pytest.mark.parametrize("account", READER_ACCOUNTS)
@pytest.mark.parametrize("tlp", list(Tlp), ids=lambda t: t.value)
def test_marking_reaches_exactly_its_readers(
        world: tuple[TaxiiWorld, dict[Tlp, str]], tlp: Tlp, account: str) -> None:
    taxii, ids = world
    allowed = account in STAFF or account in READERS[tlp]
    assert (ids[tlp] in visible(taxii, account)) is allowed
    per_tlp = f"{ROOT}collections/tlp-{tlp.value.lower().replace('+', '-')}/objects/"
    assert (ids[tlp] in visible(taxii, account, per_tlp)) is allowed
    one = taxii.get(account, f"{ROOT}collections/feed/objects/{ids[tlp]}/")
    assert one.status_code == (200 if allowed else 404)


@pytest.mark.parametrize(("account", "status"), [
    ("rita", 403), ("auditor", 403), ("bea", 202), ("ines", 202), ("trainer", 202),
    ("admin", 202)])
def test_who_may_publish(world: tuple[TaxiiWorld, dict[Tlp, str]], account: str,
                         status: int) -> None:
    taxii, _ = world
    response = taxii.post(account, FEED, [indicator(Tlp.GREEN)])
    assert response.status_code == status, response.get_json()
    assert response.content_type == TAXII


def test_isac_relays_by_adding_what_it_received(
        world: tuple[TaxiiWorld, dict[Tlp, str]]) -> None:
    taxii, ids = world
    received = {o["id"]: o for o in taxii.get("ines", FEED).get_json()["objects"]}
    relayed = taxii.post("ines", FEED, [received[ids[Tlp.GREEN]]])
    assert relayed.status_code == 202
    assert [s["message"] for s in relayed.get_json()["successes"]] == ["relayed"]
    refused = taxii.post("ines", FEED, [received[ids[Tlp.RED]]])
    assert refused.status_code == 403 and "shared further" in refused.get_json()["description"]


def test_strangers_and_anonymous(world: tuple[TaxiiWorld, dict[Tlp, str]]) -> None:
    taxii, _ = world
    assert taxii.get("stray", ROOT).status_code == 404  # blue-9 plays elsewhere
    assert taxii.get("stray", "/taxii2/").get_json()["api_roots"] == []
    assert taxii.get("ghost", FEED).status_code == 404  # the roster decides, not the account
    assert taxii.post("ghost", FEED, [indicator(Tlp.CLEAR)]).status_code == 404
    anonymous = taxii.client.get(ROOT, headers={"Accept": TAXII})
    assert anonymous.status_code == 401 and "Basic" in anonymous.headers["WWW-Authenticate"]


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(SharedObject)).scalar_one())


@pytest.mark.parametrize(("change", "status"), [
    ({"pattern": "[ipv4-addr:value = "}, 422),
    ({"object_marking_refs": ["marking-definition--00000000-0000-4000-8000-000000000000"]}, 422),
    ({"object_marking_refs": []}, 422),
    ({"spec_version": "2.0"}, 422),
])
def test_bad_objects_are_refused_and_nothing_is_stored(
        world: tuple[TaxiiWorld, dict[Tlp, str]], change: dict[str, object], status: int) -> None:
    taxii, _ = world
    before = count(taxii.engine)
    response = taxii.post("bob", FEED, [indicator(Tlp.GREEN), {**indicator(Tlp.GREEN), **change}])
    assert response.status_code == status
    assert response.content_type == TAXII and response.get_json()["description"]
    assert count(taxii.engine) == before


def test_request_shape_errors(world: tuple[TaxiiWorld, dict[Tlp, str]]) -> None:
    taxii, _ = world
    before = count(taxii.engine)
    obj = [indicator(Tlp.GREEN)]
    wrong_type = taxii.client.post(FEED, json={"objects": obj}, headers=taxii.headers("bob"))
    assert wrong_type.status_code == 415
    json_only = taxii.client.get(FEED, headers={**taxii.headers("bob"),
                                                "Accept": "application/json"})
    assert json_only.status_code == 406
    assert taxii.get("bob", FEED, limit="many").status_code == 400
    amber_only = f"{ROOT}collections/tlp-amber/objects/"
    assert taxii.post("bob", amber_only, obj).status_code == 422
    assert taxii.get("bob", f"{ROOT}collections/nope/").status_code == 404
    limit = taxii.get("bob", ROOT).get_json()["max_content_length"]
    too_big = taxii.client.post(FEED, data=b" " * (limit + 1),
                                headers=taxii.headers("bob", **{"Content-Type": TAXII}))
    assert too_big.status_code == 413 and too_big.content_type == TAXII
    anonymous = taxii.client.post(FEED, json={"objects": obj},
                                  headers={"Accept": TAXII, "Content-Type": TAXII})
    assert anonymous.status_code == 401
    browser = taxii.app.test_client()  # a logged-in browser session: reads, never writes
    page = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    browser.post("/login", data={"username": "bob", "password": PASSWORD,
                                 "csrf_token": token.group(1)})
    assert browser.get(FEED, headers={"Accept": TAXII}).status_code == 200
    cookie_write = browser.post(FEED, json={"objects": obj},
                                headers={"Accept": TAXII, "Content-Type": TAXII})
    assert cookie_write.status_code == 403
    assert count(taxii.engine) == before


def test_basic_auth_slows_guessers_not_clients(world: tuple[TaxiiWorld, dict[Tlp, str]]) -> None:
    taxii, _ = world
    good = "Basic " + base64.b64encode(f"carl:{PASSWORD}".encode()).decode()
    bad = "Basic " + base64.b64encode(b"bea:wrong password").decode()
    for _ in range(12):  # more than the limit: successes are not counted
        assert taxii.client.get(ROOT, headers={"Authorization": good,
                                               "Accept": TAXII}).status_code == 200
    answers = [taxii.client.get(ROOT, headers={"Authorization": bad, "Accept": TAXII}).status_code
               for _ in range(11)]
    assert answers == [401] * 10 + [429]
