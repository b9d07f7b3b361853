"""`cyberrange share` against a served app over real HTTP (taxii2-client inside)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from cyberrange.cli import cli
from range.config import Settings
from records.sharing.tlp import Tlp
from scoring.exercise import get_exercise
from scoring.ledger import facts, record_red_action
from scoring.tables import FactKind
from tests.unit.sharing.sharing_world import ATTACKER, EXERCISE, indicator, make_sharing_exercise
from tests.unit.sharing.taxii_world import TaxiiWorld, build, serving


@pytest.fixture
def served(settings: Settings, engine: Engine) -> Iterator[tuple[str, TaxiiWorld]]:
    make_sharing_exercise(engine)
    world = build(settings, engine)
    with serving(world.app) as base:
        yield base, world


def share(base: str, token: str, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["share", *args], input=stdin,
                                env={"CYBERRANGE_URL": base, "CYBERRANGE_TOKEN": token})
    return result.exit_code, result.output


def test_scripted_defender_shares_the_attacker_and_scores(
        served: tuple[str, TaxiiWorld], engine: Engine) -> None:
    base, world = served
    exercise = get_exercise(engine, EXERCISE)
    record_red_action(engine, exercise, "red", "blue-1", "web", "T1190")
    code, out = share(base, world.tokens["bob"], "indicator", EXERCISE, ATTACKER,
                      "--technique", "T1190", "--tlp", "green")
    assert code == 0, out
    assert "added" in out
    assert exercise.id is not None
    matched = facts(engine, exercise.id, kinds=[FactKind.SHARE_MATCH])
    assert [(f.team, f.points) for f in matched] == [("blue-1", 5.0)]
    code, out = share(base, world.tokens["ines"], "poll", EXERCISE, "--page-size", "1")
    assert code == 0, out
    polled = [json.loads(line) for line in out.splitlines()]
    assert [o["pattern"] for o in polled] == [f"[ipv4-addr:value = '{ATTACKER}']"]


def test_publish_file_and_refusals(served: tuple[str, TaxiiWorld]) -> None:
    base, world = served
    bundle = {"type": "bundle", "id": "bundle--4f3a8ad4-3d5c-4b0b-9d11-37b7b1c1f0f6",
              "objects": [indicator(Tlp.AMBER), indicator(Tlp.AMBER_STRICT)]}
    code, out = share(base, world.tokens["bea"], "publish", EXERCISE, "-",
                      stdin=json.dumps(bundle))
    assert code == 0, out
    assert out.count("added") == 2
    code, out = share(base, world.tokens["bea"], "publish", EXERCISE, "-",
                      stdin=json.dumps([indicator(Tlp.RED)]))
    assert code == 1 and "422" in out and "named recipients" in out
    code, out = share(base, world.tokens["rita"], "indicator", EXERCISE, ATTACKER)
    assert code == 1 and "403" in out
    ref = bundle["objects"][0]["id"]  # type: ignore[index]
    code, out = share(base, world.tokens["ines"], "advisory", EXERCISE, "Shop SQLi campaign",
                      "--text", "Patch the login form.", "--ref", ref, "--tlp", "green")
    assert code == 0 and "added" in out, out
    code, out = share(base, world.tokens["bea"], "advisory", EXERCISE, "Fake", "--ref", ref)
    assert code == 1 and "only the ISAC" in out
