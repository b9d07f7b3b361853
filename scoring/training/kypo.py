"""KYPO CRP linear training definitions (their JSON export) → our training YAML.

What maps (KYPO → here): INFO_LEVEL → info; TRAINING_LEVEL → task (answer,
max_score → points, incorrect_answer_limit → max_attempts, estimated_duration
in minutes → estimated, hints with hint_penalty, solution); ASSESSMENT_LEVEL
→ assessment (TEST/QUESTIONNAIRE; FFQ → free with the correct choices as
accepted answers, MCQ → choice, EMI → matching; points).
What does not, reported as notes: answers from sandbox variables
(``answer_variable_name``: per-sandbox answers come from our planted
``flag`` answers instead), ``solution_penalized: false`` (a solution here
always costs the level's points), reference solutions, expected commands,
MITRE technique tags, question penalties, ACCESS_LEVEL (skipped), and
adaptive trainings (``phases``: refused).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from range.errors import GameError

MINUTE = 60


@dataclass
class Converted:
    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def yaml_text(self) -> str:
        return yaml.safe_dump(self.data, sort_keys=False, allow_unicode=True, width=100)


def convert(kypo: dict[str, Any], name: str, scenario: str) -> Converted:
    """Our definition (as YAML data) of the KYPO definition ``kypo``; a file of another
    shape (a list where levels go, text where a number goes) is a GameError."""
    try:
        return _convert(kypo, name, scenario)
    except (TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise GameError(f"not a KYPO training definition this can read: {exc}") from None


def _convert(kypo: dict[str, Any], name: str, scenario: str) -> Converted:
    if kypo.get("phases"):
        raise GameError("this is an adaptive KYPO training (phases): only linear trainings "
                        "(levels) can be imported")  # fmt: skip
    out = Converted({"schema": "cyberrange/training-v1", "name": name,
                     "title": str(kypo.get("title") or name), "scenario": scenario})  # fmt: skip
    if kypo.get("description"):
        out.data["description"] = str(kypo["description"])
    levels = []
    for level in sorted(kypo.get("levels") or [], key=lambda lv: lv.get("order", 0)):
        kind = level.get("level_type")
        title = str(level.get("title") or kind)
        if kind == "INFO_LEVEL":
            levels.append({"type": "info", "title": title, "content": _text(level, "content")})
        elif kind == "TRAINING_LEVEL":
            levels.append(_task(level, title, out.notes))
        elif kind == "ASSESSMENT_LEVEL":
            levels.append(_assessment(level, title, out.notes))
        else:
            out.notes.append(f"level {title!r}: {kind} is not imported (skipped)")
    if not levels:
        raise GameError("the KYPO definition has no level that can be imported")
    out.data["levels"] = levels
    return out


def _task(level: dict[str, Any], title: str, notes: list[str]) -> dict[str, Any]:
    task: dict[str, Any] = {"type": "task", "title": title, "content": _text(level, "content")}
    if level.get("answer_variable_name") or level.get("variant_answers"):
        notes.append(f"level {title!r}: its answer comes from a sandbox variable; set a "
                     "`flag:` (or `answer:`) by hand")  # fmt: skip
    task["answer"] = str(level.get("answer") or "CHANGE-ME")
    task["points"] = int(level.get("max_score") or 0)
    if level.get("incorrect_answer_limit"):
        task["max_attempts"] = int(level["incorrect_answer_limit"])
    if level.get("estimated_duration"):
        task["estimated"] = int(level["estimated_duration"]) * MINUTE
    hints = sorted(level.get("hints") or [], key=lambda h: h.get("order", 0))
    if hints:
        task["hints"] = [{"title": str(h.get("title") or "Hint"), "content": _text(h, "content"),
                          "penalty": int(h.get("hint_penalty") or 0)} for h in hints]  # fmt: skip
    if level.get("solution"):
        task["solution"] = {"content": str(level["solution"])}
        if level.get("solution_penalized") is False:
            notes.append(f"level {title!r}: its solution was free in KYPO; here it costs the "
                         "level's points")  # fmt: skip
    dropped = [k for k in ("reference_solution", "expected_commands", "mitre_techniques")
               if level.get(k)]  # fmt: skip
    if dropped:
        notes.append(f"level {title!r}: not imported: {', '.join(dropped)}")
    return task


def _assessment(level: dict[str, Any], title: str, notes: list[str]) -> dict[str, Any]:
    kind = "questionnaire" if level.get("assessment_type") == "QUESTIONNAIRE" else "test"
    questions = []
    for question in sorted(level.get("questions") or [], key=lambda q: q.get("order", 0)):
        if question.get("penalty"):
            notes.append(f"level {title!r}: question penalties are not imported")
        questions.append(_question(question))
    return {"type": "assessment", "title": title, "content": str(level.get("instructions") or ""),
            "kind": kind, "questions": questions}  # fmt: skip


def _question(question: dict[str, Any]) -> dict[str, Any]:
    text, points = _text(question, "text"), int(question.get("points") or 0)
    kind = question.get("question_type")
    choices = sorted(question.get("choices") or [], key=lambda c: c.get("order", 0))
    if kind == "MCQ":
        return {"type": "choice", "text": text, "choices": [str(c.get("text")) for c in choices],
                "correct": [i for i, c in enumerate(choices) if c.get("correct")],
                "points": points}  # fmt: skip
    if kind == "EMI":
        options = {o.get("order"): str(o.get("text"))
                   for o in question.get("extended_matching_options") or []}  # fmt: skip
        statements = sorted(question.get("extended_matching_statements") or [],
                            key=lambda s: s.get("order", 0))  # fmt: skip
        pairs = {str(s.get("text")): options.get(s.get("correct_option_order"), "")
                 for s in statements}  # fmt: skip
        return {"type": "matching", "text": text, "pairs": pairs, "points": points}
    accepted = [str(c.get("text")) for c in choices if c.get("correct", True)]
    return {"type": "free", "text": text, "answers": accepted, "points": points}


def _text(item: dict[str, Any], key: str) -> str:
    return str(item.get(key) or "-")
