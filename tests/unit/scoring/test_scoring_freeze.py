"""Which ticks the score freeze hides from teams."""

from __future__ import annotations

from typing import Any

import pytest

from range.scenario.models import Scenario
from scoring.scoreboard import freeze_tick
from scoring.tables import Exercise


def _game(duration: int, tick: int, freeze: int | None) -> tuple[Exercise, Scenario]:
    spec: dict[str, Any] = {
        "schema": "cyberrange/v1",
        "name": "freeze",
        "title": "Freeze",
        "duration": duration,
        "tick": tick,
        "teams": [{"name": "red", "role": "red"}, {"name": "blue", "role": "blue"}],
        "networks": {"dmz": {"subnet": "10.{copy}.1.0/24"}},
        "hosts": {"web": {"image": "cyberrange/web", "networks": ["dmz"]}},
        "scoring": {"formula": "faust", **({"freeze": freeze} if freeze else {})},
    }
    exercise = Exercise(name="f", range_name="f", scenario_path="s.yaml", scenario=spec,
                        secret=b"s", tick_seconds=tick, duration_seconds=duration,
                        flag_lifetime=5)  # fmt: skip
    return exercise, Scenario.model_validate(spec)


@pytest.mark.parametrize(
    ("duration", "tick", "freeze", "first_hidden"),
    [
        (600, 60, 180, 8),  # freeze begins at 420 s, the start of tick 8 (420-480 s)
        (600, 30, 120, 17),  # 480 s: tick 17
        (600, 30, 135, 16),  # 465 s falls inside tick 16 (450-480 s): hidden from its start
        (600, 60, 600, 1),  # a freeze over the whole game hides every tick
    ],
)
def test_the_first_hidden_tick_is_the_one_the_freeze_begins_in(
    duration: int, tick: int, freeze: int, first_hidden: int
) -> None:
    assert freeze_tick(*_game(duration, tick, freeze)) == first_hidden


def test_no_freeze() -> None:
    assert freeze_tick(*_game(600, 60, None)) is None
