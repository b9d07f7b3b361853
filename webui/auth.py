"""Login, logout, the current user, and role checks for pages and the API.

Flask-Login carries the login: its session holds a random key of a
:class:`webui.sessions.LoginSession` row (revocable at once), and its request
loader takes ``Authorization: Bearer`` API tokens. Flask-Limiter throttles
failed logins per (account, address) with growing windows, so a guesser slows
down while the owner, from another address, still gets in.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

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
from flask_limiter import Limiter
from flask_login import LoginManager, UserMixin, login_user, logout_user
from flask_login import current_user as login_current
from werkzeug.wrappers import Response

from webui.accounts import User, UserRole, authenticate, user_for_token
from webui.app import web_context
from webui.limit_store import SCHEME
from webui.membership import member_team
from webui.sessions import end_session, open_session, user_for_session

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint("auth", __name__)
LIMITER_KEY = "cyberrange.login-limiter"
USERS_KEY = "cyberrange.token-users"  # webui.accounts.UserCache of this app
# Failed logins per (account, address): 5 a minute, 20 an hour, 50 a day.
ACCOUNT_LIMITS = "5 per minute;20 per hour;50 per day"
ADDRESS_LIMITS = "60 per minute;600 per day"  # failed logins per address, any account


class SessionUser(UserMixin):  # type: ignore[misc]
    """What Flask-Login holds: the account and the key of its session (or token)."""

    def __init__(self, user: User, key: str, via_token: bool = False) -> None:
        self.user = user
        self.key = key
        self.via_token = via_token

    def get_id(self) -> str:
        return self.key

    @property
    def is_active(self) -> bool:
        return self.user.active


def init_app(app: Flask, limiter_storage: str = "memory://") -> None:
    app.extensions[USERS_KEY] = {}
    manager = LoginManager()
    manager.session_protection = "basic"
    manager.init_app(app, add_context_processor=False)
    manager.user_loader(_session_user)
    manager.request_loader(_token_user)
    app.before_request(_load_user)
    app.context_processor(lambda: {"current_user": g.get("user")})
    app.register_blueprint(bp)
    # cyberrange-db:// (webui.limit_store) counts in the project's database, once
    # for every worker; memory:// per application; redis:// etc. in that server.
    engine = app.extensions["cyberrange"].engine
    options = {"engine": engine} if limiter_storage.startswith(SCHEME) else {}
    limiter = Limiter(key_func=_address, app=app, storage_uri=limiter_storage,
                      storage_options=options, default_limits=[], headers_enabled=False)
    per_account = limiter.limit(ACCOUNT_LIMITS, key_func=_account_and_address,
                                methods=["POST"], deduct_when=_failed)
    per_address = limiter.limit(ADDRESS_LIMITS, key_func=_address, methods=["POST"],
                                deduct_when=_failed)
    view = per_address(per_account(login))
    app.view_functions["auth.login"] = view
    app.extensions[LIMITER_KEY] = limiter


def _address() -> str:
    return request.remote_addr or "unknown"


def _account_and_address() -> str:
    return f"{request.form.get('username', '').strip().lower()}|{_address()}"


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _session_user(key: str) -> SessionUser | None:
    user = user_for_session(web_context().engine, key)
    return SessionUser(user, key) if user is not None else None


def _token_user(req: Any) -> SessionUser | None:
    header = str(req.headers.get("Authorization", ""))
    if not header.startswith("Bearer "):
        return None
    token = header.removeprefix("Bearer ").strip()
    user = user_for_token(web_context().engine, token, current_app.extensions[USERS_KEY])
    return SessionUser(user, "", via_token=True) if user is not None else None


def _load_user() -> None:
    holder = login_current._get_current_object()
    found = holder if isinstance(holder, SessionUser) else None
    g.user = found.user if found is not None else None
    g.via_token = bool(found and found.via_token)


def current_user() -> User | None:
    user: User | None = g.get("user")
    return user


def require(*roles: UserRole) -> Callable[[F], F]:
    """Allow only logged-in users with one of the roles (admin is not implied).
    On a page of an exercise (``name`` in the path), a red or blue user must
    be a member of it: others are told it does not exist (404)."""

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
            if "name" in kwargs and request.path.startswith("/x/"):
                g.member_exercise = kwargs["name"]
                g.member_team = member_team(web_context().engine, user, kwargs["name"])
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def safe_next(target: str | None) -> str:
    """Only a path of this site: no scheme, no host, no backslash, no control or
    blank characters (browsers drop a tab, so ``/\\t/evil`` would become ``//evil``)."""
    home = url_for("pages.home")
    if not target or not target.startswith("/") or target.startswith("//"):
        return home
    if any(ord(ch) < 0x21 or ch in "\\\x7f" for ch in target):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return home
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        user = authenticate(web_context().engine, username, request.form.get("password", ""))
        if user is None:
            flash("Wrong username or password.", "error")
            return render_template("login.html", username=username), 401  # type: ignore[return-value]
        start_session(user)
        return redirect(safe_next(request.args.get("next")))
    return render_template("login.html", username="")


def start_session(user: User) -> None:
    """Log the user in with a new server-side session (the old cookie is dropped)."""
    old = login_current._get_current_object()
    if isinstance(old, SessionUser) and not old.via_token:
        end_session(web_context().engine, old.key)
    session.clear()
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    key = open_session(web_context().engine, user, lifetime, request.remote_addr or "")
    session.permanent = True
    login_user(SessionUser(user, key))


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    holder = login_current._get_current_object()
    if isinstance(holder, SessionUser) and not holder.via_token:
        end_session(web_context().engine, holder.key)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
