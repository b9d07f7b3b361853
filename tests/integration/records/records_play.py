"""A played dmz-breach exercise, made through the real scoring and records APIs.

No Docker: the facts a running range would produce are recorded directly
(red actions, a flag submission, a report, an adjustment). Hostile text is
planted in every free-text field an export shows.
"""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from range.config import Settings
from range.scenario.models import Scenario
from records import participants
from records.evidence import EvidenceStore
from records.findings import create_finding, draft_from_facts, list_findings, update_finding
from records.incidents import IncidentInput, file_incident
from scoring.exercise import create_exercise, transition
from scoring.flags import FlagCodec
from scoring.ledger import record_adjustment, record_red_action
from scoring.submissions import Submitter
from scoring.tables import Exercise

NAME = "rec-play"
FORMULA = "=cmd|' /C calc'!A0"
HTML = "<script>alert('x')</script><img src=x onerror=alert(1)>"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def load_dmz(root: Path) -> Scenario:
    text = (root / "scenarios" / "dmz-breach" / "scenario.yaml").read_text()
    return Scenario.model_validate(yaml.safe_load(text))


def _people(engine: Engine) -> None:
    for user, name, team, role in (
        ("rita", "Rita Red", "red", "red"), ("bea", "Bea Blue", "blue-1", "blue"),
        ("bob", "Bob Blue", "blue-2", "blue"), ("walter", "Walter White", "white", "white"),
        ("ada", HTML, "auditors", "auditor"),
    ):
        participants.add_participant(engine, user, name, f"{user}@example.org")
        participants.assign(engine, NAME, user, team, role)


def advance(engine: Engine, tick: int) -> None:
    """What the game clock does each tick (no scheduler in these tests)."""
    with Session(engine) as session:
        exercise = session.exec(select(Exercise).where(Exercise.name == NAME)).one()
        exercise.current_tick = tick
        session.add(exercise)
        session.commit()


def _attack(engine: Engine) -> None:
    exercise = transition(engine, NAME, "start", "cli:walter")
    for target, tick in (("blue-1", 2), ("blue-2", 3)):
        advance(engine, tick)
        record_red_action(engine, exercise, "red", target, "web", "T1190", tick=tick,
                          actor="web:rita", message=f"{FORMULA} ' OR 1=1 --")
    advance(engine, 4)
    record_red_action(engine, exercise, "red", "blue-1", "web", "T1110.001", tick=4,
                      actor="web:rita")
    assert exercise.id is not None
    flag = FlagCodec(exercise.secret, exercise.id).objective_flag(copy=1, index=0)
    Submitter(engine, NAME).submit("red", [flag], actor="web:rita")
    advance(engine, 5)
    record_adjustment(engine, exercise, "blue-2", -5, actor="cli:walter", reason=HTML, tick=5)


def play(engine: Engine, settings: Settings, root: Path) -> str:
    create_exercise(engine, NAME, NAME, load_dmz(root), "scenarios/dmz-breach/scenario.yaml")
    _people(engine)
    _attack(engine)
    draft_from_facts(engine, NAME)
    first = list_findings(engine, NAME)[0]
    assert first.id is not None
    update_finding(engine, NAME, first.id, "web:walter", confirm=True, impact=FORMULA)
    create_finding(engine, NAME, "web:rita", "red", FORMULA, description=HTML,
                   severity="low", techniques=["T1059.004"], affected_hosts=["web@blue-2"])
    report = file_incident(engine, NAME, "blue-1", "web:bea", IncidentInput(
        title=f"{FORMULA} SQLi", description=HTML, severity="high", tlp="AMBER+STRICT",
        rsit_class="intrusions", rsit_type="application-compromise", techniques=["T1190"],
        hosts=["web"], observables=[
            ("ip", "198.51.100.10"), ("url", "http://10.1.1.10/login?u='--"),
            ("hash", "a" * 64), ("other", FORMULA)]))
    store = EvidenceStore.for_data_dir(settings.data_dir)
    assert report.exercise_id is not None
    store.add(engine, report.exercise_id, f"{FORMULA}.png", io.BytesIO(PNG),
              uploaded_by="web:bea", incident_id=report.id)
    advance(engine, 6)
    transition(engine, NAME, "stop", "cli:walter")
    return NAME
