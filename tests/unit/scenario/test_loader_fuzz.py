"""Property: whatever a trainer's editor does to a scenario, the loader answers
with located ScenarioError problems (or a valid scenario), never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_fixture_text import BASE

from range.errors import ScenarioError
from range.scenario.loader import load_text

ROOT = Path(__file__).resolve().parents[3]
SOURCES = [BASE] + [
    p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("scenarios/*/scenario.yaml"))
]

ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["10.{copy}.1.0/24", "{copy}", "80/tcp", "1h", "red", "shared", "-1s"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
)


def containers(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every mapping and list inside ``value``."""
    found = [path] if isinstance(value, dict | list) and value else []
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else []
    )
    for key, child in children:
        found.extend(containers(child, (*path, key)))
    return found


def at(value: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


def mutate_structure(text: str, data: st.DataObject) -> str:
    try:
        tree = yaml.safe_load(text)
    except Exception:  # PyYAML's own ValueErrors too: such text is left to the loader
        return text
    spots = containers(tree)
    if not spots:
        return text
    target = at(tree, data.draw(st.sampled_from(spots)))
    keys = list(target) if isinstance(target, dict) else list(range(len(target)))
    key = data.draw(st.sampled_from(keys))
    action = data.draw(st.sampled_from(["delete", "retype", "unknown", "swap"]))
    if action == "delete":
        del target[key]
    elif action == "retype":
        target[key] = data.draw(ANY_VALUE)
    elif action == "unknown" and isinstance(target, dict):
        target[data.draw(st.text(min_size=1, max_size=8))] = data.draw(ANY_VALUE)
    else:
        other = data.draw(st.sampled_from(keys))
        target[key], target[other] = target[other], target[key]
    return yaml.safe_dump(tree, sort_keys=False, allow_unicode=True)


# What a hostile trainer's file may hold where a value goes (issue 15, item 14):
# tags on the wrong scalar, numbers past every bound, NUL and over-long names.
TAGS = ["!!timestamp ", "!!int ", "!!float ", "!!bool ", "!!binary ", "!!set ", "!!str ",
        "!!null ", "!!omap ", "!!map ", "!!seq "]
HOSTILE_VALUES = ["9" * 5000, "1e30", "1" + "0" * 30, "-1" + "0" * 25, ".nan", ".inf", "-.inf",
                  '"a\\0b"', "a" * 256, "roles/" + "a" * 256, '"checkers/\\0x.py"',
                  "9999-12-31", "99999999999h", "0x7fffffffffffffffff", "1_000_000_000_000"]


def mutate_value(text: str, data: st.DataObject) -> str:
    """Replace (or tag) the value after one ``key:`` of the text."""
    lines = text.splitlines(keepends=True)
    spots = [i for i, line in enumerate(lines)
             if ": " in line and not line.lstrip().startswith("#")]
    if not spots:
        return text
    index = data.draw(st.sampled_from(spots))
    head, _, rest = lines[index].partition(": ")
    if data.draw(st.booleans()):
        value = data.draw(st.sampled_from(HOSTILE_VALUES)) + "\n"
    else:
        value = data.draw(st.sampled_from(TAGS)) + rest
    lines[index] = f"{head}: {value}"
    return "".join(lines)


def mutate_text(text: str, data: st.DataObject) -> str:
    lines = text.splitlines(keepends=True) or [""]
    action = data.draw(st.sampled_from(["truncate", "indent", "dedent", "tab", "insert"]))
    if action == "truncate":
        return text[: data.draw(st.integers(0, len(text)))]
    index = data.draw(st.integers(0, len(lines) - 1))
    line = lines[index]
    if action == "indent":
        lines[index] = " " * data.draw(st.integers(1, 3)) + line
    elif action == "dedent":
        lines[index] = line[data.draw(st.integers(1, 3)) :]
    elif action == "tab":
        lines[index] = "\t" + line
    else:
        cut = data.draw(st.integers(0, len(line)))
        lines[index] = line[:cut] + data.draw(st.text(min_size=1, max_size=4)) + line[cut:]
    return "".join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_scenarios_only_raise_located_scenario_errors(data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(SOURCES))
    for _ in range(data.draw(st.integers(1, 3))):
        mutate = data.draw(st.sampled_from([mutate_structure, mutate_text, mutate_value]))
        text = mutate(text, data)
    try:
        load_text(text, "fuzz.yaml", ROOT / "scenarios" / "dmz-breach", ROOT)
    except ScenarioError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.line >= 1 and problem.column >= 1, problem
            assert problem.message.strip(), problem
            assert problem.file == "fuzz.yaml"
