"""Situation reports on a template, required every N minutes, graded by rubric.

The scenario's ``coordination.sitrep`` names who files (``to``), how often
(``every``) and the rubric (criterion -> most points). A SITREP filed at game
second ``t`` belongs to slot ``floor(t / every) + 1``, due at the slot's end;
the white cell's console lists, per team, every slot already due that has no
SITREP. A grade is an INJECT_GRADE fact (``data.sitrep``, the scores per
criterion in ``data.scores``; dedup key ``sitrep:<uid>``: graded once),
written with its audit entry in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from range.db import write_transaction
from range.scenario.models import SitrepRule
from records import audit
from records.coordination.errors import CoordinationDenied, CoordinationError
from records.coordination.parties import Actor, Directory
from records.coordination.tables import Sitrep
from records.coordination.threads import context, parse_tlp
from scoring.exercise import game_seconds
from scoring.ledger import FACT_TABLE, current_tick, fact_row
from scoring.tables import FactKind

FIELDS = ("situation", "impact", "actions", "needs", "outlook")
MAX_FIELD = 10_000
DEFAULT_RULE = SitrepRule(every=3600)


@dataclass(frozen=True)
class SitrepInput:
    situation: str
    impact: str = ""
    actions: str = ""
    needs: str = ""
    outlook: str = ""
    tlp: str = "AMBER"


@dataclass(frozen=True)
class Slot:
    team: str
    slot: int
    due_game: int
    sitrep: str | None  # uid of the SITREP filed for it, None: missing


def rule_of(parties: Directory) -> SitrepRule:
    return parties.scenario.coordination.sitrep or DEFAULT_RULE


def file_sitrep(engine: Engine, exercise_name: str, actor: Actor, data: SitrepInput,
                *, via: str = "api") -> Sitrep:
    """A team's SITREP (participants only: the white cell reads them)."""
    exercise, parties = context(engine, exercise_name)
    if actor.team is None or parties.is_red(actor.team):
        raise CoordinationDenied("SITREPs are filed by defending teams")
    texts = {name: str(getattr(data, name)).strip() for name in FIELDS}
    if not texts["situation"]:
        raise CoordinationError("a SITREP needs its situation", field="situation")
    for name, text in texts.items():
        if len(text) > MAX_FIELD:
            raise CoordinationError(f"{name}: at most {MAX_FIELD} characters", field=name)
    tlp = parse_tlp(data.tlp)
    now = game_seconds(exercise)
    report = Sitrep(exercise_id=exercise.id or 0, team=actor.team, author=actor.username,
                    slot=int(now // rule_of(parties).every) + 1, game_at=now, tlp=tlp,
                    situation=texts["situation"], impact=texts["impact"],
                    actions=texts["actions"], needs=texts["needs"], outlook=texts["outlook"])
    with write_transaction(engine) as conn:
        audit.append_many_on(conn, exercise_name, [(actor.username, "sitrep.file", {
            "sitrep": report.uid, "team": actor.team, "slot": report.slot, "tlp": tlp.value,
            "via": via})])
        with Session(bind=conn) as session:
            session.add(report)
            session.flush()
            session.expunge(report)
    return report


def sitreps(engine: Engine, exercise_name: str, actor: Actor) -> list[Sitrep]:
    """A team's own SITREPs; every SITREP for staff and auditors. Newest first."""
    exercise, _ = context(engine, exercise_name)
    query = select(Sitrep).where(Sitrep.exercise_id == exercise.id)
    if not actor.reads_all:
        query = query.where(Sitrep.team == (actor.team or ""))
    with Session(engine) as session:
        found = list(session.exec(query.order_by(col(Sitrep.id).desc())))
        for item in found:
            session.expunge(item)
    return found


def schedule(engine: Engine, exercise_name: str) -> list[Slot]:
    """Every due slot of every team the scenario requires SITREPs from."""
    exercise, parties = context(engine, exercise_name)
    rule = parties.scenario.coordination.sitrep
    if rule is None or exercise.started_at is None:
        return []
    due = int(game_seconds(exercise) // rule.every)
    filed: dict[tuple[str, int], str] = {}
    for item in sitreps(engine, exercise_name, Actor("", staff=True))[::-1]:
        filed.setdefault((item.team, item.slot), item.uid)
    return [Slot(team, k, k * rule.every, filed.get((team, k)))
            for team in parties.teams_for(rule.to) for k in range(1, due + 1)]


def grade_sitrep(engine: Engine, exercise_name: str, actor: Actor, uid: str,
                 scores: dict[str, int], reason: str = "", *, via: str = "api") -> Sitrep:
    """The white cell scores each rubric criterion; the sum is the team's points."""
    if not actor.staff:
        raise CoordinationDenied("only the white cell grades SITREPs")
    exercise, parties = context(engine, exercise_name)
    rubric = rule_of(parties).rubric
    checked = _checked_scores(rubric, scores)
    with Session(engine) as session:
        report = session.exec(select(Sitrep).where(
            Sitrep.uid == uid, Sitrep.exercise_id == exercise.id)).first()
        if report is None:
            raise CoordinationError(f"no SITREP {uid}", field="sitrep")
        session.expunge(report)
    if report.grade_fact_id is not None:
        raise CoordinationError("this SITREP is already graded; adjust the score instead")
    total = sum(checked.values())
    parts = ", ".join(f"{name} {value}/{rubric[name]}" for name, value in checked.items())
    message = f"SITREP slot {report.slot}: {parts}" + (
        f" ({reason.strip()})" if reason.strip() else "")
    fields: dict[str, Any] = {
        "team": report.team, "points": float(total), "actor": actor.username,
        "message": message[:500], "dedup_key": f"sitrep:{uid}",
        "data": {"sitrep": uid, "scores": checked, "rubric": dict(rubric)}}
    try:
        with write_transaction(engine) as conn:
            audit.append_many_on(conn, exercise_name, [(actor.username, "sitrep.grade", {
                "sitrep": uid, "team": report.team, "scores": checked, "points": total,
                "reason": reason, "via": via})])
            row = fact_row(exercise.id or 0, current_tick(conn, exercise.id or 0),
                           FactKind.INJECT_GRADE, **fields)
            key = conn.execute(insert(FACT_TABLE).values(**row)).inserted_primary_key
            assert key is not None
            table = Sitrep.__table__  # type: ignore[attr-defined]
            conn.execute(table.update().where(table.c.uid == uid).values(
                grade_fact_id=int(key[0]), grader=actor.username, scores=checked))
    except IntegrityError:
        raise CoordinationError("this SITREP is already graded") from None
    return report.model_copy(update={"grade_fact_id": int(key[0]), "grader": actor.username,
                                     "scores": checked})


def _checked_scores(rubric: dict[str, int], scores: dict[str, int]) -> dict[str, int]:
    unknown = sorted(set(scores) - set(rubric))
    if unknown:
        raise CoordinationError(f"no criterion {unknown[0]!r} in the rubric "
                                f"({', '.join(rubric)})", field=unknown[0])
    checked: dict[str, int] = {}
    for name, most in rubric.items():
        if name not in scores:
            raise CoordinationError(f"score every criterion: {name!r} is missing", field=name)
        value = scores[name]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
            raise CoordinationError(f"{name}: a whole number from 0 to {most}", field=name)
        checked[name] = value
    return checked
