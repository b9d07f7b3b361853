"""Small lookups every records module needs."""

from __future__ import annotations

from sqlmodel import Session, select

from range.errors import NotFoundError
from range.scenario.models import Scenario
from range.scenario.models import Severity as ScenarioSeverity
from records.tables import Severity
from scoring.tables import Exercise

SEVERITY_FROM_SCENARIO = {
    ScenarioSeverity.INFO: Severity.INFO,
    ScenarioSeverity.LOW: Severity.LOW,
    ScenarioSeverity.MEDIUM: Severity.MEDIUM,
    ScenarioSeverity.HIGH: Severity.HIGH,
    ScenarioSeverity.CRITICAL: Severity.CRITICAL,
}


def get_exercise(session: Session, name: str) -> Exercise:
    exercise = session.exec(select(Exercise).where(Exercise.name == name)).first()
    if exercise is None or exercise.id is None:
        raise NotFoundError(f"no exercise named {name!r}")
    return exercise


def scenario_of(exercise: Exercise) -> Scenario:
    """The scenario snapshot the exercise was created from."""
    return Scenario.model_validate(exercise.scenario)


def exercise_id(exercise: Exercise) -> int:
    assert exercise.id is not None  # loaded from the database
    return exercise.id
