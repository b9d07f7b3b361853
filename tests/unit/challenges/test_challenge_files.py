"""challenge.yml in ctfcli's format: ctfcli's own examples load, round-trip, and
broken files are reported at file:line:column."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.challenges.export import write_challenge
from scoring.challenges.loader import ChallengeError, load_challenge, load_directory, load_text

FIXTURES = Path(__file__).parent / "fixtures" / "ctfcli"


def test_ctfcli_examples_load_with_every_form() -> None:
    loaded = {item.spec.name: item for item in load_directory(FIXTURES)}
    assert len(loaded) == 6
    full = loaded["Test Challenge"].spec
    assert [f.type for f in full.flags] == ["static", "static", "regex"]
    assert full.flags[1].case_insensitive and not full.flags[0].case_insensitive
    assert [(h.content, h.cost) for h in full.hints] == [("free hint", 0), ("paid hint", 100)]
    assert full.requirements.prerequisites == [1, "Other Test Challenge"]
    assert full.extra == {"extra_property": "extra_property_value"} and full.attempts == 5
    example = loaded["Spec Example"].spec
    assert example.dynamic is not None and example.dynamic.function == "logarithmic"
    assert example.requirements.anonymize and example.hints[4].requirements == ["keyed_hint_1"]
    assert example.solution is not None and example.solution.path == "writeup/WRITEUP.md"
    assert loaded["Minimal Challenge"].spec.state == "hidden"


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir()))
def test_round_trip(name: str, tmp_path: Path) -> None:
    original = load_challenge(FIXTURES / name / "challenge.yml")
    files = {f: (original.directory / f).read_bytes() for f in original.spec.files}
    path = write_challenge(original.raw, files, tmp_path / name)
    again = load_challenge(path)
    assert again.spec == original.spec
    assert again.raw == original.raw
    for relative, content in files.items():
        assert (tmp_path / name / relative).read_bytes() == content


def problems_of(text: str, tmp_path: Path) -> list[str]:
    with pytest.raises(ChallengeError) as caught:
        load_text(text, "c/challenge.yml", tmp_path)
    return [str(p) for p in caught.value.problems]


def test_unknown_key_is_located(tmp_path: Path) -> None:
    text = "name: x\ncategory: web\nvalue: 10\nflagz: [a]\n"
    [problem] = problems_of(text, tmp_path)
    assert problem.startswith("c/challenge.yml:4:1: error: unknown key 'flagz'")
    assert "flags" in problem


def test_bad_values_are_located(tmp_path: Path) -> None:
    text = (
        "name: x\ncategory: web\nvalue: ten\ntype: standard\n"
        "flags:\n  - {type: glob, content: a}\n"
        "hints:\n  - content: h\n    cost: -5\n    colour: red\n"
    )
    found = problems_of(text, tmp_path)
    assert any(p.startswith("c/challenge.yml:3:8:") and "value" in p for p in found), found
    assert any(p.startswith("c/challenge.yml:6:12:") and "'static'" in p for p in found), found
    assert any(p.startswith("c/challenge.yml:9:11:") for p in found), found
    assert any(p.startswith("c/challenge.yml:10:5:") and "'colour'" in p for p in found), found


def test_dynamic_extra_is_checked(tmp_path: Path) -> None:
    text = "name: d\ncategory: c\ntype: dynamic\nextra:\n  initial: 500\n  minimum: 50\n" \
           "  function: exponential\n"
    found = problems_of(text, tmp_path)
    assert any(p.startswith("c/challenge.yml:5:3:") and "'decay'" in p for p in found), found
    assert any(p.startswith("c/challenge.yml:7:13:") and "linear" in p for p in found), found


def test_missing_file_duplicate_key_and_syntax(tmp_path: Path) -> None:
    text = "name: x\ncategory: web\nvalue: 1\nfiles:\n  - dist/none.bin\n  - ../../etc/passwd\n"
    found = problems_of(text, tmp_path)
    assert found[0].startswith("c/challenge.yml:5:5:") and "not found" in found[0]
    assert found[1].startswith("c/challenge.yml:6:5:") and "outside" in found[1]
    [dup] = problems_of("name: x\nname: y\ncategory: c\nvalue: 1\n", tmp_path)
    assert dup.startswith("c/challenge.yml:2:1:") and "duplicate key 'name'" in dup
    [syntax] = problems_of("name: [x\n", tmp_path)
    assert syntax.startswith("c/challenge.yml:2:1:") and "YAML" in syntax
    [standard] = problems_of("name: x\ncategory: c\n", tmp_path)
    assert "needs a 'value'" in standard
