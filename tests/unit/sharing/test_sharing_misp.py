"""The feed exported as a MISP event and loaded back with PyMISP."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from pymisp import MISPEvent
from sqlalchemy.engine import Engine

from cyberrange.cli import cli
from range.config import Settings
from records import audit
from records.sharing.audience import Caller
from records.sharing.feed import advisory, publish
from records.sharing.misp import export_feed
from records.sharing.tlp import Tlp
from scoring.tables import Exercise
from tests.unit.sharing.sharing_world import ATTACKER, EXERCISE, indicator

T1190 = 'misp-galaxy:mitre-attack-pattern="Exploit Public-Facing Application - T1190"'


def share_some(engine: Engine) -> None:
    address = indicator(Tlp.AMBER, technique="T1190")
    domain = indicator(Tlp.AMBER_STRICT, pattern="[domain-name:value = 'evil.example']")
    publish(engine, EXERCISE, Caller("bob", "blue-1"), [address, domain])
    advisory(engine, EXERCISE, Caller("ines", "isac"), "Shop SQLi campaign",
             "Patch the login form.", [address["id"]], Tlp.GREEN)


def load(data: dict[str, object]) -> MISPEvent:
    event = MISPEvent()
    event.load(json.dumps(data))
    return event


def test_staff_export_loads_in_pymisp(engine: Engine, exercise: Exercise) -> None:
    share_some(engine)
    event = load(export_feed(engine, EXERCISE, Caller("trainer", None, reads_all=True)))
    assert event.info == f"Sharing feed of exercise {EXERCISE}"
    assert [t.name for t in event.tags] == ["tlp:amber+strict"]  # the most restrictive
    values = {(a.type, a.value): a for a in event.attributes}
    assert set(values) == {("ip-dst", ATTACKER), ("domain", "evil.example"),
                           ("text", "Shop SQLi campaign\n\nPatch the login form.")}
    ip = values[("ip-dst", ATTACKER)]
    assert ip.to_ids and ip.category == "Network activity"
    assert {t.name for t in ip.tags} == {"tlp:amber", T1190}
    assert [t.name for t in values[("domain", "evil.example")].tags] == ["tlp:amber+strict"]
    clusters = [c.value for g in event.galaxies for c in g.clusters]
    assert clusters == ["Exploit Public-Facing Application - T1190"]
    assert [e.action for e in audit.entries(engine, EXERCISE)][-1] == "share.export"


def test_team_export_holds_only_what_it_received(engine: Engine, exercise: Exercise) -> None:
    share_some(engine)
    event = load(export_feed(engine, EXERCISE, Caller("carl", "blue-3")))
    assert {a.value for a in event.attributes} == {
        ATTACKER, "Shop SQLi campaign\n\nPatch the login form."}  # not the STRICT domain
    assert [t.name for t in event.tags] == ["tlp:amber"]


def test_cli_writes_the_event(engine: Engine, exercise: Exercise, settings: Settings,
                              tmp_path: Path) -> None:
    share_some(engine)
    out = tmp_path / "feed.misp.json"
    result = CliRunner().invoke(cli, ["--data-dir", str(settings.data_dir), "share", "misp",
                                      EXERCISE, "--team", "blue-2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    event = load(json.loads(out.read_text()))
    assert {a.type for a in event.attributes} == {"ip-dst", "domain", "text"}
