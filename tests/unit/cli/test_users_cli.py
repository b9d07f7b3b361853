"""`cyberrange users`: names and role/team checked, membership per exercise,
passwords reset and tokens issued, listed and revoked — each in the audit log."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy.engine import Engine

from cyberrange.cli import cli
from range.config import Settings
from records.audit import entries
from tests.unit.webui.conftest import make_exercise
from webui.accounts import authenticate, user_for_token
from webui.membership import members

PASSWORD = "a long enough passphrase"


def _run(settings: Settings, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--data-dir", str(settings.data_dir), *args])
    return result.exit_code, result.output


def _add(settings: Settings, name: str, role: str, *extra: str) -> tuple[int, str]:
    return _run(settings, "users", "add", name, "--role", role, "--password", PASSWORD, *extra)


def test_names_and_role_team_pairs_are_checked(settings: Settings, engine: Engine) -> None:
    assert _add(settings, "", "blue", "--team", "blue-1")[0] != 0
    code, out = _add(settings, "x" * 65, "blue", "--team", "blue-1")
    assert code != 0 and "64" in out
    code, out = _add(settings, "mallory", "red", "--team", "blue-1")
    assert code != 0 and "blue team" in out
    code, out = _add(settings, "eve", "blue", "--team", "red")
    assert code != 0 and "red team" in out
    code, out = _add(settings, "walter", "white", "--team", "blue-1")
    assert code != 0 and "no team" in out
    assert _add(settings, "bob", "blue", "--team", "blue-1")[0] == 0


def test_weak_passwords_are_refused(settings: Settings, engine: Engine) -> None:
    for weak in ("short", "password123", "qwertyuiop", "carol-user"):
        code, out = _run(settings, "users", "add", "carol-user", "--role", "white",
                         "--password", weak)
        assert code != 0, weak
    code, out = _run(settings, "users", "add", "carol-user", "--role", "white",
                     "--password", PASSWORD)
    assert code == 0, out


def test_membership_is_per_exercise(settings: Settings, engine: Engine) -> None:
    make_exercise(engine, "drill-a", enrol=False)
    make_exercise(engine, "drill-b", enrol=False)
    assert _add(settings, "bob", "blue", "--team", "blue-1", "--exercise", "drill-a")[0] == 0
    code, out = _run(settings, "users", "join", "bob", "drill-b", "--team", "blue-2")
    assert code == 0, out
    code, out = _run(settings, "users", "join", "bob", "drill-b", "--team", "red")
    assert code != 0 and "plays red" in out
    assert [(m.exercise, m.team) for m in members(engine)] == [("drill-a", "blue-1"),
                                                               ("drill-b", "blue-2")]
    code, out = _run(settings, "users", "members", "drill-b")
    assert out.split() == ["drill-b", "blue-2", "blue", "bob"]


def test_token_lifecycle_and_password_reset(settings: Settings, engine: Engine) -> None:
    assert _add(settings, "bob", "blue", "--team", "blue-1")[0] == 0
    code, token = _run(settings, "users", "token", "bob", "--label", "ci", "--days", "7")
    token = token.strip()
    assert code == 0 and user_for_token(engine, token) is not None
    code, listing = _run(settings, "users", "tokens", "bob")
    token_id, username, state, _expires, label = listing.strip().split("\t")
    assert (username, state, label) == ("bob", "live", "ci")
    assert _run(settings, "users", "revoke", token_id)[0] == 0
    assert user_for_token(engine, token) is None
    assert _run(settings, "users", "tokens", "bob")[1].split("\t")[2] == "revoked"
    code, out = _run(settings, "users", "passwd", "bob", "--password", "another passphrase 7")
    assert code == 0, out
    assert authenticate(engine, "bob", "another passphrase 7") is not None
    assert authenticate(engine, "bob", PASSWORD) is None
    assert _run(settings, "users", "deactivate", "bob")[0] == 0
    assert authenticate(engine, "bob", "another passphrase 7") is None
    actions = [e.action for e in entries(engine, None)]
    for action in ("user.create", "token.issue", "token.revoke", "user.password-reset",
                   "user.deactivate"):
        assert action in actions, action
