"""The demo's scripted defender answers the bundled scenario's request for
information once it has detected the attack, with the attacker's address."""

from __future__ import annotations

from typing import cast

from sqlalchemy.engine import Engine

from cyberrange.defender import ScriptedDefender
from range.backends.base import Backend
from range.planner import make_plan
from records.coordination.reading import read_thread
from records.coordination.requests import pending
from tests.unit.coordination.coord_world import WHITE, advance
from tests.unit.webui.conftest import EXERCISE, dmz_breach, make_exercise


def test_the_scripted_defender_answers_the_csirt(engine: Engine) -> None:
    make_exercise(engine, enrol=False)
    plan = make_plan(dmz_breach(), EXERCISE)
    # Detected already: watch() runs no command on the range, only coordination.
    defender = ScriptedDefender(engine, cast(Backend, None), plan, EXERCISE, "blue-1",
                                detected=True)
    defender.watch()
    assert pending(engine, EXERCISE) == []  # the request comes at 25 min
    advance(engine, EXERCISE, 26 * 60)
    defender.watch()
    defender.watch()  # answers once
    states = {p.answer.party: p.answer.status for p in pending(engine, EXERCISE)}
    assert states == {"blue-1": "answered", "blue-2": "open"}
    uid = next(p.uid for p in pending(engine, EXERCISE) if p.answer.party == "blue-1")
    messages = read_thread(engine, EXERCISE, WHITE, uid).messages
    assert [m.message.sender for m in messages] == ["cert-xy", "blue-1"]
    assert "198.51.100.10" in messages[1].message.body
    assert defender.actions == ["answered: Indicators of the shop attacks?"]
