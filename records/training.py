"""Training records: per participant and exercise, computed from the records.

Score and success come from the scoreboard and the ledger; what the person did
becomes xAPI statements. Nothing here is stored: the ledger is the truth.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from records import xapi
from records.common import exercise_id, get_exercise
from records.findings import SUCCESS_OUTCOMES, is_objective_capture
from records.nice import work_role
from records.participants import roster
from records.scores import ScoreView, load_scores
from records.tables import EvidenceFile, IncidentReport, Participant, ParticipantTeam
from scoring.tables import Exercise, Fact, FactKind


def default_home_page() -> str:
    """The system participants' accounts live on: CYBERRANGE_PUBLIC_URL, else this host."""
    return os.environ.get("CYBERRANGE_PUBLIC_URL") or f"https://{socket.getfqdn()}/"


@dataclass
class TrainingRecord:
    username: str
    display_name: str
    exercise: str
    role: str
    team: str
    score: float
    success: bool | None  # None: the role is not scored (white, auditor)
    duration_seconds: float
    work_role: str
    work_role_current: str | None
    statements: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)  # sha256 of uploaded files


def _actor_name(actor: str | None) -> str:
    return (actor or "").rsplit(":", 1)[-1]


def active_seconds(exercise: Exercise, facts: list[Fact]) -> float:
    """Exercise time minus pauses; from the ticks when start/end are unknown."""
    if exercise.started_at is not None:
        end = exercise.finished_at or datetime.now(UTC)
        start = exercise.started_at
        if start.tzinfo is None:  # SQLite gives naive datetimes back
            start, end = start.replace(tzinfo=UTC), end.replace(tzinfo=UTC)
        return max(0.0, (end - start).total_seconds() - exercise.paused_seconds)
    last_tick = max((f.tick for f in facts), default=0)
    return float(last_tick * exercise.tick_seconds)


def team_success(role: str, team: str, facts: list[Fact]) -> bool | None:
    """Red: reached an objective. Blue: lost no objective and detected an attack."""
    if role in ("red", "purple"):
        return any(f.kind == FactKind.CAPTURE and f.team == team and is_objective_capture(f)
                   for f in facts)
    if role == "blue":
        lost = any(f.kind == FactKind.CAPTURE and f.target == team and is_objective_capture(f)
                   for f in facts)
        detected = any(f.kind == FactKind.REPORT_MATCH and f.team == team for f in facts)
        return detected and not lost
    return None


def training_records(engine: Engine, exercise_name: str, home_page: str | None = None,
                     scores: ScoreView | None = None) -> list[TrainingRecord]:
    scores = scores or load_scores(engine, exercise_name)
    home_page = home_page or default_home_page()
    with Session(engine) as session:
        exercise = get_exercise(session, exercise_name)
        ex_id = exercise_id(exercise)
        facts = list(session.exec(select(Fact).where(Fact.exercise_id == ex_id)
                                  .order_by(col(Fact.id))))
        reports = list(session.exec(select(IncidentReport).where(
            IncidentReport.exercise_id == ex_id)))
        files = list(session.exec(select(EvidenceFile).where(EvidenceFile.exercise_id == ex_id)))
    records = []
    for person, link in roster(engine, exercise_name):
        ctx = _Context(exercise, facts, reports, files, scores, home_page)
        records.append(ctx.record(person, link))
    return records


@dataclass
class _Context:
    exercise: Exercise
    facts: list[Fact]
    reports: list[IncidentReport]
    files: list[EvidenceFile]
    scores: ScoreView
    home_page: str

    def record(self, person: Participant, link: ParticipantTeam) -> TrainingRecord:
        role = work_role(link.role)
        score = self.scores.total_of(link.team_name)
        success = team_success(link.role, link.team_name, self.facts)
        duration = active_seconds(self.exercise, self.facts)
        return TrainingRecord(
            username=person.username, display_name=person.display_name,
            exercise=self.exercise.name, role=link.role, team=link.team_name, score=score,
            success=success, duration_seconds=duration,
            work_role=role.legacy if role else "", work_role_current=role.current if role else None,
            statements=self.statements(person, link, score, success, duration),
            evidence=[f.sha256 for f in self.files
                      if _actor_name(f.uploaded_by) == person.username],
        )

    @property
    def scope(self) -> str:
        """This run of the exercise: its name and creation time (names can be reused)."""
        created = self.exercise.created_at
        return f"{self.exercise.name}@{created.replace(tzinfo=None).isoformat()}"

    def statements(self, person: Participant, link: ParticipantTeam, score: float,
                   success: bool | None, duration: float) -> list[dict[str, Any]]:
        actor = xapi.agent(person.username, person.display_name, self.home_page)
        name, scope = self.exercise.name, self.scope
        exercise = xapi.activity(xapi.activity_id("exercise", name), self.exercise.scenario.get(
            "title", name))
        scenario = xapi.activity(xapi.activity_id("scenario", self.exercise.scenario.get(
            "name", name)), f"Scenario {self.exercise.scenario.get('name', name)}")
        role = work_role(link.role)
        extensions = {"urn:cyberrange:xapi:ext:team": link.team_name,
                      "urn:cyberrange:xapi:ext:role": link.role}
        if role:
            extensions["urn:cyberrange:xapi:ext:nice-work-role"] = role.legacy
        context: dict[str, Any] = {
            "registration": xapi.registration(scope), "platform": "cyberrange",
            "contextActivities": {"grouping": [scenario]}, "extensions": extensions}
        inside = {**context, "contextActivities": {"parent": [exercise], "grouping": [scenario]}}
        start = self.exercise.started_at or self.exercise.created_at
        out = [xapi.statement(f"{scope}:{person.username}:attempted", actor, "attempted",
                              exercise, start, context=context)]
        out += self._actions(person.username, actor, inside)
        end = start + timedelta(seconds=duration)
        totals = [t.total for t in self.scores.teams] or [0.0]
        result: dict[str, Any] = {"completion": True, "duration": xapi.iso_duration(duration),
                                  "score": xapi.score(score, min(totals), max(totals))}
        out.append(xapi.statement(f"{scope}:{person.username}:completed", actor, "completed",
                                  exercise, end, result, context))
        if success is not None:
            verb = "passed" if success else "failed"
            out.append(xapi.statement(f"{scope}:{person.username}:{verb}", actor, verb, exercise,
                                      end, {"success": success}, context))
        return out

    def _actions(self, username: str, actor: dict[str, Any],
                 context: dict[str, Any]) -> list[dict[str, Any]]:
        name, out = self.exercise.name, []
        for fact in self.facts:
            verb = _VERB_OF.get(fact.kind)
            if verb is None or _actor_name(fact.actor) != username:
                continue
            target = f"{fact.host or fact.service or 'flag'}@{fact.target or '?'}"
            obj = xapi.activity(xapi.activity_id("exercise", name, fact.kind, target),
                                f"{fact.kind} {target}", xapi.INTERACTION)
            ok = (fact.outcome or "").lower() in SUCCESS_OUTCOMES | {"accepted"}
            out.append(xapi.statement(f"{self.scope}:fact:{fact.id}", actor, verb, obj,
                                      fact.created_at, {"success": ok,
                                                        "response": fact.outcome or ""}, context))
        for report in self.reports:
            if _actor_name(report.reporter) == username:
                obj = xapi.activity(xapi.activity_id("exercise", name, "incident", report.uid),
                                    report.title, xapi.INTERACTION)
                out.append(xapi.statement(f"{self.scope}:incident:{report.uid}", actor, "reported",
                                          obj, report.created_at, context=context))
        return out


_VERB_OF = {FactKind.SUBMISSION: "answered", FactKind.RED_ACTION: "attempted",
            FactKind.HINT: "asked"}
