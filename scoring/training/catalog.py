"""Imported training definitions: what `training import` stores and pages list."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from range.db import session_scope
from range.errors import GameError
from scoring.training.loader import LoadedTraining
from scoring.training.tables import TrainingDefinition, TrainingRun


def import_definition(engine: Engine, loaded: LoadedTraining) -> TrainingDefinition:
    """Store (or update) a definition. Trainees' runs keep their level numbers, so a
    definition with runs may grow but not lose levels."""
    spec = loaded.spec
    data = spec.model_dump(mode="json", by_alias=True)
    with session_scope(engine) as session:
        row = session.exec(
            select(TrainingDefinition).where(TrainingDefinition.name == spec.name)
        ).first()
        if row is not None:
            furthest = session.exec(
                select(func.max(TrainingRun.level)).where(TrainingRun.definition_id == row.id)
            ).one()
            if furthest is not None and len(spec.levels) < len(row.spec.get("levels", [])):
                raise GameError(f"training {spec.name} has trainees' runs: a new version may "
                                "add levels, not remove them (import it under another name)")
        else:
            row = TrainingDefinition(name=spec.name, title=spec.title, path="", scenario_path="")
        row.title, row.spec = spec.title, data
        row.path = str(loaded.path.resolve())
        row.scenario_path = str(loaded.scenario.path.resolve())
        session.add(row)
    with Session(engine) as session:
        return session.exec(
            select(TrainingDefinition).where(TrainingDefinition.name == spec.name)
        ).one()


def definitions(engine: Engine) -> list[TrainingDefinition]:
    with Session(engine) as session:
        query = select(TrainingDefinition).order_by(col(TrainingDefinition.name))
        return list(session.exec(query))
