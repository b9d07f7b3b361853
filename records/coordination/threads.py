"""Opening a thread and replying: the write side of messages.

1. check everything that can be checked without writing (TLP, subject, body,
   the caller's voice, every recipient): a problem refuses the message and
   nothing is stored;
2. store the attachments in the evidence store (each capped by the store's
   limit while it streams: AttachmentTooLarge, the partial file removed);
3. in one write transaction append the audit entry, then the thread, its
   parties, the message and its attachment links. If that transaction fails
   the attachments stored in step 2 are removed again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO

from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from range.db import write_transaction
from records import audit
from records.common import get_exercise
from records.coordination.errors import AttachmentTooLarge, CoordinationError, NotAParty
from records.coordination.parties import Actor, Directory, directory
from records.coordination.tables import (
    CoordAttachment,
    CoordMessage,
    CoordParty,
    CoordThread,
    ThreadKind,
)
from records.evidence import EvidenceStore
from records.tables import EvidenceFile, Tlp
from scoring.exercise import game_seconds
from scoring.tables import Exercise

MAX_SUBJECT = 200
MAX_BODY = 20_000
MAX_ATTACHMENTS = 5


@dataclass(frozen=True)
class Attachment:
    name: str
    stream: BinaryIO


@dataclass(frozen=True)
class Draft:
    """A new thread. ``due`` (seconds of game time) makes it a request for
    information that every recipient team owes an answer to."""

    subject: str
    body: str
    to: Sequence[str]
    tlp: str = "AMBER"
    sender: str | None = None  # the party to speak as (None: the caller's first voice)
    attachments: Sequence[Attachment] = field(default_factory=tuple)
    due: int | None = None
    points: int = 0


def parse_tlp(text: str) -> Tlp:
    wanted = text.strip().upper().removeprefix("TLP:")
    try:
        return Tlp(wanted)
    except ValueError:
        allowed = ", ".join(f"TLP:{t.value}" for t in Tlp)
        raise CoordinationError(f"unknown marking {text!r} (TLP 2.0: {allowed})",
                                field="tlp") from None


def check_text(subject: str | None, body: str) -> None:
    if subject is not None and not 0 < len(subject.strip()) <= MAX_SUBJECT:
        raise CoordinationError(f"a subject of 1 to {MAX_SUBJECT} characters", field="subject")
    if not 0 < len(body.strip()) <= MAX_BODY:
        raise CoordinationError(f"a message of 1 to {MAX_BODY} characters", field="body")


def context(engine: Engine, exercise_name: str) -> tuple[Exercise, Directory]:
    with Session(engine) as session:
        exercise = get_exercise(session, exercise_name)
        session.expunge(exercise)
    return exercise, directory(engine, exercise)


def open_thread(engine: Engine, store: EvidenceStore | None, exercise_name: str, actor: Actor,
                draft: Draft, *, via: str = "api") -> CoordThread:
    """Open a thread (step 1-3 of the module docstring); the stored thread."""
    exercise, parties = context(engine, exercise_name)
    tlp = parse_tlp(draft.tlp)
    check_text(draft.subject, draft.body)
    sender = parties.speak_as(actor, draft.sender)
    everyone = parties.check_parties(sender, draft.to)
    if draft.due is not None and (draft.due < 60 or draft.points < 0):
        raise CoordinationError("an answer is due at least 60 s after the request", field="due")
    asked = set(everyone[1:]) if draft.due is not None else set()
    now = game_seconds(exercise)
    thread = CoordThread(
        exercise_id=_id(exercise), kind=ThreadKind.RFI if asked else ThreadKind.MESSAGE,
        subject=draft.subject.strip(), tlp=tlp, opened_by=sender, author=actor.username,
        asked_game=now, due_game=None if draft.due is None else now + draft.due,
        points=draft.points if asked else 0)
    with _attachments(engine, store, exercise, actor, draft.attachments) as files, \
            write_transaction(engine) as conn:
        audit.append_many_on(conn, exercise_name, [(actor.username, "message.open", {
            "thread": thread.uid, "as": sender, "to": everyone[1:], "tlp": tlp.value,
            "subject": thread.subject, "kind": thread.kind, "due_game": thread.due_game,
            "attachments": [f.sha256 for f in files], "via": via})])
        store_thread(conn, thread, everyone, asked)
        store_message(conn, thread, sender, actor.username, draft.body, tlp, now, files)
    return thread


def reply(engine: Engine, store: EvidenceStore | None, exercise_name: str, actor: Actor, uid: str,
          body: str, *, tlp: str | None = None, sender: str | None = None,
          attachments: Sequence[Attachment] = (), via: str = "api") -> CoordMessage:
    """A message in an existing thread, from a party of it."""
    exercise, parties = context(engine, exercise_name)
    check_text(None, body)
    thread, members = thread_and_parties(engine, exercise, uid)
    if sender is None:  # staff: the first party of the thread they play
        sender = next((v for v in parties.voices(actor) if v in members), None)
    voice = parties.speak_as(actor, sender)
    if voice not in members:
        raise NotAParty(f"no thread {uid}")
    marking = thread.tlp if tlp is None else parse_tlp(tlp)
    now = game_seconds(exercise)
    with _attachments(engine, store, exercise, actor, attachments) as files, \
            write_transaction(engine) as conn:
        audit.append_many_on(conn, exercise_name, [(actor.username, "message.reply", {
            "thread": uid, "as": voice, "tlp": marking.value,
            "attachments": [f.sha256 for f in files], "via": via})])
        return store_message(conn, thread, voice, actor.username, body, marking, now, files)


def thread_and_parties(engine: Engine, exercise: Exercise,
                       uid: str) -> tuple[CoordThread, list[str]]:
    with Session(engine) as session:
        thread = session.exec(select(CoordThread).where(
            CoordThread.uid == uid, CoordThread.exercise_id == exercise.id)).first()
        if thread is None:
            raise NotAParty(f"no thread {uid}")
        members = list(session.exec(select(CoordParty.party).where(
            CoordParty.thread_id == thread.id).order_by(col(CoordParty.id))))
        session.expunge(thread)
    return thread, members


def store_thread(conn: Connection, thread: CoordThread, everyone: Sequence[str],
                 asked: set[str]) -> None:
    """The thread and its parties, in the caller's transaction."""
    with Session(bind=conn) as session:
        session.add(thread)
        session.flush()
        for party in everyone:
            session.add(CoordParty(thread_id=_thread_id(thread), party=party,
                                   asked=party in asked))
        session.flush()
        session.expunge(thread)


def store_message(conn: Connection, thread: CoordThread, sender: str, author: str, body: str,
                   tlp: Tlp, now: float, files: Sequence[EvidenceFile]) -> CoordMessage:
    with Session(bind=conn) as session:
        message = CoordMessage(thread_id=_thread_id(thread), sender=sender, author=author,
                               body=body, tlp=tlp, game_at=now)
        session.add(message)
        session.flush()
        assert message.id is not None
        for item in files:
            assert item.id is not None
            session.add(CoordAttachment(message_id=message.id, evidence_id=item.id))
        session.flush()
        session.expunge(message)
    return message


class _Capped:
    """A stream that refuses to yield more than ``limit`` bytes."""

    def __init__(self, name: str, stream: BinaryIO, limit: int) -> None:
        self.name, self.stream, self.limit, self.seen = name, stream, limit, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        self.seen += len(chunk)
        if self.seen > self.limit:
            raise AttachmentTooLarge(f"attachment {self.name!r} is larger than the limit of "
                                     f"{self.limit} bytes; nothing was stored", field="file")
        return chunk


@contextmanager
def _attachments(engine: Engine, store: EvidenceStore | None, exercise: Exercise, actor: Actor,
                 attachments: Sequence[Attachment]) -> Iterator[list[EvidenceFile]]:
    """Store the files; remove them again if anything fails before the commit."""
    if len(attachments) > MAX_ATTACHMENTS:
        raise CoordinationError(f"at most {MAX_ATTACHMENTS} attachments", field="file")
    if store is None:
        if attachments:
            raise CoordinationError("this caller cannot attach files", field="file")
        yield []
        return
    stored: list[EvidenceFile] = []
    try:
        for item in attachments:
            capped = _Capped(item.name, item.stream, store.max_bytes)
            stored.append(store.add(engine, _id(exercise), item.name, capped,  # type: ignore[arg-type]
                                    uploaded_by=actor.username))
        yield stored
    except BaseException:
        _discard(engine, store, stored)
        raise


def _discard(engine: Engine, store: EvidenceStore, stored: list[EvidenceFile]) -> None:
    if not stored:
        return
    with Session(engine) as session:
        for item in stored:
            row = session.get(EvidenceFile, item.id)
            if row is not None:
                session.delete(row)
        session.commit()
    for item in stored:
        store.path_of(item).unlink(missing_ok=True)


def _id(exercise: Exercise) -> int:
    assert exercise.id is not None
    return exercise.id


def _thread_id(thread: CoordThread) -> int:
    assert thread.id is not None
    return thread.id
