"""What a team does on challenges, written once for the pages, the API and the CLI:
each call writes its ledger facts and its audit entry in one transaction.

The rules are in :mod:`scoring.challenges.play`; this module opens the writing
transaction (``range.db.write_transaction``) and appends the audit entry on the
same connection (``records.audit.append_many_on``), so an answer is never
scored without its audit line, nor audited without being recorded. The
competition's catalog (challenges, teams, rules) is read fresh unless the
caller passes one it keeps (a server: scoring.challenges.catalog.CatalogCache).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from range.db import write_transaction
from range.errors import CyberrangeError, GameError, NotFoundError
from records.audit import AuditItem, append_many_on
from scoring.challenges.catalog import Catalog, load_catalog
from scoring.challenges.play import AttemptResult, Move, attempt, exercise_clock, unlock_hint
from scoring.challenges.queries import lock_teams
from scoring.challenges.spec import HintSpec


@dataclass(frozen=True)
class AnswerRequest:
    team: str
    challenge: str  # its name
    answer: str
    actor: str


def submit_answer(engine: Engine, exercise_name: str, team: str, challenge: str, answer: str,
                  actor: str, catalog: Catalog | None = None) -> AttemptResult:
    """``team``'s answer to ``challenge``, recorded and audited whatever it is."""
    known = catalog or load_catalog(engine, exercise_name)
    [outcome] = submit_answers(engine, known, [AnswerRequest(team, challenge, answer, actor)])
    if isinstance(outcome, CyberrangeError):
        raise outcome
    return outcome


def submit_answers(engine: Engine, catalog: Catalog, requests: Sequence[AnswerRequest]
                   ) -> list[AttemptResult | CyberrangeError]:
    """Many answers (a server's group commit) in **one** write transaction, in order,
    each audited; an answer refused before it is recorded (no such team or
    challenge) gets its error in its place and the others go on."""
    results: list[AttemptResult | CyberrangeError] = []
    items: list[AuditItem] = []
    with write_transaction(engine) as conn:
        lock_teams(conn, catalog.exercise_id, [r.team for r in requests])
        clock = exercise_clock(conn, catalog.exercise_id)
        for request in requests:
            try:
                move = Move(catalog.exercise_id, catalog.exercise_name,
                            catalog.check_team(request.team), request.actor)
                found = catalog.by_name(request.challenge)
                result, item = attempt(conn, move, found, request.answer, catalog.rules,
                                       catalog.ids, clock)
            except (NotFoundError, GameError) as exc:
                results.append(exc)
                continue
            results.append(result)
            items.append(item)
        append_many_on(conn, catalog.exercise_name, items)
    return results


def take_hint(engine: Engine, exercise_name: str, team: str, challenge: str, number: int,
              actor: str, catalog: Catalog | None = None) -> HintSpec:
    """``team`` unlocks hint ``number`` (1-based) of ``challenge``; its cost is deducted."""
    known = catalog or load_catalog(engine, exercise_name)
    move = Move(known.exercise_id, known.exercise_name, known.check_team(team), actor)
    found = known.by_name(challenge)
    with write_transaction(engine) as conn:
        lock_teams(conn, known.exercise_id, [team])
        hint, item = unlock_hint(conn, move, found, number - 1, known.ids,
                                 lambda: known.score_of(conn, team))
        append_many_on(conn, known.exercise_name, [item])
    return hint
