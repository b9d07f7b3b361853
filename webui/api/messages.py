"""Coordination in the API: message threads, requests for information, SITREPs.

Threads and replies are multipart forms (attachments go in ``file``); grades
and SITREPs are JSON. Coordination errors answer their own status (403 speak
as another party, 404 a thread you are no party of, 413 an attachment over the
limit, 422 a recipient that cannot receive) in the error envelope.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Annotated, Any

from flask import request, send_file
from pydantic import Field, StringConstraints
from werkzeug.wrappers import Response

from records.coordination.errors import CoordinationError
from records.coordination.parties import Actor
from records.coordination.reading import attachment, read_thread, visible_threads
from records.coordination.requests import grade_answer, pending
from records.coordination.sitreps import (
    SitrepInput,
    file_sitrep,
    grade_sitrep,
    schedule,
    sitreps,
)
from records.coordination.tables import Sitrep
from records.coordination.threads import Draft, open_thread, reply
from scoring.tables import Exercise
from webui.api.common import ALL_ROLES, READERS, STAFF, caller, engine, exercise, own_team
from webui.api.models import Lax, Points, Strict
from webui.api.registry import api_route
from webui.coordination import actor_for, attachments, evidence_store, recipients
from webui.errors import ApiError

X = "/exercises/<ex>"
T = f"{X}/threads/<uid>"
WRITERS = STAFF | {"red", "blue"}
Body = Annotated[str, StringConstraints(max_length=20_000)]
Short = Annotated[str, StringConstraints(max_length=200)]
Csrf = Annotated[str, StringConstraints(max_length=512)]


class ThreadForm(Lax):
    subject: Short
    body: Body
    to: Annotated[str, Field(max_length=1000, description="Parties, comma-separated.")]
    tlp: Short = "AMBER"
    speak_as: Short | None = Field(None, alias="as", description="Party to speak as (staff).")
    due_minutes: int | None = Field(None, ge=1, le=24 * 60,
                                    description="A request for information: answer due in.")
    points: int = Field(0, ge=0, le=10_000)
    csrf_token: Csrf = ""


class ReplyForm(Lax):
    body: Body
    tlp: Short | None = None
    speak_as: Short | None = Field(None, alias="as")
    csrf_token: Csrf = ""


class AnswerGrade(Strict):
    team: Short
    points: Points
    reason: Body = ""


class SitrepBody(Strict):
    situation: Body
    impact: Body = ""
    actions: Body = ""
    needs: Body = ""
    outlook: Body = ""
    tlp: Short = "AMBER"


class SitrepGrade(Strict):
    scores: dict[Short, int]
    reason: Body = ""


@contextmanager
def translated() -> Iterator[None]:
    try:
        yield
    except CoordinationError as exc:
        raise ApiError(exc.status, type(exc).__name__.lower(), str(exc), exc.field) from None


def _actor(found: Exercise) -> Actor:
    user = caller()
    return actor_for(user, own_team(found) if user.role.has_team else None)


def _files() -> list[Any]:
    unknown = set(request.files) - {"file"}
    if unknown:
        raise ApiError(422, "validation_error", "attachments go in 'file'", sorted(unknown)[0])
    return attachments(request.files.getlist("file"))


@api_route("GET", f"{X}/threads", roles=ALL_ROLES, tag="coordination", summary="List threads",
           response="threads the caller is a party of (staff and auditors: all)")
def threads(ex: str) -> dict[str, Any]:
    found = exercise(ex)
    with translated():
        views = visible_threads(engine(), found.name, _actor(found))
    return {"threads": [v.as_dict(full=False) for v in views]}


@api_route("POST", f"{X}/threads", roles=WRITERS, body=ThreadForm, multipart=True,
           status=201, tag="coordination", summary="Open a thread",
           response="the thread (with due_minutes: a request for information)")
def new_thread(ex: str, body: ThreadForm) -> dict[str, Any]:
    found = exercise(ex)
    draft = Draft(body.subject, body.body, recipients(body.to), body.tlp, body.speak_as,
                  _files(), None if body.due_minutes is None else body.due_minutes * 60,
                  body.points)
    with translated():
        actor = _actor(found)
        thread = open_thread(engine(), evidence_store(), found.name, actor, draft)
        return read_thread(engine(), found.name, actor, thread.uid).as_dict()


@api_route("GET", T, roles=ALL_ROLES, tag="coordination", summary="Read a thread",
           response="the thread, its messages, attachments and read receipts")
def show_thread(ex: str, uid: str) -> dict[str, Any]:
    found = exercise(ex)
    with translated():
        return read_thread(engine(), found.name, _actor(found), uid).as_dict()


@api_route("POST", f"{T}/messages", roles=WRITERS, body=ReplyForm, multipart=True,
           status=201, tag="coordination", summary="Reply in a thread",
           response="the thread with the new message")
def reply_thread(ex: str, uid: str, body: ReplyForm) -> dict[str, Any]:
    found = exercise(ex)
    with translated():
        actor = _actor(found)
        reply(engine(), evidence_store(), found.name, actor, uid, body.body, tlp=body.tlp,
              sender=body.speak_as, attachments=_files())
        return read_thread(engine(), found.name, actor, uid).as_dict()


@api_route("GET", f"{T}/attachments/<int:evidence_id>", roles=ALL_ROLES, tag="coordination",
           summary="Download an attachment", download=True,
           response="the attachment as stored (its checked media type)")
def download_attachment(ex: str, uid: str, evidence_id: int) -> Response:
    found = exercise(ex)
    with translated():
        item = attachment(engine(), found.name, _actor(found), uid, evidence_id)
    return send_file(evidence_store().path_of(item), mimetype=item.media_type,
                     as_attachment=True, download_name=item.original_name)


@api_route("GET", f"{X}/requests", roles=READERS, tag="coordination",
           summary="List requests for information",
           response="every asked party of every request: open, overdue, answered or late")
def requests_list(ex: str) -> dict[str, Any]:
    found = exercise(ex)
    return {"requests": [{**asdict(p), "answer": asdict(p.answer)}
                         for p in pending(engine(), found.name)]}


@api_route("POST", f"{X}/requests/<uid>/grade", roles=STAFF, body=AnswerGrade, status=201,
           tag="coordination", summary="Grade an answer",
           response="the INJECT_GRADE fact that carries the points")
def grade_request(ex: str, uid: str, body: AnswerGrade) -> dict[str, Any]:
    found = exercise(ex)
    with translated():
        fact = grade_answer(engine(), found.name, _actor(found), uid, body.team, body.points,
                            body.reason)
    return {"fact": fact}


def sitrep_json(item: Sitrep) -> dict[str, Any]:
    return {"uid": item.uid, "team": item.team, "author": item.author, "slot": item.slot,
            "game_at": round(item.game_at), "tlp": f"TLP:{item.tlp.value}",
            "situation": item.situation, "impact": item.impact, "actions": item.actions,
            "needs": item.needs, "outlook": item.outlook, "scores": item.scores,
            "grader": item.grader, "fact": item.grade_fact_id,
            "filed": item.created_at.isoformat()}


@api_route("GET", f"{X}/sitreps", roles=ALL_ROLES, tag="coordination", summary="List SITREPs",
           response="SITREPs (teams: their own) and, for staff and auditors, the due slots")
def sitrep_list(ex: str) -> dict[str, Any]:
    found = exercise(ex)
    actor = _actor(found)
    body: dict[str, Any] = {"sitreps": [sitrep_json(s) for s in
                                        sitreps(engine(), found.name, actor)]}
    if actor.reads_all:
        body["slots"] = [asdict(s) for s in schedule(engine(), found.name)]
    return body


@api_route("POST", f"{X}/sitreps", roles={"blue"}, body=SitrepBody, status=201,
           tag="coordination", summary="File a SITREP", response="the stored SITREP")
def sitrep_file(ex: str, body: SitrepBody) -> dict[str, Any]:
    found = exercise(ex)
    with translated():
        item = file_sitrep(engine(), found.name, _actor(found), SitrepInput(**body.model_dump()))
    return sitrep_json(item)


@api_route("POST", f"{X}/sitreps/<uid>/grade", roles=STAFF, body=SitrepGrade, status=201,
           tag="coordination", summary="Grade a SITREP",
           response="the graded SITREP (its points are an INJECT_GRADE fact)")
def sitrep_grade(ex: str, uid: str, body: SitrepGrade) -> dict[str, Any]:
    found = exercise(ex)
    with translated():
        item = grade_sitrep(engine(), found.name, _actor(found), uid, body.scores, body.reason)
    return sitrep_json(item)
