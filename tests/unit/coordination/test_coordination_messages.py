"""Message threads: who may send to whom, who sees which thread, TLP, attachments
kept as evidence, read receipts, and the audit entry written with each fact."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from records import audit
from records.coordination.errors import (
    AttachmentTooLarge,
    CannotReceive,
    CoordinationDenied,
    CoordinationError,
    NotAParty,
)
from records.coordination.parties import Actor
from records.coordination.reading import attachment, read_thread, visible_threads
from records.coordination.tables import CoordMessage, CoordThread
from records.coordination.threads import Draft, open_thread, reply
from records.evidence import EvidenceStore
from records.tables import EvidenceFile
from scoring.tables import Exercise
from tests.unit.coordination.coord_world import (
    AUDITOR,
    BLUE1,
    BLUE2,
    EXERCISE,
    RED,
    WHITE,
    text_file,
)

ISAC_STAFF = WHITE  # staff play the isac team (scenario role isac)


def send(engine: Engine, store: EvidenceStore, actor: Actor, to: list[str],
         sender: str | None = None, **extra: object) -> CoordThread:
    draft = Draft(subject=f"to {','.join(to)}", body="hello", to=to, sender=sender,
                  **extra)  # type: ignore[arg-type]
    return open_thread(engine, store, EXERCISE, actor, draft)


def counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        return (session.exec(select(func.count()).select_from(CoordThread)).one(),
                session.exec(select(func.count()).select_from(CoordMessage)).one(),
                session.exec(select(func.count()).select_from(EvidenceFile)).one())


# (sender actor, speak as, recipients) -> the thread's parties
THREADS = {
    "blue1-white": (BLUE1, None, ["white-cell"]),
    "blue1-blue2": (BLUE1, None, ["blue-2"]),
    "cert-blue2": (WHITE, "cert-xy", ["blue-2"]),
    "isac-all-blue": (ISAC_STAFF, "isac", ["blue-1", "blue-2"]),
    "red-white": (RED, None, ["white-cell"]),
}
# who sees which thread
SEES = {
    "blue1": {"blue1-white", "blue1-blue2", "isac-all-blue"},
    "blue2": {"blue1-blue2", "cert-blue2", "isac-all-blue"},
    "redteam": {"red-white"},
    "trainer": set(THREADS),
    "auditor": set(THREADS),
}
ACTORS = {"blue1": BLUE1, "blue2": BLUE2, "redteam": RED, "trainer": WHITE, "auditor": AUDITOR}


@pytest.mark.parametrize("who", sorted(SEES))
def test_visibility_matrix(engine: Engine, exercise: Exercise, store: EvidenceStore,
                           who: str) -> None:
    uids = {name: send(engine, store, actor, to, sender).uid
            for name, (actor, sender, to) in THREADS.items()}
    seen = {t.thread.uid for t in visible_threads(engine, EXERCISE, ACTORS[who])}
    assert seen == {uids[name] for name in SEES[who]}
    for name, uid in uids.items():
        if name in SEES[who]:
            assert read_thread(engine, EXERCISE, ACTORS[who], uid).thread.uid == uid
        else:
            with pytest.raises(NotAParty):
                read_thread(engine, EXERCISE, ACTORS[who], uid)
            with pytest.raises((NotAParty, CoordinationDenied)):
                reply(engine, store, EXERCISE, ACTORS[who], uid, "let me in")


@pytest.mark.parametrize(("actor", "sender", "to", "fragment"), [
    (BLUE1, None, ["red"], "'red' is a red team"),
    (WHITE, "cert-xy", ["red"], "'red' is a red team"),
    (RED, None, ["blue-1"], "'red' is a red team"),
    (RED, None, ["white-cell", "blue-2"], "'red' is a red team"),
    (BLUE1, None, ["blue-9"], "no party 'blue-9'"),
    (BLUE1, None, ["blue-1"], "at least one recipient"),
    (BLUE1, None, [], "at least one recipient"),
])
def test_a_party_that_cannot_receive_is_refused_and_nothing_stored(
        engine: Engine, exercise: Exercise, store: EvidenceStore, actor: Actor,
        sender: str | None, to: list[str], fragment: str) -> None:
    with pytest.raises(CannotReceive, match=fragment) as caught:
        send(engine, store, actor, to, sender, attachments=[text_file()])
    assert caught.value.status == 422 and caught.value.field == "to"
    assert counts(engine) == (0, 0, 0)
    assert audit.entries(engine, EXERCISE) == [] or all(
        not e.action.startswith("message.") for e in audit.entries(engine, EXERCISE))


@pytest.mark.parametrize(("actor", "sender", "error"), [
    (BLUE1, "blue-2", CoordinationDenied),  # a team speaks for itself only
    (BLUE1, "cert-xy", CoordinationDenied),
    (AUDITOR, None, CoordinationDenied),  # auditors only read
    (WHITE, "blue-1", CoordinationDenied),  # staff play organisations, not participants
])
def test_nobody_speaks_for_another(engine: Engine, exercise: Exercise, store: EvidenceStore,
                                   actor: Actor, sender: str | None,
                                   error: type[Exception]) -> None:
    with pytest.raises(error):
        send(engine, store, actor, ["white-cell", "blue-2"], sender)
    assert counts(engine) == (0, 0, 0)


@pytest.mark.parametrize("marking", ["TLP:WHITE", "pink", ""])
def test_an_unknown_marking_is_refused(engine: Engine, exercise: Exercise,
                                       store: EvidenceStore, marking: str) -> None:
    with pytest.raises(CoordinationError, match="unknown marking") as caught:
        send(engine, store, BLUE1, ["white-cell"], tlp=marking)
    assert caught.value.field == "tlp"
    assert counts(engine) == (0, 0, 0)


def test_tlp_2_markings_are_kept(engine: Engine, exercise: Exercise,
                                 store: EvidenceStore) -> None:
    thread = send(engine, store, BLUE1, ["white-cell"], tlp="tlp:amber+strict")
    view = read_thread(engine, EXERCISE, WHITE, thread.uid)
    assert view.as_dict()["tlp"] == "TLP:AMBER+STRICT"
    reply(engine, store, EXERCISE, WHITE, thread.uid, "noted", tlp="RED")
    assert [m.message.tlp.value for m in read_thread(engine, EXERCISE, BLUE1,
                                                     thread.uid).messages] == ["AMBER+STRICT",
                                                                               "RED"]


def test_attachments_are_evidence_and_readable_by_parties_only(
        engine: Engine, exercise: Exercise, store: EvidenceStore) -> None:
    thread = send(engine, store, BLUE1, ["white-cell"], attachments=[text_file()])
    view = read_thread(engine, EXERCISE, WHITE, thread.uid)
    item = view.messages[0].attachments[0]
    assert item.original_name == "iocs.txt" and item.media_type == "text/plain"
    assert store.verify(item)
    assert attachment(engine, EXERCISE, BLUE1, thread.uid, item.id or 0).id == item.id
    with pytest.raises(NotAParty):
        attachment(engine, EXERCISE, BLUE2, thread.uid, item.id or 0)
    entry = next(e for e in audit.entries(engine, EXERCISE) if e.action == "message.open")
    assert entry.details["attachments"] == [item.sha256]


def test_an_attachment_over_the_limit_stores_nothing(engine: Engine, exercise: Exercise,
                                                      store: EvidenceStore) -> None:
    files = [text_file("ok.txt"), text_file("big.txt", size=store.max_bytes + 1)]
    with pytest.raises(AttachmentTooLarge) as caught:
        send(engine, store, BLUE1, ["white-cell"], attachments=files)
    assert caught.value.status == 413
    assert counts(engine) == (0, 0, 0)
    assert [p.name for p in store.directory.iterdir()] == []


def test_a_forbidden_file_type_stores_nothing(engine: Engine, exercise: Exercise,
                                              store: EvidenceStore) -> None:
    files = [text_file("ok.txt"), text_file("x.exe")]
    files[1].stream.write(b"\x00MZ\x00")  # binary: not an allowed type
    files[1].stream.seek(0)
    files[1].stream.truncate(4)
    with pytest.raises(CoordinationError.__mro__[1]):  # RecordError from the store
        send(engine, store, BLUE1, ["white-cell"], attachments=files)
    assert counts(engine) == (0, 0, 0)


def test_read_receipts_once_per_reader_and_not_for_onlookers(
        engine: Engine, exercise: Exercise, store: EvidenceStore) -> None:
    thread = send(engine, store, BLUE1, ["blue-2"])
    read_thread(engine, EXERCISE, AUDITOR, thread.uid)  # not a party: no receipt
    read_thread(engine, EXERCISE, BLUE1, thread.uid)  # own message: no receipt
    assert visible_threads(engine, EXERCISE, BLUE2)[0].unread == 1
    first = read_thread(engine, EXERCISE, BLUE2, thread.uid)
    again = read_thread(engine, EXERCISE, BLUE2, thread.uid)
    receipts = again.messages[0].receipts
    assert [(r.party, r.reader) for r in receipts] == [("blue-2", "blue2")]
    assert first.messages[0].receipts[0].read_at == receipts[0].read_at
    assert visible_threads(engine, EXERCISE, BLUE2)[0].unread == 0
    actions = [e.action for e in audit.entries(engine, EXERCISE)]
    assert actions.count("message.read") == 1


def test_replies_and_the_audit_chain(engine: Engine, exercise: Exercise,
                                     store: EvidenceStore) -> None:
    thread = send(engine, store, WHITE, ["blue-1"], sender="daily-news")
    reply(engine, store, EXERCISE, BLUE1, thread.uid, "no comment")
    reply(engine, store, EXERCISE, WHITE, thread.uid, "thanks")  # staff: as daily-news
    view = read_thread(engine, EXERCISE, AUDITOR, thread.uid)
    assert [m.message.sender for m in view.messages] == ["daily-news", "blue-1", "daily-news"]
    actions = [e.action for e in audit.entries(engine, EXERCISE) if e.action.startswith("mess")]
    assert actions == ["message.open", "message.reply", "message.reply"]
    assert audit.verify(engine, EXERCISE).ok


def test_empty_subject_or_body_is_refused(engine: Engine, exercise: Exercise,
                                          store: EvidenceStore) -> None:
    with pytest.raises(CoordinationError, match="subject"):
        open_thread(engine, store, EXERCISE, BLUE1, Draft(" ", "x", ["white-cell"]))
    with pytest.raises(CoordinationError, match="message of 1"):
        open_thread(engine, store, EXERCISE, BLUE1, Draft("s", " ", ["white-cell"]))
    assert counts(engine) == (0, 0, 0)
