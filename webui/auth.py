"""Login, logout, the current user, and role checks for pages and the API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from range.errors import NotFoundError
from webui.accounts import User, UserRole, check_password, find_user, get_user, user_for_token
from webui.app import web_context
from webui.ratelimit import WindowLimiter

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint("auth", __name__)
LIMITER_KEY = "cyberrange.login-limiter"
USERS_KEY = "cyberrange.token-users"  # webui.accounts.UserCache of this app


def init_app(app: Flask) -> None:
    # Per application, so two apps (or tests) never share counters.
    app.extensions[LIMITER_KEY] = WindowLimiter(limit=10, window_seconds=60)
    app.extensions[USERS_KEY] = {}
    app.before_request(_load_user)
    app.context_processor(lambda: {"current_user": g.get("user")})
    app.register_blueprint(bp)


def _load_user() -> None:
    g.user = None
    g.via_token = False
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = header.removeprefix("Bearer ").strip()
        g.user = user_for_token(web_context().engine, token, current_app.extensions[USERS_KEY])
        g.via_token = g.user is not None
        return
    user_id = session.get("user_id")
    if isinstance(user_id, int):
        try:
            user = get_user(web_context().engine, user_id)
        except NotFoundError:  # a stale session (user deleted) simply logs out
            session.clear()
            return
        if user.active and session.get("pw") == user.password_hash[-16:]:
            g.user = user
        else:
            session.clear()


def current_user() -> User | None:
    user: User | None = g.get("user")
    return user


def require(*roles: UserRole) -> Callable[[F], F]:
    """Allow only logged-in users with one of the roles (admin is not implied)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                if request.path.startswith("/api/"):
                    abort(401)
                return redirect(url_for("auth.login", next=request.path))
            if roles and user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link log users in elsewhere.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("pages.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        limiter: WindowLimiter = current_app.extensions[LIMITER_KEY]
        if not (limiter.hit(f"addr:{request.remote_addr}") and limiter.hit(f"user:{username}")):
            abort(429)
        user = find_user(web_context().engine, username)
        if user is None or not user.active or not check_password(user, password):
            flash("Wrong username or password.", "error")
            return render_template("login.html", username=username), 401  # type: ignore[return-value]
        session.clear()
        session["user_id"] = user.id
        session["pw"] = user.password_hash[-16:]  # a password change ends other sessions
        session.permanent = True
        return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", username="")


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    session.clear()
    return redirect(url_for("auth.login"))
