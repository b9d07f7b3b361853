"""The feed's use cases on a real SQLite database: publish, refuse, relay, read."""

from __future__ import annotations

import json

import pytest
import stix2
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from records import audit
from records.sharing.audience import Caller
from records.sharing.errors import SharingDenied, SharingError
from records.sharing.feed import advisory, publish, read_page, relay
from records.sharing.tables import SharedObject
from records.sharing.tlp import Tlp
from scoring.tables import Exercise
from tests.unit.sharing.sharing_world import EXERCISE, indicator

BLUE1 = Caller("bob", "blue-1")
BLUE3 = Caller("carol", "blue-3")
ISAC = Caller("ines", "isac")
RED = Caller("rita", "red")
AUDITOR = Caller("audrey", None, reads_all=True)


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(SharedObject)).scalar_one())


def test_publish_stores_audits_and_is_idempotent(engine: Engine, exercise: Exercise) -> None:
    obj = indicator(Tlp.GREEN)
    result = publish(engine, EXERCISE, BLUE1, [obj])
    assert result.shared_as == "blue-1" and result.stored == [obj["id"]]
    again = publish(engine, EXERCISE, BLUE1, [obj])
    assert again.stored == [] and again.duplicates == [obj["id"]]
    assert stored(engine) == 1
    actions = [e.action for e in audit.entries(engine, EXERCISE)]
    assert actions.count("share.publish") == 2
    assert audit.verify(engine, EXERCISE).ok


@pytest.mark.parametrize("broken", [
    {"pattern": "[ipv4-addr:value = "},  # the OASIS validator: pattern grammar
    {"created": "yesterday"},  # the OASIS validator: timestamp format
    {"object_marking_refs": ["marking-definition--00000000-0000-4000-8000-000000000000"]},
    {"object_marking_refs": []},
    {"object_marking_refs": [Tlp.GREEN.marking_id, Tlp.RED.marking_id]},
    {"type": "campaign"},
])
def test_bad_input_stores_nothing(engine: Engine, exercise: Exercise,
                                  broken: dict[str, object]) -> None:
    good = indicator(Tlp.GREEN)
    with pytest.raises(SharingError):
        publish(engine, EXERCISE, BLUE1, [good, {**indicator(Tlp.GREEN), **broken}])
    assert stored(engine) == 0
    assert not [e for e in audit.entries(engine, EXERCISE) if e.action == "share.publish"]


def test_red_needs_known_recipients_and_red_team_cannot_publish(
        engine: Engine, exercise: Exercise) -> None:
    with pytest.raises(SharingError, match="named recipients"):
        publish(engine, EXERCISE, BLUE1, [indicator(Tlp.RED)])
    with pytest.raises(SharingError, match="unknown recipient"):
        publish(engine, EXERCISE, BLUE1, [indicator(Tlp.RED, recipients=["nobody"])])
    with pytest.raises(SharingError, match="TLP:RED only"):
        publish(engine, EXERCISE, BLUE1, [indicator(Tlp.GREEN, recipients=["isac"])])
    with pytest.raises(SharingDenied):
        publish(engine, EXERCISE, RED, [indicator(Tlp.CLEAR)])
    assert stored(engine) == 0


def test_isac_relays_what_it_received_and_tlp_allows(engine: Engine, exercise: Exercise) -> None:
    amber = indicator(Tlp.AMBER)
    strict = indicator(Tlp.AMBER_STRICT)
    publish(engine, EXERCISE, BLUE1, [amber, strict])
    # The ISAC is no member or client of "energy": it sees neither, so it cannot relay.
    entries = read_page(engine, EXERCISE, AUDITOR).entries
    with pytest.raises(SharingError, match="received"):
        relay(engine, EXERCISE, ISAC, entries[0].id)
    # What the ISAC did receive (GREEN from blue-3) it relays as its own.
    green = indicator(Tlp.GREEN)
    publish(engine, EXERCISE, BLUE3, [green])
    green_entry = next(e for e in read_page(engine, EXERCISE, ISAC).entries
                       if e.stix_id == green["id"])
    relayed = relay(engine, EXERCISE, ISAC, green_entry.id)
    assert relayed.publisher == "isac" and relayed.relayed_from == green_entry.id
    with pytest.raises(SharingError, match="already"):
        relay(engine, EXERCISE, ISAC, green_entry.id)
    with pytest.raises(SharingDenied, match="only the ISAC"):
        relay(engine, EXERCISE, BLUE1, green_entry.id)
    secret = indicator(Tlp.RED, recipients=["isac"])
    publish(engine, EXERCISE, BLUE1, [secret])
    secret_entry = next(e for e in read_page(engine, EXERCISE, ISAC).entries
                        if e.stix_id == secret["id"])
    with pytest.raises(SharingDenied, match="may not be shared further"):
        relay(engine, EXERCISE, ISAC, secret_entry.id)
    with pytest.raises(SharingDenied, match="may not be shared further"):
        publish(engine, EXERCISE, ISAC, [secret])  # re-adding is relaying too
    again = indicator(Tlp.GREEN)
    publish(engine, EXERCISE, BLUE3, [again])
    through_add = publish(engine, EXERCISE, ISAC, [again])
    assert through_add.relayed == [again["id"]] and through_add.matches == []


def test_isac_advisory_reaches_every_member(engine: Engine, exercise: Exercise) -> None:
    obj = indicator(Tlp.CLEAR)
    publish(engine, EXERCISE, BLUE1, [obj])
    result = advisory(engine, EXERCISE, ISAC, "Shop SQLi campaign", "Patch the login form.",
                      [obj["id"]], Tlp.AMBER)
    assert result.shared_as == "isac"
    for team in ("blue-1", "blue-2", "blue-3"):
        types = {e.stix_type for e in read_page(engine, EXERCISE, Caller("x", team)).entries}
        assert types == {"indicator", "report"}, team
    assert {e.stix_type for e in read_page(engine, EXERCISE, RED).entries} == {"indicator"}
    with pytest.raises(SharingDenied):
        advisory(engine, EXERCISE, BLUE1, "t", "x", [obj["id"]], Tlp.GREEN)


def test_pages_follow_added_and_id(engine: Engine, exercise: Exercise) -> None:
    objs = [indicator(Tlp.CLEAR, value=f"203.0.113.{i}") for i in range(7)]
    publish(engine, EXERCISE, BLUE1, objs[:4])
    publish(engine, EXERCISE, BLUE1, objs[4:])
    seen: list[str] = []
    after = None
    while True:
        page = read_page(engine, EXERCISE, RED, added_after=after, limit=3)
        seen += [e.stix_id for e in page.entries]
        if not page.more:
            break
        after = page.entries[-1].added
    assert seen == [o["id"] for o in objs]
    added = [e.added for e in read_page(engine, EXERCISE, RED).entries]
    assert added == sorted(added) and len(set(added)) == len(added)


def test_objects_made_with_the_stix2_library_keep_their_tlp(
        engine: Engine, exercise: Exercise) -> None:
    indicator_v1 = stix2.Indicator(
        pattern="[ipv4-addr:value = '203.0.113.5']", pattern_type="stix", name="scanner",
        description="seen scanning", object_marking_refs=[stix2.TLP_AMBER])
    objects = [json.loads(stix2.TLP_AMBER.serialize()), json.loads(indicator_v1.serialize())]
    result = publish(engine, EXERCISE, BLUE1, objects)
    assert result.stored == [indicator_v1.id]  # the marking definition is not stored
    assert [e.tlp for e in read_page(engine, EXERCISE, AUDITOR).entries] == ["AMBER"]
