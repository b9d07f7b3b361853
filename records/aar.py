"""After-action analysis (HSEEP AAR/IP), drafted from the facts of an exercise.

Pure functions over the export data: each scenario objective is rated with the
HSEEP scale from the facts it names (``rate``), detection metrics are computed
per defending team, and an event timeline merges injects, red steps, detections,
reports, hardening and checker status changes. Strengths, areas for improvement
and the improvement plan are *drafts* from the same facts, for the white cell
to edit before anyone signs.

Ratings (HSEEP): P performed without challenges, S with some challenges, M with
major challenges, U unable to be performed. A blue objective with techniques or
hosts is rated by the share of its red actions that blue reported (P ≥ 80 %,
S ≥ 50 %, M > 0); one with services only by the share of checks that found
them up (P ≥ 95 %, S ≥ 80 %, M ≥ 50 %). A red objective is P when red captured
an objective flag on one of its hosts, S when its actions succeeded, M when it
only tried.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import mean

from range.scenario.objectives import Objective
from range.taxonomy import TaxonomyError, technique
from records.exports.data import ExportData
from records.findings import SUCCESS_OUTCOMES, is_objective
from scoring.tables import Fact, FactKind

RATINGS = {"P": "Performed without challenges", "S": "Performed with some challenges",
           "M": "Performed with major challenges", "U": "Unable to be performed",
           "-": "Not exercised (no fact measured it)"}


@dataclass(frozen=True)
class TeamMetrics:
    team: str
    red_actions: int
    detected: int
    mean_detect_s: float | None  # incident start (else filing) minus red action time
    mean_report_s: float | None  # filing minus red action time
    mean_restore_s: float | None  # a service found down until found up again

    @property
    def share(self) -> float | None:
        return self.detected / self.red_actions if self.red_actions else None


@dataclass(frozen=True)
class ObjectiveResult:
    objective: Objective
    rating: str  # P S M U -
    evidence: list[str]

    @property
    def rating_text(self) -> str:
        return RATINGS[self.rating]


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # inject | red | detection | report | response | hardening | status
    team: str
    text: str


@dataclass
class AfterAction:
    objectives: list[ObjectiveResult]
    metrics: list[TeamMetrics]
    timeline: list[Event]
    strengths: list[str] = field(default_factory=list)
    improvements: list[str] = field(default_factory=list)
    plan: list[tuple[str, str, str]] = field(default_factory=list)  # action, owner, due


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _covers(wanted: list[str], tid: str) -> bool:
    """T1110 covers T1110.001; T1110.001 covers only itself."""
    return any(tid == w or tid.startswith(w + ".") for w in wanted)


def _related(objective: Objective, fact: Fact) -> bool:
    tid = str(fact.data.get("technique") or "")
    if objective.techniques and not _covers(objective.techniques, tid):
        return False
    return not objective.hosts or fact.host in objective.hosts


def _blue_teams(data: ExportData, objective: Objective) -> set[str]:
    return {t.name for t in data.scores.teams
            if objective.team in (t.role, t.name) or (objective.team == "blue" and t.copy)}


def rate(data: ExportData, objective: Objective) -> ObjectiveResult:
    if objective.team == "red" or any(objective.team == t.name and t.role == "red"
                                      for t in data.scores.teams):
        return _rate_red(data, objective)
    teams = _blue_teams(data, objective)
    if objective.techniques or objective.hosts:
        actions = [f for f in data.red_actions if f.target in teams and _related(objective, f)]
        detected = _detected(data) & {f.id for f in actions}
        if not actions:
            return ObjectiveResult(objective, "-", ["no red action touched what it names"])
        share = len(detected) / len(actions)
        rating = "P" if share >= 0.8 else "S" if share >= 0.5 else "M" if detected else "U"
        return ObjectiveResult(objective, rating, [
            f"{len(detected)} of {len(actions)} red actions reported ({share:.0%})"])
    checks = [f for f in data.facts if f.kind == FactKind.CHECK and f.team in teams
              and f.service in objective.services]
    if not checks:
        return ObjectiveResult(objective, "-", ["no checker result for its services"])
    up = sum(1 for f in checks if (f.outcome or "").upper() == "OK") / len(checks)
    rating = "P" if up >= 0.95 else "S" if up >= 0.8 else "M" if up >= 0.5 else "U"
    return ObjectiveResult(objective, rating, [f"services up in {up:.0%} of {len(checks)} checks"])


def _rate_red(data: ExportData, objective: Objective) -> ObjectiveResult:
    reached = [f for f in data.findings if is_objective(f) and any(
        h.split("@")[0] in objective.hosts for h in f.affected_hosts)]
    actions = [f for f in data.red_actions if _related(objective, f)
               or (objective.techniques and _covers(objective.techniques,
                                                    str(f.data.get("technique") or "")))]
    won = [f for f in actions if (f.outcome or "").lower() in SUCCESS_OUTCOMES]
    rating = "P" if reached else "S" if won else "M" if actions else "U"
    return ObjectiveResult(objective, rating, [
        f"objective flags captured: {len(reached)}",
        f"{len(won)} of {len(actions)} related red actions succeeded"])


def _detected(data: ExportData) -> set[int]:
    return {int(f.data["action_id"]) for f in data.facts
            if f.kind == FactKind.REPORT_MATCH and f.data.get("action_id")}


def metrics(data: ExportData) -> list[TeamMetrics]:
    actions = {f.id: f for f in data.red_actions}
    reports = {r.uid: r for r in data.incidents}
    out = []
    for team in (t for t in data.scores.teams if t.role in ("blue", "purple")):
        mine = [f for f in data.red_actions if f.target == team.name]
        detect, report = [], []
        for match in (f for f in data.facts if f.kind == FactKind.REPORT_MATCH
                      and f.team == team.name):
            action = actions.get(int(match.data.get("action_id") or 0))
            filed = reports.get(str(match.data.get("report_ref")))
            if action is None or filed is None:
                continue
            began = _utc(action.created_at)
            report.append((_utc(filed.created_at) - began).total_seconds())
            detect.append((_utc(filed.start or filed.created_at) - began).total_seconds())
        restore = _restore_times(data, team.name)
        out.append(TeamMetrics(team.name, len(mine), len(_detected(data) & {f.id for f in mine}),
                               _mean(detect), _mean(report), _mean(restore)))
    return out


def _mean(values: list[float]) -> float | None:
    return round(mean(max(0.0, v) for v in values), 1) if values else None


def _restore_times(data: ExportData, team: str) -> list[float]:
    down_since: dict[str, datetime] = {}
    found = []
    for fact in sorted((f for f in data.facts if f.kind == FactKind.CHECK and f.team == team),
                       key=lambda f: (f.tick, f.id or 0)):
        key, ok = f"{fact.host}/{fact.service}", (fact.outcome or "").upper() == "OK"
        if not ok:
            down_since.setdefault(key, _utc(fact.created_at))
        elif key in down_since:
            found.append((_utc(fact.created_at) - down_since.pop(key)).total_seconds())
    return found


def timeline(data: ExportData) -> list[Event]:
    start = _utc(data.exercise.started_at or data.exercise.created_at)
    events = [Event(start + timedelta(seconds=i.at), "inject", i.to,
                    i.message or (i.run.description if i.run else ""))
              for i in data.scenario.injects]
    for fact in data.red_actions:
        events.append(Event(_utc(fact.created_at), "red", fact.team or "",
                            f"{_technique(fact)} on {fact.host}@{fact.target} ({fact.outcome})"))
    for fact in data.facts:
        if fact.kind == FactKind.REPORT_MATCH:
            events.append(Event(_utc(fact.created_at), "detection", fact.team or "",
                                f"report matched red action {fact.data.get('action_id')}"))
    for report in data.incidents:
        events.append(Event(_utc(report.created_at), "report", report.team,
                            f"incident report {report.title!r} ({report.severity.value})"))
        for phase, at in (("containment", report.contained_at),
                          ("eradication", report.eradicated_at),
                          ("recovery", report.recovered_at),
                          ("post-incident", report.closed_at)):
            if at is not None:
                events.append(Event(_utc(at), "response", report.team,
                                    f"{phase} of incident {report.title!r}"))
    for entry in data.audit:
        if entry.action.startswith("harden."):
            events.append(Event(datetime.fromisoformat(entry.at), "hardening", entry.actor,
                                entry.action.removeprefix("harden.")))
    events += _status_changes(data)
    return sorted(events, key=lambda e: e.at)


def _technique(fact: Fact) -> str:
    tid = str(fact.data.get("technique") or "?")
    try:
        return f"{tid} {technique(tid).full_name}"
    except TaxonomyError:
        return tid


def _status_changes(data: ExportData) -> list[Event]:
    last: dict[str, str] = {}
    out = []
    for fact in sorted((f for f in data.facts if f.kind == FactKind.CHECK),
                       key=lambda f: (f.tick, f.id or 0)):
        key, status = f"{fact.team}:{fact.host}/{fact.service}", (fact.outcome or "").upper()
        if last.get(key, "OK") != status:
            out.append(Event(_utc(fact.created_at), "status", fact.team or "",
                             f"{fact.host}/{fact.service} {last.get(key, 'OK')} → {status}"))
        last[key] = status
    return out


def analyse(data: ExportData) -> AfterAction:
    """The whole analysis, with strengths, areas for improvement and a draft plan."""
    results = [rate(data, o) for o in data.scenario.objectives]
    aar = AfterAction(results, metrics(data), timeline(data))
    for result in results:
        line = f"{result.objective.title}: {result.rating_text.lower()} ({result.evidence[0]})"
        if result.rating in ("P", "S"):
            aar.strengths.append(line)
        elif result.rating in ("M", "U"):
            aar.improvements.append(line)
            aar.plan.append((f"Train and re-test: {result.objective.title}",
                             result.objective.team, "set by the white cell"))
    for team in aar.metrics:
        if team.share is not None and team.share < 0.5:
            aar.improvements.append(f"{team.team} reported {team.detected} of "
                                    f"{team.red_actions} red actions against its copy")
            aar.plan.append(("Review detection coverage of the techniques missed", team.team,
                             "set by the white cell"))
    return aar
