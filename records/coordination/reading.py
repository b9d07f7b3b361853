"""Reading threads: who sees which, read receipts, the state of a request.

A team sees exactly the threads it is a party of (``CoordParty``); staff and
auditors see all. Opening a thread as a party records a read receipt for every
message another party sent, once per reader (unique ``(message, reader)``),
with its audit entry in the same transaction. Auditors and staff reading a
thread they are no party of leave no receipt.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from range.db import write_transaction
from records import audit
from records.coordination.errors import NotAParty
from records.coordination.parties import Actor
from records.coordination.tables import (
    CoordAttachment,
    CoordMessage,
    CoordParty,
    CoordReceipt,
    CoordThread,
    ThreadKind,
)
from records.coordination.threads import context, thread_and_parties
from records.tables import EvidenceFile
from scoring.exercise import game_seconds
from scoring.tables import Exercise


@dataclass(frozen=True)
class Answer:
    """A party's answer to a request: open, overdue, answered (on time) or late."""

    party: str
    status: str
    answered_game: float | None
    graded: bool


@dataclass
class MessageView:
    message: CoordMessage
    attachments: list[EvidenceFile] = field(default_factory=list)
    receipts: list[CoordReceipt] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        m = self.message
        return {"id": m.id, "sender": m.sender, "author": m.author, "body": m.body,
                "tlp": f"TLP:{m.tlp.value}", "sent": m.created_at.isoformat(),
                "game_at": round(m.game_at),
                "attachments": [{"id": a.id, "name": a.original_name, "size": a.size,
                                 "media_type": a.media_type, "sha256": a.sha256}
                                for a in self.attachments],
                "read_by": [{"party": r.party, "reader": r.reader,
                             "at": r.read_at.isoformat()} for r in self.receipts]}


@dataclass
class ThreadView:
    thread: CoordThread
    parties: list[str]
    messages: list[MessageView]
    answers: list[Answer]
    unread: int = 0

    def as_dict(self, full: bool = True) -> dict[str, Any]:
        t = self.thread
        body: dict[str, Any] = {
            "uid": t.uid, "kind": t.kind, "subject": t.subject, "tlp": f"TLP:{t.tlp.value}",
            "opened_by": t.opened_by, "parties": self.parties, "opened": t.created_at.isoformat(),
            "due_game": None if t.due_game is None else round(t.due_game), "points": t.points,
            "answers": [a.__dict__ for a in self.answers], "unread": self.unread,
            "messages": len(self.messages)}
        if full:
            body["messages"] = [m.as_dict() for m in self.messages]
        return body


def visible_threads(engine: Engine, exercise_name: str, actor: Actor) -> list[ThreadView]:
    """Every thread the actor may read, newest first, with its unread count."""
    exercise, parties = context(engine, exercise_name)
    mine = set(parties.voices(actor))
    with Session(engine) as session:
        threads = list(session.exec(select(CoordThread).where(
            CoordThread.exercise_id == exercise.id).order_by(col(CoordThread.id).desc())))
        members = _members(session, [t.id for t in threads if t.id is not None])
        if not actor.reads_all:
            threads = [t for t in threads if mine & {p.party for p in members[t.id or 0]}]
        views = [_view(session, exercise, t, members[t.id or 0]) for t in threads]
    for view in views:
        view.unread = sum(1 for m in view.messages if m.message.sender not in mine
                          and not any(r.reader == actor.username for r in m.receipts))
    return views


def read_thread(engine: Engine, exercise_name: str, actor: Actor, uid: str,
                *, via: str = "api") -> ThreadView:
    """One thread the actor may read; receipts recorded for a party's reader."""
    exercise, parties = context(engine, exercise_name)
    _, members = thread_and_parties(engine, exercise, uid)
    mine = [p for p in parties.voices(actor) if p in members]
    if not mine and not actor.reads_all:
        raise NotAParty(f"no thread {uid}")
    view = _load(engine, exercise, uid)
    unread = [m.message for m in view.messages if m.message.sender not in mine
              and not any(r.reader == actor.username for r in m.receipts)]
    if mine and unread:
        _receipts(engine, exercise_name, actor, mine[0], uid, unread, via)
        view = _load(engine, exercise, uid)
    return view


def attachment(engine: Engine, exercise_name: str, actor: Actor, uid: str,
               evidence_id: int) -> EvidenceFile:
    """An attachment of a thread the actor may read (NotAParty otherwise)."""
    view = read_thread(engine, exercise_name, actor, uid)
    for message in view.messages:
        for item in message.attachments:
            if item.id == evidence_id:
                return item
    raise NotAParty(f"no attachment {evidence_id} in thread {uid}")


def answers_of(thread: CoordThread, members: list[CoordParty],
               messages: list[CoordMessage], now: float) -> list[Answer]:
    if thread.kind != ThreadKind.RFI or thread.due_game is None:
        return []
    found = []
    for party in (p for p in members if p.asked):
        first = next((m.game_at for m in messages if m.sender == party.party), None)
        if first is None:
            status = "overdue" if now > thread.due_game else "open"
        else:
            status = "late" if first > thread.due_game else "answered"
        found.append(Answer(party.party, status, first, party.grade_fact_id is not None))
    return found


def _receipts(engine: Engine, exercise_name: str, actor: Actor, party: str, uid: str,
              unread: list[CoordMessage], via: str) -> None:
    with write_transaction(engine) as conn:
        audit.append_many_on(conn, exercise_name, [(actor.username, "message.read", {
            "thread": uid, "as": party, "messages": [m.id for m in unread], "via": via})])
        with Session(bind=conn) as session:
            for message in unread:
                assert message.id is not None
                session.add(CoordReceipt(message_id=message.id, party=party,
                                         reader=actor.username))
            session.flush()


def _load(engine: Engine, exercise: Exercise, uid: str) -> ThreadView:
    with Session(engine) as session:
        thread = session.exec(select(CoordThread).where(
            CoordThread.uid == uid, CoordThread.exercise_id == exercise.id)).one()
        assert thread.id is not None
        return _view(session, exercise, thread, _members(session, [thread.id])[thread.id])


def _members(session: Session, ids: list[int]) -> dict[int, list[CoordParty]]:
    found: dict[int, list[CoordParty]] = defaultdict(list)
    rows = session.exec(select(CoordParty).where(col(CoordParty.thread_id).in_(ids))
                        .order_by(col(CoordParty.id)))
    for row in rows:
        found[row.thread_id].append(row)
    return found


def _view(session: Session, exercise: Exercise, thread: CoordThread,
          members: list[CoordParty]) -> ThreadView:
    messages = list(session.exec(select(CoordMessage).where(
        CoordMessage.thread_id == thread.id).order_by(col(CoordMessage.id))))
    ids = [m.id for m in messages]
    files: dict[int, list[EvidenceFile]] = defaultdict(list)
    for link, item in session.exec(select(CoordAttachment, EvidenceFile).join(
            EvidenceFile, col(EvidenceFile.id) == CoordAttachment.evidence_id).where(
            col(CoordAttachment.message_id).in_(ids)).order_by(col(CoordAttachment.id))):
        files[link.message_id].append(item)
    seen: dict[int, list[CoordReceipt]] = defaultdict(list)
    for receipt in session.exec(select(CoordReceipt).where(
            col(CoordReceipt.message_id).in_(ids)).order_by(col(CoordReceipt.id))):
        seen[receipt.message_id].append(receipt)
    answers = answers_of(thread, members, messages, game_seconds(exercise))
    loaded: list[SQLModel] = [thread, *messages, *members]
    loaded += [f for fs in files.values() for f in fs] + [r for rs in seen.values() for r in rs]
    for row in loaded:
        session.expunge(row)
    views = [MessageView(m, files[m.id or 0], seen[m.id or 0]) for m in messages]
    return ThreadView(thread, [p.party for p in members], views, answers)


__all__ = ["Answer", "MessageView", "ThreadView", "attachment", "read_thread",
           "visible_threads"]
