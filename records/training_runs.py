"""The training record of guided trainings: one row and one xAPI statement per level event.

Verbs (ADL vocabulary where it has one): a run's start is ``attempted``,
an answer ``answered`` (with ``success``), a closed level ``passed`` or
``failed`` (attempts ran out) with its score, an assessment ``completed``,
a finished run ``completed`` with the run's total; a hint and a solution
shown are ``urn:cyberrange:xapi:verb:took-hint`` and ``…:viewed-solution``
(ADL has no verb for them). Statement ids derive from the training, the
trainee and the event, so an export is repeatable.
"""

from __future__ import annotations

import io
from typing import Any

from defusedcsv import csv  # type: ignore[import-untyped]  # formula-injection guard
from sqlalchemy.engine import Engine

from records import xapi
from records.exports.cells import safe_cell
from scoring.training import play
from scoring.training.spec import TrainingSpec

VERB_OF = {
    play.EventKind.STARTED: "attempted",
    play.EventKind.WRONG: "answered",
    play.EventKind.RIGHT: "passed",
    play.EventKind.FAILED: "failed",
    play.EventKind.NEXT: "completed",
    play.EventKind.ASSESSED: "completed",
    play.EventKind.FINISHED: "completed",
    play.EventKind.HINT: "took-hint",
    play.EventKind.SOLUTION: "viewed-solution",
}
OWN_VERBS = {"took-hint", "viewed-solution"}
COLUMNS = ("training", "trainee", "level", "level_title", "event", "points", "detail", "at",
           "nice_work_role", "nice_tasks")  # fmt: skip


def record_rows(engine: Engine, name: str) -> list[dict[str, Any]]:
    rows = []
    for here in play.runs(engine, name):
        spec = here.spec
        for event in play.events_of(engine, here.run):
            rows.append({
                "training": spec.name, "trainee": here.run.trainee, "level": event.level + 1,
                "level_title": _title(spec, event.level), "event": event.kind,
                "points": event.points, "detail": event.detail, "at": event.at,
                "nice_work_role": spec.nice.work_role if spec.nice else "",
                "nice_tasks": " ".join(spec.nice.tasks) if spec.nice else "",
            })  # fmt: skip
    return rows


def record_csv(engine: Engine, name: str) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in record_rows(engine, name):
        cells = {**row, "detail": _detail_text(row["detail"]), "at": row["at"].isoformat()}
        writer.writerow({key: safe_cell(value) for key, value in cells.items()})
    return out.getvalue()


def statements(engine: Engine, name: str, home_page: str) -> list[dict[str, Any]]:
    """Every level event of every trainee of training ``name`` as an xAPI statement."""
    out = []
    for here in play.runs(engine, name):
        spec, run = here.spec, here.run
        actor = xapi.agent(run.trainee, run.trainee, home_page)
        course = xapi.activity(xapi.activity_id("training", spec.name), spec.title)
        context = {"registration": xapi.registration(f"training:{spec.name}:{run.trainee}"),
                   "platform": "cyberrange",
                   "contextActivities": {"parent": [course]}}  # fmt: skip
        for event in play.events_of(engine, run):
            key = f"training:{spec.name}:{run.trainee}:{event.id}"
            body = xapi.statement(key, actor, "completed", _object(spec, event, course),
                                  event.at, _result(spec, event, here.score), context)  # fmt: skip
            verb = VERB_OF[play.EventKind(event.kind)]
            iri = f"urn:cyberrange:xapi:verb:{verb}" if verb in OWN_VERBS else xapi.VERBS[verb]
            body["verb"] = {"id": iri, "display": {"en-US": verb}}
            out.append(body)
    return out


def _object(spec: TrainingSpec, event: Any, course: dict[str, Any]) -> dict[str, Any]:
    """The training itself for its start and end; the level for everything else."""
    if event.kind in (play.EventKind.STARTED, play.EventKind.FINISHED):
        return course
    iri = xapi.activity_id("training", spec.name, "level", str(event.level + 1))
    return xapi.activity(iri, _title(spec, event.level), xapi.INTERACTION)


def _result(spec: TrainingSpec, event: Any, total: int) -> dict[str, Any] | None:
    kind = play.EventKind(event.kind)
    if kind is play.EventKind.WRONG:
        return {"success": False, "response": str(event.detail.get("response", ""))}
    if kind is play.EventKind.FINISHED:
        return {"completion": True, "score": xapi.score(total, 0, spec.max_points)}
    if kind in (play.EventKind.RIGHT, play.EventKind.FAILED, play.EventKind.ASSESSED):
        level = spec.levels[event.level]
        most = getattr(level, "points", 0) or sum(
            getattr(q, "points", 0) for q in getattr(level, "questions", []))
        return {"success": kind is not play.EventKind.FAILED, "completion": True,
                "score": xapi.score(event.points, 0, most)}  # fmt: skip
    return None


def _title(spec: TrainingSpec, index: int) -> str:
    return spec.levels[index].title if index < len(spec.levels) else "finished"


def _detail_text(detail: dict[str, Any]) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted(detail.items()))
