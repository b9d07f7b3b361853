"""Test setup: accounts join an exercise in their default teams."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from webui.accounts import AccountError, User
from webui.membership import join


def enrol_default_teams(engine: Engine, name: str) -> None:
    """Every red/blue account whose default team plays in the exercise joins it
    there (as an admin would with `users import` or the admin page)."""
    with Session(engine) as session:
        users = list(session.exec(select(User)))
    for user in users:
        if user.role.has_team and user.team:
            try:
                join(engine, user.username, name)
            except AccountError:
                continue  # its default team does not play in this exercise
