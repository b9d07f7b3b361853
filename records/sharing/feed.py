"""The feed's use cases: publish, relay, advisory, and reading a page of it.

Each writes its entries, their readers and its audit entry in one transaction
(:func:`range.db.write_transaction`); the audit append comes first because on
PostgreSQL it takes the exercise chain's advisory lock, which also serialises
the ``added`` times of concurrent publishers (they only grow, so paging by
``added_after`` never skips an entry). Shared indicators are then scored
(scoring.sharing) after the commit: an object is stored before it is
acknowledged or scored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from range.db import write_transaction
from records import audit
from records.common import get_exercise, scenario_of
from records.sharing import audience
from records.sharing.audience import EVERYONE, Caller, Community
from records.sharing.compose import advisory_report, is_advisory
from records.sharing.errors import SharingDenied, SharingError
from records.sharing.indicators import indicator_terms
from records.sharing.tables import SharedObject, SharedReader
from records.sharing.tlp import Tlp
from records.sharing.validate import Checked, check_envelope
from scoring.ledger import current_tick, load_teams
from scoring.sharing import ShareMatch, score_shared
from scoring.tables import Exercise

OBJECTS = SharedObject.__table__  # type: ignore[attr-defined]
READERS = SharedReader.__table__  # type: ignore[attr-defined]
RELAYABLE = frozenset({Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER})  # TLP 2.0: may go further
MAX_PAGE = 1000
# The body as its JSON text: a page of 1,000 objects would otherwise be parsed
# here only to be serialised again by the server.
_ENTRY_COLUMNS = (*(OBJECTS.c[name] for name in (
    "id", "stix_id", "stix_type", "version", "publisher", "tlp", "relayed_from", "added")),
    cast(OBJECTS.c.body, Text).label("body_json"))


@dataclass(frozen=True)
class Published:
    shared_as: str
    stored: list[str]  # STIX ids stored now
    duplicates: list[str]  # already in the feed (same version, same publisher)
    matches: list[ShareMatch]
    relayed: list[str] = field(default_factory=list)  # stored ones the ISAC relayed


@dataclass(frozen=True)
class Entry:
    id: int
    stix_id: str
    stix_type: str
    version: str
    publisher: str
    tlp: str
    relayed_from: int | None
    added: datetime
    body_json: str  # the object as stored (JSON text): served as is, parsed on demand

    @property
    def body(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body_json)
        return parsed


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    more: bool


def exercise_and_community(engine: Engine, exercise_name: str) -> tuple[Exercise, Community]:
    with Session(engine) as session:
        exercise = get_exercise(session, exercise_name)
        session.expunge(exercise)
    assert exercise.id is not None
    roles = {t.name: t.role for t in load_teams(engine, exercise.id)}
    return exercise, audience.build(scenario_of(exercise), roles)


def publish(engine: Engine, exercise_name: str, caller: Caller, objects: Any,
            *, via: str = "api") -> Published:
    """1. check every object (OASIS validator, TLP marking, recipients): any problem
    refuses the envelope; 2. store entries, readers and the audit entry at once;
    3. score the indicators among the new entries.

    When the ISAC adds an object another team published and the ISAC received,
    that is a relay (``relayed_from`` set; TLP:AMBER+STRICT and TLP:RED refused),
    so a participant ISAC relays through TAXII's add objects."""
    checked = check_envelope(objects)
    exercise, community = exercise_and_community(engine, exercise_name)
    publisher = caller.publisher(community)
    if publisher != community.isac and any(is_advisory(c.body) for c in checked):
        raise SharingDenied("only the ISAC publishes advisories (reports labelled advisory)")
    readers = [community.readers(publisher, c.tlp, c.recipients) for c in checked]
    with write_transaction(engine) as conn:
        tick = current_tick(conn, _id(exercise))
        existing = _existing(conn, _id(exercise), publisher, checked)
        sources = (_relay_sources(conn, _id(exercise), publisher, checked)
                   if publisher == community.isac else {})
        fresh = [(c, r, sources.get((c.stix_id, c.version)))
                 for c, r in zip(checked, readers, strict=True)
                 if (c.stix_id, c.version) not in existing]
        for c, _, source in fresh:
            if source is not None and c.tlp not in RELAYABLE:
                raise SharingDenied(f"{c.stix_id}: TLP:{c.tlp.value} may not be shared further")
        audit.append_many_on(conn, exercise_name, [(caller.name, "share.publish", {
            "as": publisher, "via": via, "objects": [c.stix_id for c, _, _ in fresh],
            "relayed": [c.stix_id for c, _, source in fresh if source is not None],
            "tlp": sorted({c.tlp.value for c, _, _ in fresh}),
        })])
        _store(conn, _id(exercise), publisher, caller.name, tick, fresh)
    indicators = [indicator_terms(c.body) for c, _, source in fresh
                  if c.stix_type == "indicator" and source is None]
    matches = score_shared(engine, exercise, publisher, indicators, actor=caller.name, tick=tick)
    return Published(publisher, [c.stix_id for c, _, _ in fresh],
                     [c.stix_id for c in checked if (c.stix_id, c.version) in existing], matches,
                     [c.stix_id for c, _, source in fresh if source is not None])


def relay(engine: Engine, exercise_name: str, caller: Caller, entry_id: int,
          *, via: str = "api") -> Entry:
    """The ISAC passes an entry it received on to its own audience (the marking
    stays; TLP:AMBER+STRICT and TLP:RED may not go further)."""
    exercise, community = exercise_and_community(engine, exercise_name)
    if not caller.acts_as_isac(community):
        raise SharingDenied("only the ISAC relays")
    isac = community.isac
    assert isac is not None
    source = _visible_entry(engine, _id(exercise), isac, entry_id)
    tlp = Tlp(source.tlp)
    if tlp not in RELAYABLE:
        raise SharingDenied(f"TLP:{tlp.value} may not be shared further")
    readers = community.readers(isac, tlp)
    checked = Checked(source.body, source.stix_id, source.stix_type, source.version, tlp, ())
    try:
        with write_transaction(engine) as conn:
            audit.append_many_on(conn, exercise_name, [(caller.name, "share.relay", {
                "entry": entry_id, "object": source.stix_id, "as": isac, "via": via})])
            tick = current_tick(conn, _id(exercise))
            ids = _store(conn, _id(exercise), isac, caller.name, tick,
                         [(checked, readers, source.id)])
    except IntegrityError:
        raise SharingError(f"{source.stix_id} is already in the feed as {isac}'s") from None
    return _entry_by_id(engine, ids[0])


def advisory(engine: Engine, exercise_name: str, caller: Caller, title: str, text: str,
             refs: list[str], tlp: Tlp, *, via: str = "api") -> Published:
    """An ISAC advisory: a STIX report (label ``advisory``) over feed objects."""
    return publish(engine, exercise_name, caller, [advisory_report(title, text, refs, tlp)],
                   via=via)


def read_page(engine: Engine, exercise_name: str, caller: Caller, *,
              added_after: datetime | None = None, after_id: int | None = None,
              limit: int = 100, types: frozenset[str] | None = None,
              stix_ids: frozenset[str] | None = None, tlp: Tlp | None = None) -> Page:
    """Entries the caller may read, oldest first; ``more`` when a next page exists."""
    exercise, _ = exercise_and_community(engine, exercise_name)
    c = OBJECTS.c
    query = select(*_ENTRY_COLUMNS).where(c.exercise_id == _id(exercise))
    if not caller.reads_all:
        teams = [EVERYONE] if caller.team is None else [EVERYONE, caller.team]
        query = query.where(c.id.in_(
            select(READERS.c.shared_id).where(READERS.c.team.in_(teams))))
    if added_after is not None:
        query = query.where(c.added > _utc(added_after))
    if after_id is not None:
        query = query.where(c.id > after_id)
    if types:
        query = query.where(c.stix_type.in_(sorted(types)))
    if stix_ids:
        query = query.where(c.stix_id.in_(sorted(stix_ids)))
    if tlp is not None:
        query = query.where(c.tlp == tlp.value)
    size = max(1, min(limit, MAX_PAGE))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(c.id).limit(size + 1)).all()
    return Page([_entry(r) for r in rows[:size]], len(rows) > size)


# -- storage -------------------------------------------------------------------

def _id(exercise: Exercise) -> int:
    assert exercise.id is not None  # loaded from the database
    return exercise.id


def _existing(conn: Connection, exercise_id: int, publisher: str,
              checked: list[Checked]) -> set[tuple[str, str]]:
    c = OBJECTS.c
    query = select(c.stix_id, c.version).where(
        c.exercise_id == exercise_id, c.publisher == publisher,
        c.stix_id.in_(sorted({x.stix_id for x in checked})))
    return {(row.stix_id, row.version) for row in conn.execute(query)}


def _store(conn: Connection, exercise_id: int, publisher: str, actor: str, tick: int,
           items: list[tuple[Checked, frozenset[str], int | None]]) -> list[int]:
    """Insert entries and readers; ``added`` grows strictly within the exercise."""
    if not items:
        return []
    last = conn.execute(select(func.max(OBJECTS.c.added))
                        .where(OBJECTS.c.exercise_id == exercise_id)).scalar()
    start = _utc(datetime.now(UTC))
    if last is not None and start <= _utc(last):
        start = _utc(last) + timedelta(microseconds=1)
    rows = [{
        "exercise_id": exercise_id, "stix_id": c.stix_id, "stix_type": c.stix_type,
        "version": c.version, "publisher": publisher, "actor": actor, "tlp": c.tlp.value,
        "recipients": list(c.recipients), "relayed_from": source, "tick": tick,
        "body": c.body, "added": start + timedelta(microseconds=index),
    } for index, (c, _, source) in enumerate(items)]
    result = conn.execute(
        insert(OBJECTS).returning(OBJECTS.c.id, sort_by_parameter_order=True), rows)
    ids = [int(row.id) for row in result]
    readers = [{"shared_id": entry_id, "team": team}
               for entry_id, (_, teams, _) in zip(ids, items, strict=True)
               for team in sorted(teams)]
    conn.execute(insert(READERS), readers)
    return ids


def _received_by(team: str) -> Any:
    return OBJECTS.c.id.in_(select(READERS.c.shared_id).where(
        READERS.c.team.in_([EVERYONE, team])))


def _relay_sources(conn: Connection, exercise_id: int, isac: str,
                   checked: list[Checked]) -> dict[tuple[str, str], int]:
    """(STIX id, version) -> the first entry of another team the ISAC received."""
    c = OBJECTS.c
    rows = conn.execute(
        select(c.id, c.stix_id, c.version)
        .where(c.exercise_id == exercise_id, c.publisher != isac, _received_by(isac))
        .where(c.stix_id.in_(sorted({x.stix_id for x in checked}))).order_by(c.id))
    found: dict[tuple[str, str], int] = {}
    for row in rows:
        found.setdefault((row.stix_id, row.version), int(row.id))
    return found


def _visible_entry(engine: Engine, exercise_id: int, team: str, entry_id: int) -> Entry:
    """An entry ``team`` received (a staff-side ISAC too: what its team received)."""
    query = select(*_ENTRY_COLUMNS).where(OBJECTS.c.id == entry_id,
                                  OBJECTS.c.exercise_id == exercise_id, _received_by(team))
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise SharingError(f"no feed entry {entry_id} that {team} received")
    return _entry(row)


def _entry_by_id(engine: Engine, entry_id: int) -> Entry:
    with engine.connect() as conn:
        return _entry(conn.execute(select(*_ENTRY_COLUMNS).where(OBJECTS.c.id == entry_id)).one())


def _entry(row: Any) -> Entry:
    return Entry(row.id, row.stix_id, row.stix_type, row.version, row.publisher, row.tlp,
                 row.relayed_from, _utc(row.added), row.body_json)


def _utc(moment: datetime) -> datetime:
    """An aware UTC time (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
