"""The drill's web side: demo accounts, the served web UI, and submitting via its API."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from range.config import Settings
from range.errors import CyberrangeError
from records import participants
from webui.accounts import UserRole, create_user, find_user, issue_token


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    role: str
    team: str | None


def demo_accounts(engine: Engine, teams: dict[str, str], path: Path) -> list[Account]:
    """One account per role and team instance; passwords written once to ``path`` (0600).

    ``teams`` maps team instance (red, blue-1...) to its role. Existing accounts
    are kept (their passwords are in the file from the first run).
    """
    accounts = [Account("trainer", secrets.token_urlsafe(12), "white", None)]
    accounts.append(Account("auditor", secrets.token_urlsafe(12), "auditor", None))
    for team, role in sorted(teams.items()):
        if role in (UserRole.RED, UserRole.BLUE):
            accounts.append(Account(team, secrets.token_urlsafe(12), role, team))
    created = [a for a in accounts if find_user(engine, a.username) is None]
    for account in created:
        create_user(engine, account.username, account.password, account.role, team=account.team)
    if created:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            for account in created:
                handle.write(f"{account.username}\t{account.role}\t{account.password}\n")
    return created


def register_participants(engine: Engine, exercise: str, teams: dict[str, str],
                          actor: str) -> None:
    """Each demo account is also the exercise's participant in its team and role, so
    the demo's training records and xAPI statements have someone to be about."""
    people = [("trainer", "white", "white"), ("auditor", "auditors", "auditor")]
    people += [(team, team, role) for team, role in sorted(teams.items())
               if role in (UserRole.RED, UserRole.BLUE)]
    for username, team, role in people:
        participants.add_participant(engine, username, f"Demo {role} ({team})", actor=actor)
        participants.assign(engine, exercise, username, team, str(role), actor=actor)


def team_token(engine: Engine, username: str) -> str:
    user = find_user(engine, username)
    if user is None:
        raise CyberrangeError(f"no user {username!r} for the API token")
    return issue_token(engine, user, label="scripted team")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class WebServer:
    """`cyberrange serve` in a child process, for the drill's API traffic and --keep."""

    settings: Settings
    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, log: Path, timeout: float = 60) -> None:
        argv = [
            str(Path(sys.executable).parent / "cyberrange"),
            "--data-dir", str(self.settings.data_dir),
            "serve", "--host", self.host, "--port", str(self.port),
            "--workers", "2", "--insecure-cookies",
        ]  # fmt: skip
        env = dict(os.environ)
        if self.settings.database_url:
            env["CYBERRANGE_DATABASE_URL"] = self.settings.database_url
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                argv, stdout=output, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CyberrangeError(f"the web UI exited at start; see {log}")
            try:
                with urllib.request.urlopen(f"{self.url}/login", timeout=2):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.3)
        raise CyberrangeError(f"the web UI did not answer on {self.url} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


@dataclass
class ApiSubmitter:
    """Submits captured flags through the JSON API with a team token."""

    base_url: str
    exercise: str
    token: str
    answers: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, team: str, flags: list[str]) -> list[dict[str, Any]]:
        body = json.dumps({"flags": flags}).encode()
        request = urllib.request.Request(  # noqa: S310 - our own loopback server
            f"{self.base_url}/api/v1/exercises/{self.exercise}/flags",
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                payload = json.load(response)
        except urllib.error.HTTPError as exc:
            raise CyberrangeError(f"flag submission refused: {exc.read()[:300]!r}") from exc
        except OSError as exc:
            raise CyberrangeError(f"flag submission failed: {exc}") from exc
        results: list[dict[str, Any]] = list(payload.get("results", []))
        self.answers.extend(results)
        return results
