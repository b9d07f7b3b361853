"""The training definition language (docs/training.md): ordered levels on a sandbox.

Level types follow KYPO CRP's linear trainings: ``info`` (text only),
``task`` (an answer or the sandbox's flag; hints with penalties; a solution
that costs the level's points; a maximum of attempts) and ``assessment``
(free-form, multiple choice and matching questions; a test is scored, a
questionnaire only recorded). The JSON Schema of this model is what
`cyberrange training schema` prints for editors.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from range.scenario.models import NAME_PATTERN, Duration

Points = Annotated[int, Field(ge=0, le=100_000)]
Text = Annotated[str, Field(min_length=1, max_length=20_000)]
Title = Annotated[str, Field(min_length=1, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hint(Strict):
    title: Title
    content: Text
    penalty: Points = 0


class Solution(Strict):
    content: Text


class FlagAnswer(Strict):
    """The answer is the objective flag planted in the trainee's own sandbox."""

    host: Annotated[str, Field(pattern=NAME_PATTERN)]
    index: int = Field(default=0, ge=0, le=99, description="Which of the host's flags.")


class InfoLevel(Strict):
    type: Literal["info"]
    title: Title
    content: Text


class TaskLevel(Strict):
    type: Literal["task"]
    title: Title
    content: Text
    answer: str | None = Field(default=None, min_length=1, max_length=500)
    answer_regex: str | None = Field(default=None, min_length=1, max_length=500)
    flag: FlagAnswer | None = None
    case_insensitive: bool = False
    points: Points = 10
    max_attempts: int | None = Field(default=None, ge=1, le=1000)
    estimated: Duration | None = None
    hints: list[Hint] = Field(default_factory=list, max_length=20)
    solution: Solution | None = None
    attachments: list[Annotated[str, Field(min_length=1, max_length=255)]] = Field(
        default_factory=list, max_length=20
    )

    @model_validator(mode="after")
    def _one_answer(self) -> TaskLevel:
        given = [k for k in ("answer", "answer_regex", "flag") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a task has exactly one of answer, answer_regex or flag")
        return self

    @field_validator("answer_regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return value


class FreeQuestion(Strict):
    type: Literal["free"]
    text: Text
    answers: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        default_factory=list, max_length=50, description="Accepted answers (none: any answer)."
    )
    points: Points = 0


class ChoiceQuestion(Strict):
    type: Literal["choice"]
    text: Text
    choices: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        min_length=2, max_length=20
    )
    correct: list[Annotated[int, Field(ge=0)]] = Field(default_factory=list, max_length=20)
    points: Points = 0

    @model_validator(mode="after")
    def _correct_exist(self) -> ChoiceQuestion:
        wrong = [i for i in self.correct if i >= len(self.choices)]
        if wrong:
            raise ValueError(f"correct choice {wrong[0]} does not exist (choices are 0.."
                             f"{len(self.choices) - 1})")
        return self


class MatchingQuestion(Strict):
    type: Literal["matching"]
    text: Text
    pairs: dict[Annotated[str, Field(min_length=1, max_length=200)],
                Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=2, max_length=20)  # fmt: skip
    points: Points = 0


Question = Annotated[FreeQuestion | ChoiceQuestion | MatchingQuestion, Field(discriminator="type")]


class AssessmentLevel(Strict):
    type: Literal["assessment"]
    title: Title
    content: str = ""
    kind: Literal["test", "questionnaire"] = "test"
    questions: list[Question] = Field(min_length=1, max_length=100)


Level = Annotated[InfoLevel | TaskLevel | AssessmentLevel, Field(discriminator="type")]


class NiceRole(Strict):
    """The NICE Framework work role and tasks this training practises (for the record)."""

    work_role: Title
    tasks: list[Annotated[str, Field(pattern=r"^T\d{4}$")]] = Field(default_factory=list)


class TrainingSpec(Strict):
    schema_: Literal["cyberrange/training-v1"] = Field(alias="schema")
    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    title: Title
    description: str = ""
    scenario: Annotated[str, Field(min_length=1, max_length=255)] = Field(
        description="The trainee's sandbox: a scenario file, relative to this file.")
    pool: Annotated[str, Field(pattern=NAME_PATTERN)] | None = Field(
        default=None, description="The sandbox pool [default: the training's name].")
    time_limit: Duration | None = None
    nice: NiceRole | None = None
    levels: list[Level] = Field(min_length=1, max_length=100)

    @property
    def pool_name(self) -> str:
        return self.pool or self.name

    @property
    def max_points(self) -> int:
        total = 0
        for level in self.levels:
            if isinstance(level, TaskLevel):
                total += level.points
            elif isinstance(level, AssessmentLevel) and level.kind == "test":
                total += sum(q.points for q in level.questions)
        return total
