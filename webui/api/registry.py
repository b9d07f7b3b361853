"""The API's route registry: one decorator records each route's contract
(method, path, roles, request model, response) and the blueprint and the
OpenAPI document are both built from those records.

The decorator only attaches a :class:`RouteSpec` to the view function; the
blueprint is made per application (no module-level registry).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from types import FunctionType, ModuleType
from typing import Any, TypeVar

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from flask_wtf.csrf import CSRFProtect
from pydantic import BaseModel, ValidationError

from webui.app import web_context
from webui.errors import ApiError
from webui.membership import member_team

PREFIX = "/api/v1"
SPEC_ATTR = "api_spec"
REGISTRY_KEY = "cyberrange.api-routes"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class RouteSpec:
    """One API route: what it accepts, who may call it, what it answers."""

    method: str
    path: str  # Flask rule below PREFIX, e.g. "/exercises/<ex>/flags"
    roles: frozenset[str] | None  # None: any logged-in user
    summary: str
    response: str  # what a success answers, for the OpenAPI document
    body: type[BaseModel] | None = None  # JSON body (or multipart form fields)
    query: type[BaseModel] | None = None
    multipart: bool = False  # body is multipart/form-data with files
    status: int = 200
    public: bool = False  # no login needed (the OpenAPI document)
    tag: str = ""
    download: bool = False  # answers a file, not JSON

    @property
    def rule(self) -> str:
        return PREFIX + self.path


def api_route(
    method: str,
    path: str,
    *,
    roles: Iterable[str] | None,
    summary: str,
    response: str,
    **extra: Any,
) -> Callable[[F], F]:
    """Mark a function as an API view; ``blueprint`` picks it up."""
    spec = RouteSpec(method, path, None if roles is None else frozenset(roles), summary,
                     response, **extra)

    def decorator(view: F) -> F:
        setattr(view, SPEC_ATTR, spec)
        return view

    return decorator


def collect(modules: Iterable[ModuleType]) -> list[tuple[RouteSpec, Callable[..., Any]]]:
    """Every marked view of the modules, in definition order."""
    found: list[tuple[RouteSpec, Callable[..., Any]]] = []
    for module in modules:
        for value in vars(module).values():
            if not isinstance(value, FunctionType):  # (module globals include proxies)
                continue
            spec = getattr(value, SPEC_ATTR, None)
            if isinstance(spec, RouteSpec) and getattr(value, "__module__", "") == module.__name__:
                found.append((spec, value))
    return found


def _first_error(exc: ValidationError) -> tuple[str | None, str]:
    errors = exc.errors(include_url=False)
    first = errors[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    lines = [f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in errors[:5]]
    return field, "; ".join(lines)


def _validated(model: type[BaseModel], raw: bytes | dict[str, Any]) -> BaseModel:
    try:
        if isinstance(raw, bytes):
            return model.model_validate_json(raw or b"{}")
        return model.model_validate(raw)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise ApiError(400, "invalid_json", "the request body is not valid JSON") from None
        field, message = _first_error(exc)
        raise ApiError(422, "validation_error", message, field) from None


def _json_body(model: type[BaseModel]) -> BaseModel:
    kind = request.mimetype
    if request.content_length and kind != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    return _validated(model, request.get_data(cache=False))


def _check_access(spec: RouteSpec) -> None:
    """Login (401), role (403), then CSRF for cookie sessions (400)."""
    if spec.public:
        return
    user = g.get("user")
    if user is None:
        raise ApiError(401, "unauthorized", "log in, or send 'Authorization: Bearer <token>'")
    if spec.roles is not None and str(user.role) not in spec.roles:
        raise ApiError(403, "forbidden", f"a {user.role} user may not {spec.summary.lower()}")
    if not g.get("via_token"):
        # A cookie travels with cross-site requests, a bearer token does not:
        # only cookie-authenticated calls need the X-CSRFToken header.
        csrf: CSRFProtect = current_app.extensions["csrf"]
        csrf.protect()


def check_membership(exercise_name: str) -> None:
    """A red or blue caller acts only in exercises it is a member of (404 otherwise)."""
    g.member_exercise = exercise_name
    g.member_team = member_team(web_context().engine, g.user, exercise_name)


def _wrap(spec: RouteSpec, view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def handler(**kwargs: Any) -> Any:
        _check_access(spec)
        if "ex" in kwargs and not spec.public:
            check_membership(kwargs["ex"])
        if spec.body is not None:
            if spec.multipart:
                kwargs["body"] = _validated(spec.body, request.form.to_dict())
            else:
                kwargs["body"] = _json_body(spec.body)
        if spec.query is not None:
            kwargs["query"] = _validated(spec.query, request.args.to_dict())
        result = view(**kwargs)
        if isinstance(result, Response):
            return result
        response = jsonify(result)
        response.status_code = spec.status
        return response

    return handler


def blueprint(modules: Iterable[ModuleType]) -> Blueprint:
    """A fresh blueprint holding every route of the modules; the app keeps the
    route list (for the OpenAPI document) and exempts the blueprint from the
    global CSRF check, which :func:`_check_access` does instead."""
    routes = collect(modules)
    bp = Blueprint("api", __name__)
    for spec, view in routes:
        bp.add_url_rule(spec.rule, view.__name__, _wrap(spec, view), methods=[spec.method])

    def on_register(state: Any) -> None:
        app: Flask = state.app
        app.extensions[REGISTRY_KEY] = [(spec, view.__name__) for spec, view in routes]
        app.extensions["csrf"].exempt(bp)

    bp.record_once(on_register)
    return bp


def registered_routes() -> list[tuple[RouteSpec, str]]:
    """(spec, endpoint name) of every API route of the current app."""
    routes: list[tuple[RouteSpec, str]] = current_app.extensions[REGISTRY_KEY]
    return routes
