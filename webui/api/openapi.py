"""The OpenAPI 3.1 document, generated from the route registry and the
request models' JSON Schemas (nothing here is written per route)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from webui.api.models import MAX_EVIDENCE_FILES
from webui.api.registry import RouteSpec, api_route, registered_routes

REF = "#/components/schemas/{model}"
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["status", "code", "message"],
        "properties": {
            "status": {"type": "integer"},
            "code": {"type": "string"},
            "message": {"type": "string"},
            "field": {"type": "string", "description": "the request field at fault"},
        },
    }},
}
ERRORS = {
    "400": "bad request (invalid JSON, CSRF check failed for cookie sessions)",
    "401": "not logged in and no valid bearer token",
    "403": "the caller's role or team may not do this",
    "404": "no such exercise or record (or not visible to the caller)",
    "409": "the exercise's state forbids it, or it was already done",
    "422": "a field is unknown, missing or of the wrong type (named in error.field)",
}


def openapi_path(rule: str) -> str:
    return _PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "integer" if kind == "int" else "string"}}
        for kind, name in _PARAM.findall(rule)
    ]


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def _responses(spec: RouteSpec) -> dict[str, Any]:
    if spec.download:
        # A file as stored or exported: its own media type (image/png, text/csv, ...).
        content = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
    else:
        content = {"application/json": {"schema": {"type": "object"}}}
    error = {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}
    answers: dict[str, Any] = {str(spec.status): {"description": spec.response,
                                                  "content": content}}
    for code, text in ERRORS.items():
        if code in ("401", "403") and spec.public:
            continue
        answers[code] = {"description": text, "content": error}
    return answers


def _request_body(spec: RouteSpec) -> dict[str, Any] | None:
    if spec.body is None:
        return None
    ref = {"$ref": REF.format(model=spec.body.__name__)}
    if spec.multipart:
        # One object with the form fields and the files: an allOf of the model
        # (additionalProperties: false) and {file} could never be satisfied.
        schema = spec.body.model_json_schema(ref_template=REF)
        schema["properties"]["file"] = {
            "type": "array", "minItems": 1, "maxItems": MAX_EVIDENCE_FILES,
            "items": {"type": "string", "format": "binary"}}
        schema["required"] = [*schema.get("required", []), "file"]
        return {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
    return {"required": True, "content": {"application/json": {"schema": ref}}}


def operation(spec: RouteSpec, endpoint: str) -> dict[str, Any]:
    roles = sorted(spec.roles) if spec.roles is not None else ["any logged-in user"]
    found: dict[str, Any] = {
        "operationId": endpoint,
        "summary": spec.summary,
        "description": "Public." if spec.public else f"Roles: {', '.join(roles)}.",
        "tags": [spec.tag] if spec.tag else [],
        "x-roles": [] if spec.public else roles,
        "parameters": _path_parameters(spec.rule)
        + (_query_parameters(spec.query) if spec.query else []),
        "responses": _responses(spec),
    }
    if spec.public:
        found["security"] = []
    body = _request_body(spec)
    if body is not None:
        found["requestBody"] = body
    return found


def document(routes: list[tuple[RouteSpec, str]]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for spec, endpoint in routes:
        paths.setdefault(openapi_path(spec.rule), {})[spec.method.lower()] = operation(
            spec, endpoint)
    models = sorted({s.body for s, _ in routes if s.body is not None}, key=lambda m: m.__name__)
    _, schemas = models_json_schema([(m, "validation") for m in models], ref_template=REF)
    components = {**schemas.get("$defs", {}), "Error": ERROR_SCHEMA}
    return {
        "openapi": "3.1.0",
        "info": {"title": "cyberrange API", "version": "1",
                 "description": "Exercises, flags, incident reports and records. "
                                "Errors use one envelope: {\"error\": {status, code, "
                                "message, field?}}."},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer",
                                "description": "a team token from POST /api/v1/tokens"},
                "sessionCookie": {"type": "apiKey", "in": "cookie",
                                  "name": "cyberrange_session",
                                  "description": "the web session; writes also need the "
                                                 "X-CSRFToken header"},
            },
        },
        "security": [{"bearerToken": []}, {"sessionCookie": []}],
    }


@api_route("GET", "/openapi.json", roles=None, public=True, tag="meta",
           summary="Read the OpenAPI document", response="this API as OpenAPI 3.1")
def openapi_document() -> dict[str, Any]:
    return document([(spec, endpoint) for spec, endpoint in registered_routes()])
