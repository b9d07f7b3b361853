"""Broken scenarios: every error names the right line and says what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_fixture_text import BASE, with_change

from range.errors import ScenarioError
from range.scenario.loader import LoadedScenario, load, load_text

ROOT = Path(__file__).resolve().parents[3]

# (old fragment, new fragment, expected line, expected message fragment)
BROKEN: list[tuple[str, str, int, str]] = [
    (
        "    image: ext/web\n    networks: {dmz",
        "    imgae: ext/web\n    networks: {dmz",
        28,
        "unknown key 'imgae' in host 'web' (did you mean 'image'? expected one of: image, scope",
    ),
    (
        "    image: ext/web\n    networks: {dmz",
        "    networks: {dmz",
        27,
        "missing required key 'image' in host 'web'",
    ),
    ("duration: 30m", "duration: ten", 4, "expected a duration like 30s, 10m or 1h30m, got 'ten'"),
    (
        "role: red}",
        "role: rouge}",
        7,
        "expected 'red', 'blue', 'purple', 'white' or 'isac' for 'role' in team 'red', got 'rouge'",
    ),
    ("copies: 2", "copies: 0", 8, "'copies' in team 'blue' must be at least 1, got 0"),
    ("copies: 2", "copies: many", 8, "expected an integer for 'copies' in team 'blue'"),
    ("name: test-range", "name: Test Range", 2, "expected a name of lowercase letters"),
    ("schema: cyberrange/v1", "schema: cyberrange/v9", 1, "expected 'cyberrange/v1' for 'schema'"),
    ("title: Test range\n", "", 1, "missing required key 'title' in the scenario"),
    (
        "networks: {internet: 198.51.100.10}",
        "networks: 5",
        18,
        "expected a list or a mapping for 'networks' in host 'attacker', got 5",
    ),
    (
        "networks: {internet: 198.51.100.10}",
        "networks: {Internet: 198.51.100.10}",
        18,
        "for key 'Internet' in networks of host 'attacker'",
    ),
    (
        "networks: [internet, dmz, internal]",
        "networks: [internet, 7, internal]",
        22,
        "expected a string for network #2 of host 'gw', got 7",
    ),
    ("port: 80/tcp", "port: 80/sctp", 31, "expected a port like 80/tcp or 53/udp, got '80/sctp'"),
    ("port: 80/tcp", "port: 70000", 31, "'port' in service 'shop' of host 'web' must be at most"),
    (
        "check: http}",
        "check: http, checker: x.py}",
        31,
        "give either a built-in 'check' or a 'checker' script, not both",
    ),
    ("cwe: CWE-89", "cwe: CWE89", 33, "expected a CWE id like CWE-89"),
    ("default: drop", "default: reject", 24, "expected 'accept' or 'drop' for 'default'"),
    ("{from: internet", "{form: internet", 26, "unknown key 'form' in firewall rule #1"),
    (
        "to: blue, message: Intel report",
        "to: blue",
        39,
        "an inject needs a 'message', a 'run' step, or both",
    ),
    ("tick: 30s", "tick: 30s\ntick: 40s", 6, "duplicate key 'tick' (first given on line 5)"),
    ("teams:", "teams: [", 7, "YAML syntax error"),
    ("  - {name: red, role: red}", "   - {name: red, role: red}", 8, "YAML syntax error"),
    ("  dmz: {subnet", "\tdmz: {subnet", 11, "found character '\\t' that cannot start any token"),
    ("image: ext/router", "image: [ext/router", 21, "expected ',' or ']'"),
    ("router: true", "router: maybe", 21, "expected true or false for 'router' in host 'gw'"),
    ("ports: [80/tcp]", "ports: 80/tcp", 26, "expected a list for 'ports' in firewall rule #1"),
    ("formula: faust", "formula: {a: 1}", 43, "expected a string for 'formula' in scoring"),
    ("formula: faust", "weights: {a: x}", 43, "expected a number for 'a' in weights of scoring"),
    ("{at: 10m", "{at: -5", 39, "a duration cannot be negative"),
    ("{id: quote,", "{id: quote, penalty: -1,", 41, "'penalty' in hint 'quote' must be at least 0"),
    ("    scope: shared\n", "    scope: global\n", 16, "expected 'shared' or 'copy' for 'scope'"),
    (
        "{id: sqli, title: SQL injection,",
        "{id: sqli,",
        33,
        "missing required key 'title' in vulnerability 'sqli'",
    ),
    ("{name: shop, port: 80/tcp", "{name: shop, port: [80]", 31, "'port' in service 'shop'"),
    ("    router: true\n", "    router: true\n    router: false\n", 22, "duplicate key 'router'"),
    (
        "external_images: [ext/attacker",
        "external_images: [[ext/attacker]",
        44,
        "expected a string for external image #1, got a list",
    ),
    (
        "  - {at: 10m, to: blue, message: Intel report}",
        "  - {at: 10m, to: blue, message: [a, b]}",
        39,
        "expected a string for 'message' in inject #1",
    ),
    ("tick: 30s", "tick: 30s\nflag_lifetime: 0", 6, "'flag_lifetime' must be at least 1"),
    ("duration: 30m", "duration: 30m\nextra: 1", 5, "unknown key 'extra' in the scenario"),
]


def load_base(text: str) -> LoadedScenario:
    return load_text(text, "t.yaml", ROOT, ROOT)


def test_base_scenario_is_valid() -> None:
    loaded = load_base(BASE)
    assert loaded.scenario.name == "test-range"
    assert loaded.scenario.copy_count() == 2


@pytest.mark.parametrize(("old", "new", "line", "fragment"), BROKEN, ids=[c[1] for c in BROKEN])
def test_broken_scenario_names_line_and_expectation(
    old: str, new: str, line: int, fragment: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_base(with_change(old, new))
    matching = [p for p in caught.value.problems if fragment in p.message]
    assert matching, [str(p) for p in caught.value.problems]
    assert matching[0].line == line, str(matching[0])
    assert matching[0].file == "t.yaml"
    assert matching[0].column >= 1


def test_at_least_thirty_broken_cases() -> None:
    assert len({new for _, new, _, _ in BROKEN}) >= 30


def test_every_error_is_reported_at_once() -> None:
    text = with_change("duration: 30m", "duration: ten")
    text = text.replace("role: red}", "role: rouge}").replace("default: drop", "default: x")
    with pytest.raises(ScenarioError) as caught:
        load_base(text)
    assert [p.line for p in caught.value.problems] == [4, 7, 24]


def test_unknown_key_points_at_the_key_column() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_base(
            with_change(
                "    image: ext/web\n    networks: {dmz", "    imgae: ext/web\n    networks: {dmz"
            )
        )
    problem = next(p for p in caught.value.problems if "imgae" in p.message)
    assert (problem.line, problem.column) == (28, 5)


@pytest.mark.parametrize(
    ("text", "fragment", "line"),
    [
        ("", "empty file", 1),
        ("# only a comment\n", "empty file", 1),
        ("- a\n- b\n", "expected a mapping of keys", 1),
        ("just text", "expected a mapping of keys", 1),
        ("a: 1\n---\nb: 2\n", "expected a single document", 2),
        ("? [a]\n: 1\n", "unhashable key", 1),
        ("a: *nowhere\n", "found undefined alias", 1),
        ("a: !!python/object:os.system {}\n", "could not determine a constructor", 1),
        ("a: 'unterminated\n", "YAML syntax error", 2),
    ],
)
def test_not_a_scenario_mapping(text: str, fragment: str, line: int) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_base(text)
    assert fragment in caught.value.problems[0].message
    assert caught.value.problems[0].line == line


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert load(path, ROOT).scenario.title == "Test range"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        load(tmp_path / "nope.yaml", ROOT)
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (1, 1)
    assert "file not found" in problem.message
    assert problem.file.endswith("nope.yaml")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        load(tmp_path, ROOT)
    assert "is a directory" in caught.value.problems[0].message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: Übung\n".encode("latin-1"))
    with pytest.raises(ScenarioError) as caught:
        load(path, ROOT)
    assert "not UTF-8" in caught.value.problems[0].message


def test_loaded_scenario_knows_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(BASE, encoding="utf-8")
    loaded = load(path, ROOT)
    assert loaded.directory == tmp_path.resolve()
    assert loaded.path == path


def test_aliased_key_errors_are_located() -> None:
    with pytest.raises(ScenarioError) as caught:
        load_base(with_change("{from: internet,", "{from: 5,"))
    [problem] = caught.value.problems
    assert problem.line == 26
    assert "'from' in firewall rule #1 of firewall of host 'gw'" in problem.message
