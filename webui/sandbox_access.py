"""A trainee's way into their sandbox: membership of the pool's exercise.

A pool's range has an exercise whose defending team instances own its
copies (blue-1 owns sandbox 1...). Making the trainee a member of the team
that owns their sandbox gives them exactly what a drill's blue team gets:
the browser terminals and the VPN the scenario's `access:` grants that team
— on their own sandbox only. Giving the sandbox back ends the membership.
A trainee whose account role is not the owning team's role (a red user on a
blue team's copy) gets no membership: staff open `shell` for them.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from range.errors import CyberrangeError
from scoring.ledger import load_teams
from scoring.succession import range_exercise
from webui.accounts import find_user
from webui.membership import join, leave


def enter(engine: Engine, username: str, pool: str, number: int) -> str | None:
    """The pool's exercise the trainee now plays in (None: no way in through the web)."""
    exercise = range_exercise(engine, pool)
    if exercise is None or exercise.id is None or find_user(engine, username) is None:
        return None
    owner = next((t.name for t in load_teams(engine, exercise.id) if t.copy == number), None)
    if owner is None:
        return None
    try:
        join(engine, username, exercise.name, owner, actor="training")
    except CyberrangeError:  # role mismatch: the trainee is not of the owning team's role
        return None
    return exercise.name


def go_out(engine: Engine, username: str, pool: str) -> None:
    exercise = range_exercise(engine, pool)
    if exercise is not None:
        leave(engine, username, exercise.name)
