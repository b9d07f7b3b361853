"""Training definitions (validation with positions) and a trainee's way through the
levels (scores, hints, solutions, attempts, assessments) on a real SQLite database."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from range.errors import GameError, NotFoundError
from scoring.training import play
from scoring.training.catalog import import_definition
from scoring.training.loader import TrainingError, load_training
from tests.conftest import ROOT

TRAININGS = sorted((ROOT / "trainings").glob("*/training.yaml"))
HELLO = ROOT / "scenarios" / "hello-range" / "scenario.yaml"


@pytest.mark.parametrize("path", TRAININGS, ids=lambda p: p.parent.name)
def test_bundled_trainings_validate_and_have_a_readme(path: Path) -> None:
    loaded = load_training(path, ROOT)
    assert loaded.spec.max_points > 0
    assert (path.parent / "README.md").is_file()


def test_problems_name_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text(f"""schema: cyberrange/training-v1
name: bad
title: Bad
scenario: {HELLO}
levels:
  - type: task
    title: X
    content: y
    answer: a
    colour: red
  - type: quiz
    title: Q
""")
    with pytest.raises(TrainingError) as caught:
        load_training(bad, ROOT)
    shown = [str(p) for p in caught.value.problems]
    assert shown[0].startswith(f"{bad}:10:5: error: unknown key 'colour' at levels.0; "
                               "expected one of: type, title, content, answer")  # fmt: skip
    assert shown[1].startswith(f"{bad}:11:5: ") and "'quiz'" in shown[1]


def test_references_into_the_sandbox_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text(f"""schema: cyberrange/training-v1
name: bad
title: Bad
scenario: {HELLO}
levels:
  - {{type: task, title: X, content: y, flag: {{host: nothere}}}}
  - {{type: task, title: Y, content: y, flag: {{host: box, index: 3}}, attachments: [x.pcap]}}
  - {{type: task, title: Z, content: z, answer: a, answer_regex: b}}
""")
    with pytest.raises(TrainingError) as caught:
        load_training(bad, ROOT)
    shown = "\n".join(str(p) for p in caught.value.problems)
    assert "exactly one of answer, answer_regex or flag" in shown
    bad.write_text(bad.read_text().replace("answer: a, answer_regex: b", "answer: a"))
    with pytest.raises(TrainingError) as caught:
        load_training(bad, ROOT)
    shown = "\n".join(str(p) for p in caught.value.problems)
    assert f"{bad}:6:46: error: the sandbox has no host 'nothere'" in shown
    assert "host box has 1 flag(s), no index 3" in shown
    assert "attachment 'x.pcap' not found" in shown


@pytest.fixture
def course(engine: Engine) -> str:
    loaded = load_training(ROOT / "trainings" / "first-steps" / "training.yaml", ROOT)
    import_definition(engine, loaded)
    return loaded.spec.name


def test_a_trainee_walks_the_levels_and_scores_by_the_rules(engine: Engine, course: str) -> None:
    play.start(engine, course, "alice", "first-steps", 3)
    assert play.start(engine, course, "alice", "first-steps", 9).sandbox == 3  # resumes
    with pytest.raises(GameError, match="is a 'info' level"):
        play.answer(engine, course, "alice", "10.3.0.10")
    play.read_on(engine, course, "alice")
    text, new = play.take_hint(engine, course, "alice", 0)
    assert new and "ip -4" in text
    assert play.take_hint(engine, course, "alice", 0) == (text, False)  # no second penalty
    with pytest.raises(NotFoundError, match="no hint 2"):
        play.take_hint(engine, course, "alice", 1)
    right, here = play.answer(engine, course, "alice", "192.168.1.1")
    assert not right and here.attempts == 1
    right, here = play.answer(engine, course, "alice", " 10.3.0.10 ")
    assert right and here.score == 10 - 3 and here.run.level == 2
    with pytest.raises(GameError, match=r"level 3 \(The flag\) is a 'task' level"):
        play.read_on(engine, course, "alice")
    play.show_solution(engine, course, "alice")


def test_the_solution_costs_the_level_and_attempts_run_out(engine: Engine, course: str) -> None:
    play.start(engine, course, "bob", "first-steps", 1)
    play.read_on(engine, course, "bob")
    assert "ip -4 -brief addr" in play.show_solution(engine, course, "bob")
    for _ in range(4):
        assert play.answer(engine, course, "bob", "wrong")[0] is False
    right, here = play.answer(engine, course, "bob", "10.1.0.10")
    assert right and here.score == 0  # solved after seeing the solution
    play.start(engine, course, "carol", "first-steps", 2)
    play.read_on(engine, course, "carol")
    for _ in range(5):
        _, here = play.answer(engine, course, "carol", "no")
    assert here.run.level == 2 and here.score == 0  # attempts ran out: on to the next level
    kinds = [e.kind for e in play.events_of(engine, here.run) if e.level == 1]
    assert kinds.count("answer_wrong") == 5 and kinds[-1] == "level_failed"


def test_assessments_score_a_test_and_the_run_finishes(engine: Engine, course: str) -> None:
    play.start(engine, course, "dave", "first-steps", 1)
    play.read_on(engine, course, "dave")
    play.answer(engine, course, "dave", "10.1.0.10")
    here = play.position(engine, course, "dave")
    # Jump the flag level the way a trainee who saw the solution would... the flag needs a
    # pool's exercise: without one the answer is a clear error, not a traceback.
    with pytest.raises(GameError, match="pool first-steps has no exercise"):
        play.answer(engine, course, "dave", "FLAG{x}")
    assert here.run.level == 2
    with pytest.raises(GameError, match="2 questions, 1 answer"):
        play._close(engine, here, play.EventKind.FAILED, 0, {})  # level 3 closes (skip)
        play.assess(engine, course, "dave", [1])
    here = play.assess(engine, course, "dave", [[1], "patch it"])
    assert here.finished and here.score == 10 + 10
    with pytest.raises(GameError, match="has finished"):
        play.show_solution(engine, course, "dave")
    assert [p.run.trainee for p in play.runs(engine, course)] == ["dave"]


def test_a_level_closes_once_even_when_two_answers_race(engine: Engine, course: str) -> None:
    play.start(engine, course, "erin", "first-steps", 1)
    here = play.position(engine, course, "erin")
    play._close(engine, here, play.EventKind.NEXT, 0, {})
    with pytest.raises(GameError, match="level 1 is already done"):
        play._close(engine, here, play.EventKind.NEXT, 0, {})  # the stale second request
    closing = [e for e in play.events_of(engine, here.run) if e.kind == "level_read"]
    assert len(closing) == 1


def test_the_record_has_a_row_and_a_valid_xapi_statement_per_event(
    engine: Engine, course: str
) -> None:
    from records.training_runs import record_csv, record_rows, statements
    from tests.unit.records.xapi_rules import violations

    play.start(engine, course, "frank", "first-steps", 1)
    play.read_on(engine, course, "frank")
    play.take_hint(engine, course, "frank", 0)
    play.answer(engine, course, "frank", '=HYPERLINK("http://evil.example","x")')
    play.answer(engine, course, "frank", "10.1.0.10")
    rows = record_rows(engine, course)
    assert [r["event"] for r in rows] == ["started", "level_read", "hint", "answer_wrong",
                                          "answer_right"]  # fmt: skip
    assert rows[-1]["points"] == 7 and rows[0]["nice_work_role"] == "Cyber Defense Analyst"
    text = record_csv(engine, course)
    cells = [cell for line in csv.reader(io.StringIO(text)) for cell in line]
    assert "response==HYPERLINK(\"http://evil.example\",\"x\")" in cells
    assert not any(c.lstrip().startswith(("=", "+", "-", "@")) for c in cells)  # no formula
    found = statements(engine, course, "https://range.example")
    assert [violations(s) for s in found] == [[] for _ in found]
    assert len({s["id"] for s in found}) == len(found)
    verbs = [s["verb"]["display"]["en-US"] for s in found]
    assert verbs == ["attempted", "completed", "took-hint", "answered", "passed"]
    passed = found[-1]["result"]
    assert passed["success"] is True and passed["score"]["raw"] == 7
    assert found[3]["result"] == {"success": False,
                                  "response": '=HYPERLINK("http://evil.example","x")'}  # fmt: skip
    assert statements(engine, course, "https://range.example") == found  # repeatable


def test_a_kypo_linear_training_converts_into_a_valid_definition(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cyberrange.cli import cli

    source = Path(__file__).parent / "fixtures" / "kypo-linear.json"
    out = tmp_path / "junior.yaml"
    result = CliRunner().invoke(cli, [
        "--data-dir", str(tmp_path / "data"), "training", "import-kypo", str(source),
        "--name", "junior", "--scenario", str(HELLO), "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "ACCESS_LEVEL is not imported" in result.output
    assert "answer comes from a sandbox variable" in result.output
    assert "solution was free in KYPO" in result.output and "mitre_techniques" in result.output
    spec = load_training(out, ROOT).spec
    assert [lv.type for lv in spec.levels] == ["info", "task", "task", "assessment"]
    scan = spec.levels[1]
    assert (scan.title, scan.answer, scan.points, scan.max_attempts, scan.estimated) == (
        "Scan", "22", 20, 5, 600)  # fmt: skip
    assert [(h.title, h.penalty) for h in scan.hints] == [("Tool", 4)]
    quiz = spec.levels[3]
    assert [q.type for q in quiz.questions] == ["choice", "free", "matching"]
    assert quiz.questions[0].correct == [1] and quiz.questions[1].answers == ["22"]
    assert quiz.questions[2].pairs == {"ssh": "22", "http": "80"}
    assert spec.max_points == 20 + 30 + 15
    adaptive = tmp_path / "adaptive.json"
    adaptive.write_text('{"title": "A", "phases": [{"phase_type": "TRAINING"}]}')
    refused = CliRunner().invoke(cli, [
        "--data-dir", str(tmp_path / "data"), "training", "import-kypo", str(adaptive),
        "--name", "a", "--scenario", str(HELLO), "-o", str(tmp_path / "a.yaml")])  # fmt: skip
    assert refused.exit_code == 1 and "adaptive KYPO training" in refused.output


def test_hostile_answers_and_kypo_files_get_a_clear_error(
    engine: Engine, course: str, tmp_path: Path
) -> None:
    from scoring.training.kypo import convert

    play.start(engine, course, "gina", "first-steps", 1)
    play.read_on(engine, course, "gina")
    play.answer(engine, course, "gina", "10.1.0.10")
    play._close(engine, play.position(engine, course, "gina"), play.EventKind.FAILED, 0, {})
    for bad in ([["x"], "a"], [[10**400], "a"], [float("nan"), "a"]):
        with pytest.raises(GameError, match="wrong form"):
            play.assess(engine, course, "gina", bad)
    assert play.position(engine, course, "gina").run.level == 3  # nothing recorded
    for shape in ({"levels": "not a list"},
                  {"levels": [{"level_type": "TRAINING_LEVEL", "max_score": "lots"}]}):
        with pytest.raises(GameError, match="not a KYPO training definition"):
            convert(shape, "x", "s.yaml")
