"""TAXII 2.1 endpoints (discovery, API root, collections, objects, manifest, status)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, request, url_for
from sqlmodel import Session, select
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from range.errors import CyberrangeError, NotFoundError
from records.sharing import feed
from records.sharing.audience import Caller
from records.sharing.errors import SharingDenied, SharingError
from records.sharing.receipts import load_receipt, save_receipt
from records.sharing.tlp import Tlp, is_tlp_definition, marking_of
from scoring.tables import Exercise
from webui.app import web_context
from webui.security import MAX_UPLOAD_BYTES
from webui.taxii import media
from webui.taxii.collections import COLLECTIONS, Collection, find
from webui.taxii.media import STIX, TaxiiError, fail, taxii_json

bp = Blueprint("taxii", __name__, url_prefix="/taxii2")
MAX_CONTENT = MAX_UPLOAD_BYTES  # the app's request limit (webui.security)
DEFAULT_LIMIT = 100
FILTERS = ("added_after", "limit", "next", "match[id]", "match[type]", "match[version]",
           "match[spec_version]")


@bp.record_once
def _setup(state: Any) -> None:
    app: Flask = state.app
    app.extensions[media.LIMITER_KEY] = media.FailedLogins(limit=10, window_seconds=60)
    app.extensions["csrf"].exempt(bp)  # writes need a token or Basic (media.writer_checked)


@bp.before_request
def _negotiate() -> None:
    media.check_accept()


@bp.errorhandler(TaxiiError)
def _taxii_error(exc: TaxiiError) -> Response:
    return media.error_response(exc)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    return media.error_response(TaxiiError(status, exc.name, exc.description or ""))


@bp.errorhandler(CyberrangeError)
def _library_error(exc: CyberrangeError) -> Response:
    status = (403 if isinstance(exc, SharingDenied) else 422 if isinstance(exc, SharingError)
              else 404 if isinstance(exc, NotFoundError) else 400)
    titles = {403: "Forbidden", 404: "Not Found", 422: "Unprocessable Content",
              400: "Bad Request"}
    return media.error_response(TaxiiError(status, titles[status], str(exc)))


def _member(name: str) -> tuple[Exercise, Caller]:
    """The exercise and the caller in it; 404 for a team account that does not play there."""
    account = media.user()
    with Session(web_context().engine) as session:
        exercise = session.exec(select(Exercise).where(Exercise.name == name)).first()
    if exercise is None or exercise.id is None:
        fail(404, "Not Found", f"no API root {name!r}")
    caller = media.caller_for(account, exercise)
    if not caller.reads_all and caller.team is None:
        fail(404, "Not Found", f"no API root {name!r}")
    return exercise, caller


def _collection(exercise: Exercise, collection_id: str) -> Collection:
    found = find(exercise.name, collection_id)
    if found is None:
        fail(404, "Not Found", f"no collection {collection_id!r}")
    return found


def _can_write(caller: Caller) -> bool:
    return caller.team is not None or caller.staff


@bp.get("/")
def discovery() -> Response:
    account = media.user()
    engine = web_context().engine
    with Session(engine) as session:
        exercises = list(session.exec(select(Exercise).order_by(Exercise.name)))
    roots = []
    for exercise in exercises:
        caller = media.caller_for(account, exercise)
        if caller.reads_all or caller.team is not None:
            roots.append(url_for("taxii.api_root", ex=exercise.name, _external=True))
    return taxii_json({"title": "cyberrange sharing feeds",
                       "description": "One API root per exercise (TAXII 2.1).",
                       "api_roots": roots, **({"default": roots[0]} if roots else {})})


@bp.get("/<ex>/")
def api_root(ex: str) -> Response:
    exercise, _ = _member(ex)
    return taxii_json({"title": f"Sharing feed of {exercise.name}",
                       "description": "Collections per audience; TLP 2.0 enforced per reader.",
                       "versions": [media.TAXII], "max_content_length": MAX_CONTENT})


@bp.get("/<ex>/collections/")
def collections(ex: str) -> Response:
    exercise, caller = _member(ex)
    return taxii_json({"collections": [c.resource(exercise.name, _can_write(caller))
                                       for c in COLLECTIONS]})


@bp.get("/<ex>/collections/<cid>/")
def collection(ex: str, cid: str) -> Response:
    exercise, caller = _member(ex)
    return taxii_json(_collection(exercise, cid).resource(exercise.name, _can_write(caller)))


def _page(exercise: Exercise, caller: Caller, found: Collection,
          stix_id: str | None = None) -> feed.Page:
    args = request.args
    unknown = sorted(set(args) - set(FILTERS))
    if unknown:
        fail(400, "Bad Request", f"unknown parameter {unknown[0]!r}")
    try:
        added_after = (datetime.fromisoformat(args["added_after"])
                       if "added_after" in args else None)
        after_id = int(args["next"]) if args.get("next") else None
        limit = int(args.get("limit") or DEFAULT_LIMIT)
    except ValueError as exc:
        fail(400, "Bad Request", f"bad paging parameter: {exc}")
    types = frozenset(filter(None, args.get("match[type]", "").split(","))) or None
    ids = frozenset(filter(None, args.get("match[id]", "").split(","))) or None
    if stix_id is not None:
        ids = frozenset({stix_id})
    return feed.read_page(web_context().engine, exercise.name, caller, added_after=added_after,
                          after_id=after_id, limit=limit, types=types, stix_ids=ids,
                          tlp=found.tlp)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _date_headers(page: feed.Page) -> dict[str, str]:
    if not page.entries:
        return {}
    return {"X-TAXII-Date-Added-First": _stamp(page.entries[0].added),
            "X-TAXII-Date-Added-Last": _stamp(page.entries[-1].added)}


def _paged(page: feed.Page, body: dict[str, Any]) -> Response:
    body["more"] = page.more
    if page.more:
        body["next"] = str(page.entries[-1].id)
    return taxii_json(body, headers=_date_headers(page))


def _envelope(page: feed.Page) -> Response:
    """The envelope, the stored objects' JSON text spliced in as it is (a page of
    1,000 objects is not parsed only to be serialised again)."""
    meta = _paged(page, {}).get_data(as_text=True).rstrip().removesuffix("}")
    objects = ",".join(e.body_json for e in page.entries)
    response = taxii_json({}, headers=_date_headers(page))
    response.set_data(f'{meta}, "objects": [{objects}]}}')
    return response


@bp.get("/<ex>/collections/<cid>/objects/")
def get_objects(ex: str, cid: str) -> Response:
    exercise, caller = _member(ex)
    return _envelope(_page(exercise, caller, _collection(exercise, cid)))


@bp.get("/<ex>/collections/<cid>/objects/<oid>/")
def get_object(ex: str, cid: str, oid: str) -> Response:
    exercise, caller = _member(ex)
    page = _page(exercise, caller, _collection(exercise, cid), oid)
    if not page.entries:
        fail(404, "Not Found", f"no object {oid!r} that you may read")
    return _envelope(page)


@bp.get("/<ex>/collections/<cid>/objects/<oid>/versions/")
def get_versions(ex: str, cid: str, oid: str) -> Response:
    exercise, caller = _member(ex)
    page = _page(exercise, caller, _collection(exercise, cid), oid)
    if not page.entries:
        fail(404, "Not Found", f"no object {oid!r} that you may read")
    versions = sorted({e.version or _stamp(e.added) for e in page.entries})
    return _paged(page, {"versions": versions})


@bp.get("/<ex>/collections/<cid>/manifest/")
def get_manifest(ex: str, cid: str) -> Response:
    exercise, caller = _member(ex)
    page = _page(exercise, caller, _collection(exercise, cid))
    return _paged(page, {"objects": [
        {"id": e.stix_id, "date_added": _stamp(e.added),
         "version": e.version or _stamp(e.added), "media_type": STIX} for e in page.entries]})


@bp.post("/<ex>/collections/<cid>/objects/")
def add_objects(ex: str, cid: str) -> Response:
    exercise, caller = _member(ex)
    found = _collection(exercise, cid)
    media.writer_checked()
    media.check_content_type()
    if (request.content_length or 0) > MAX_CONTENT:
        fail(413, "Payload Too Large", f"at most {MAX_CONTENT} bytes per request")
    envelope = request.get_json(force=True, silent=True)
    if not isinstance(envelope, dict):
        fail(400, "Bad Request", "the body is not a TAXII envelope (a JSON object)")
    objects = envelope.get("objects")
    if found.tlp is not None and isinstance(objects, list):
        _check_collection_marking(objects, found.tlp)
    published = feed.publish(web_context().engine, exercise.name, caller, objects, via="taxii")
    listed = objects if isinstance(objects, list) else []
    versions = {o.get("id"): o.get("modified", "") for o in listed if isinstance(o, dict)}
    relayed = set(published.relayed)
    successes = [{"id": i, "version": versions.get(i, ""),
                  "message": "relayed" if i in relayed else "added"} for i in published.stored]
    successes += [{"id": i, "version": versions.get(i, ""), "message": "already in the feed"}
                  for i in published.duplicates]
    requested = _stamp(datetime.now().astimezone())
    data = {"status": "complete", "request_timestamp": requested,
            "total_count": len(successes), "success_count": len(successes),
            "successes": successes, "failure_count": 0, "failures": [],
            "pending_count": 0, "pendings": []}
    assert exercise.id is not None
    receipt = save_receipt(web_context().engine, exercise.id, caller.name, data)
    return taxii_json({"id": receipt, **data}, 202)


def _check_collection_marking(objects: list[Any], tlp: Tlp) -> None:
    for obj in objects:
        if isinstance(obj, dict) and not is_tlp_definition(obj) and marking_of(obj) is not tlp:
            raise SharingError(f"{obj.get('id')}: this collection takes TLP:{tlp.value} only")


@bp.get("/<ex>/status/<status_id>/")
def get_status(ex: str, status_id: str) -> Response:
    exercise, caller = _member(ex)
    assert exercise.id is not None
    receipt = load_receipt(web_context().engine, exercise.id, status_id,
                           None if caller.reads_all else caller.name)
    return taxii_json({"id": receipt.id, **receipt.data})
