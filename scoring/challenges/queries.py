"""The reads and writes of an answer, built once (SQLAlchemy then only binds values).

Each statement says the fact kind as a SQL literal, so the database may use the
partial indexes of scoring.challenges.tables (only challenge facts are in
them: flag submissions and checks pay nothing for them on insert).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, literal_column, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from scoring.ledger import FACT_TABLE

_C = FACT_TABLE.c
ATTEMPT: ColumnElement[str] = literal_column("'CHALLENGE_ATTEMPT'")
SOLVE: ColumnElement[str] = literal_column("'CHALLENGE_SOLVE'")
HINT: ColumnElement[str] = literal_column("'CHALLENGE_HINT'")
INCORRECT = "incorrect"

_SOLVED = select(_C.service).where(
    _C.exercise_id == bindparam("ex"), _C.kind == SOLVE, _C.team == bindparam("team"))
_HINTS = select(_C.service, _C.data).where(
    _C.exercise_id == bindparam("ex"), _C.kind == HINT, _C.team == bindparam("team"))
_WRONG_BY_ACCOUNT = select(func.count()).where(
    _C.exercise_id == bindparam("ex"), _C.kind == ATTEMPT, _C.actor == bindparam("actor"),
    _C.created_at >= bindparam("since"), _C.outcome == INCORRECT)
_WRONG_BY_TEAM = select(func.count()).where(
    _C.exercise_id == bindparam("ex"), _C.kind == ATTEMPT, _C.team == bindparam("team"),
    _C.service == bindparam("challenge"), _C.outcome == INCORRECT)
_WRONG_PER_CHALLENGE = select(_C.service, func.count()).where(
    _C.exercise_id == bindparam("ex"), _C.kind == ATTEMPT, _C.team == bindparam("team"),
    _C.outcome == INCORRECT).group_by(_C.service)
INSERT = FACT_TABLE.insert()


def solved_by(conn: Connection, exercise_id: int, team: str) -> set[str]:
    return {row[0] for row in conn.execute(_SOLVED, {"ex": exercise_id, "team": team})}


def hints_unlocked(conn: Connection, exercise_id: int, team: str) -> set[tuple[str, int]]:
    rows = conn.execute(_HINTS, {"ex": exercise_id, "team": team})
    return {(name, int(_json(data)["hint"])) for name, data in rows}


def _json(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else dict(json.loads(data))


def wrong_by_account(conn: Connection, exercise_id: int, actor: str, since: datetime) -> int:
    params = {"ex": exercise_id, "actor": actor, "since": since}
    return int(conn.execute(_WRONG_BY_ACCOUNT, params).scalar_one())


def wrong_by_team(conn: Connection, exercise_id: int, team: str, challenge: str) -> int:
    params = {"ex": exercise_id, "team": team, "challenge": challenge}
    return int(conn.execute(_WRONG_BY_TEAM, params).scalar_one())


def wrong_per_challenge(conn: Connection, exercise_id: int, team: str) -> dict[str, int]:
    rows = conn.execute(_WRONG_PER_CHALLENGE, {"ex": exercise_id, "team": team})
    return {name: int(count) for name, count in rows}


def insert_fact(conn: Connection, row: dict[str, Any]) -> int:
    """One fact row (from scoring.ledger.fact_row); its id."""
    key = conn.execute(INSERT, row).inserted_primary_key
    assert key is not None  # an INSERT always has one
    return int(key[0])


def lock_teams(conn: Connection, exercise_id: int, teams: Iterable[str]) -> None:
    """Judge each team's answers one transaction at a time.

    An answer counts the team's earlier wrong answers (``attempts``, the
    account's limit) before it writes its own; two transactions counting at
    once would both see room for one more. On PostgreSQL a transaction-scoped
    advisory lock per team closes that gap; teams are locked in sorted order,
    before anything else, so two groups never wait for each other in a cycle.
    On SQLite the write transaction (BEGIN IMMEDIATE) already excludes every
    other writer.
    """
    if conn.dialect.name != "postgresql":
        return
    for team in sorted(set(teams)):
        digest = hashlib.sha256(f"challenge:{exercise_id}:{team}".encode()).digest()
        conn.execute(_LOCK, {"key": int.from_bytes(digest[:8], "big", signed=True)})


_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
