"""Scoring facts as formulas read them: the query, the rows, grouped by tick.

Shared by the full board (scoring.scoreboard) and the live boards
(scoring.liveboard): one place decides which columns a formula sees and how a
capture's claims are read (by the database's JSON functions).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

from sqlalchemy import Select, String, case, func, literal_column, select, type_coerce
from sqlalchemy.engine import Connection

from scoring.formulas.base import FactRow
from scoring.ledger import FACT_TABLE
from scoring.tables import FactKind

SCORING_KINDS = (
    FactKind.CAPTURE,
    FactKind.CHECK,
    FactKind.REPORT_MATCH,
    FactKind.SHARE_MATCH,
    FactKind.INJECT_GRADE,
    FactKind.HINT,
    FactKind.ADJUSTMENT,
    FactKind.RED_ACTION,
)
_CLAIM_KEYS = ("kind", "flag_tick", "copy", "slot")
EMPTY: dict[str, Any] = MappingProxyType({})  # type: ignore[assignment]  # shared, read-only


def data_of(raw: Any) -> dict[str, Any]:
    # JSON arrives as text (SQLite) or already parsed (psycopg); most facts have none.
    if isinstance(raw, dict):
        return raw
    return EMPTY if raw is None or raw == "{}" else dict(json.loads(raw))


def rows_query(kinds: Sequence[FactKind] = SCORING_KINDS) -> Select[Any]:
    """The columns :func:`read_rows` turns into FactRows, for facts of ``kinds``."""
    c = FACT_TABLE.c
    # A capture's claims are read by the database's JSON functions: cheaper than
    # parsing each capture's whole document (with its flag text) in Python.
    claims = [c.data[key].as_integer() for key in ("flag_tick", "copy", "slot")]
    return select(
        c.id,
        c.tick,
        c.kind,
        c.team,
        c.target,
        c.host,
        c.service,
        c.outcome,
        c.points,
        # no formula reads a check's data (checker phases): leave it in the database
        case((c.kind == FactKind.CHECK, None), else_=type_coerce(c.data, String)),
        c.data["kind"].as_string(),
        *claims,
    ).where(c.kind.in_(kinds))


def read_rows(conn: Connection, query: Select[Any]) -> list[FactRow]:
    rows = []
    for fid, tick, kind, team, target, host, service, outcome, points, raw, *claim in conn.execute(
        query
    ).all():
        if kind is FactKind.CAPTURE:
            data = dict(zip(_CLAIM_KEYS, claim, strict=True))
        else:
            data = data_of(raw)
        rows.append(FactRow(fid, tick, kind, team, target, host, service, outcome, points, data))
    return rows


def load_rows(
    conn: Connection, exercise_id: int, first: int, last: int, *, sum_checks: bool = False
) -> dict[int, list[FactRow]]:
    """Scoring facts of ticks ``first..last``, grouped by tick, in (tick, id) order.

    ``sum_checks``: instead of one row per check, one row per team, service and
    outcome with its ``count``, filed under tick ``last``. Every formula scores
    checks additively and independently of order, so totals are unchanged; only
    score lines (explain) and per-tick history need the single rows.
    """
    c = FACT_TABLE.c
    kinds = [k for k in SCORING_KINDS if not (sum_checks and k is FactKind.CHECK)]
    query = (
        rows_query(kinds)
        .where(c.exercise_id == exercise_id, c.tick >= first, c.tick <= last)
        .order_by(c.tick, c.id)
    )
    grouped: dict[int, list[FactRow]] = {}
    for row in read_rows(conn, query):
        grouped.setdefault(row.tick, []).append(row)
    if sum_checks:
        grouped.setdefault(last, []).extend(_check_counts(conn, exercise_id, first, last))
    return grouped


def _check_counts(conn: Connection, exercise_id: int, first: int, last: int) -> list[FactRow]:
    c = FACT_TABLE.c
    query = (
        select(c.team, c.host, c.service, c.outcome, func.count())
        # literal 'CHECK' so the database may use the partial index ix_fact_check_counts
        .where(c.exercise_id == exercise_id, c.kind == literal_column("'CHECK'"))
        .where(c.tick >= first, c.tick <= last)
        .group_by(c.team, c.host, c.service, c.outcome)
    )
    return [
        FactRow(0, last, FactKind.CHECK, team, team, host, service, outcome, None, EMPTY, count)
        for team, host, service, outcome, count in conn.execute(query)
    ]
