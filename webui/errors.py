"""One error envelope for the API, readable error pages for people."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from range.errors import CyberrangeError, GameError, NotFoundError, RecordError


class ApiError(Exception):
    """Raised by API views; rendered as the error envelope."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def envelope(status: int, code: str, message: str, field: str | None = None) -> Response:
    body: dict[str, Any] = {"error": {"status": status, "code": code, "message": message}}
    if field is not None:
        body["error"]["field"] = field
    response = jsonify(body)
    response.status_code = status
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    code = (exc.name or "error").lower().replace(" ", "_")
    message = exc.description or exc.name
    if isinstance(exc, CSRFError):
        code, message = "csrf_failed", f"CSRF check failed: {exc.description}"
    if _wants_json():
        response = envelope(status, code, message)
    else:
        response = make_response(render_template("error.html", status=status,
                                                 message=message), status)
    # The exception's own headers: Allow on a 405, Retry-After on a 429, ...
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _library_error(exc: CyberrangeError) -> Response | tuple[str, int]:
    status = 404 if isinstance(exc, NotFoundError) else 409 if isinstance(exc, GameError) else 400
    code = type(exc).__name__.removesuffix("Error").lower() or "error"
    if isinstance(exc, RecordError):
        code = "invalid_record"
    if _wants_json():
        return envelope(status, code, str(exc))
    return render_template("error.html", status=status, message=str(exc)), status


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CyberrangeError, _library_error)
    app.register_error_handler(
        ApiError, lambda exc: envelope(exc.status, exc.code, exc.message, exc.field)
    )
