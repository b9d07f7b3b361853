"""Who plays in which exercise, for the web UI and the API.

Membership is the records' roster: a :class:`records.tables.ParticipantTeam`
row (participant x exercise -> team and role; unique per pair, which is what
guarantees one team per person and exercise), linked to a web account by
username. The training records read the same rows.

A red or blue account sees and acts only in the exercises where its roster
role is its account role; staff (white, admin) and auditors see every
exercise. :func:`join` checks that the team plays in the exercise and that its
role in the scenario is the account's role (a blue account never joins red).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from range.errors import NotFoundError
from records.participants import add_participant, assign
from records.tables import Participant, ParticipantTeam
from scoring.ledger import load_exercise, load_teams
from scoring.tables import Exercise
from webui.accounts import AccountError, User, find_user


@dataclass(frozen=True)
class Member:
    """A membership as pages and the API show it."""

    username: str
    exercise: str
    team: str
    role: str


def sees_all(user: User) -> bool:
    """Staff and auditors see every exercise; red and blue accounts only their own."""
    return not user.role.has_team


def _team_query(user: User):  # type: ignore[no-untyped-def]
    return (
        select(ParticipantTeam.team_name)
        .join(Participant, col(Participant.id) == ParticipantTeam.participant_id)
        .where(Participant.username == user.username, ParticipantTeam.role == str(user.role))
    )


def team_in(engine: Engine, user: User, exercise: Exercise) -> str | None:
    """The team the user plays in this exercise, or None when not a member."""
    with Session(engine) as session:
        found: str | None = session.exec(
            _team_query(user).where(ParticipantTeam.exercise_id == exercise.id)
        ).first()
    return found


def member_team(engine: Engine, user: User, exercise_name: str) -> str | None:
    """The user's team in the exercise (None for staff and auditors). A red or
    blue account that is no member is told the exercise does not exist, the same
    answer as for a name that exists nowhere: no probing for other drills."""
    if sees_all(user):
        return None
    with Session(engine) as session:
        team: str | None = session.exec(
            _team_query(user)
            .join(Exercise, col(Exercise.id) == ParticipantTeam.exercise_id)
            .where(Exercise.name == exercise_name)
        ).first()
    if team is None:
        raise NotFoundError(f"no exercise named {exercise_name!r}")
    return team


def visible_exercise_ids(engine: Engine, user: User) -> set[int] | None:
    """Ids of the exercises the user may see; None means all of them."""
    if sees_all(user):
        return None
    with Session(engine) as session:
        rows = session.exec(
            select(ParticipantTeam.exercise_id)
            .join(Participant, col(Participant.id) == ParticipantTeam.participant_id)
            .where(Participant.username == user.username, ParticipantTeam.role == str(user.role))
        )
        return set(rows)


def join(
    engine: Engine,
    username: str,
    exercise_name: str,
    team: str | None = None,
    actor: str = "system",
) -> Member:
    """Make the account a member of the exercise in ``team`` (default: its
    default team); a second call moves it to the new team. Audited by the roster."""
    user = find_user(engine, username)
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    found = load_exercise(engine, exercise_name)
    assert found.id is not None
    if not user.role.has_team:
        raise AccountError(f"a {user.role} user sees every exercise and joins none")
    team = team or user.team
    if not team:
        raise AccountError(f"name the team {username!r} plays in {exercise_name!r}")
    roles = {t.name: t.role for t in load_teams(engine, found.id)}
    if team not in roles:
        known = ", ".join(sorted(roles))
        raise AccountError(f"no team {team!r} in {exercise_name!r} (teams: {known})")
    if roles[team] != str(user.role):
        raise AccountError(f"team {team!r} plays {roles[team]}; {username!r} is a {user.role} user")
    add_participant(engine, user.username, user.display_name, user.email, actor=actor)
    assign(engine, found.name, user.username, team, str(user.role), actor=actor)
    return Member(user.username, found.name, team, str(user.role))


def leave(engine: Engine, username: str, exercise_name: str) -> bool:
    """End the account's membership; False when there was none."""
    found = load_exercise(engine, exercise_name)
    with Session(engine) as session:
        row = session.exec(
            select(ParticipantTeam)
            .join(Participant, col(Participant.id) == ParticipantTeam.participant_id)
            .where(Participant.username == username, ParticipantTeam.exercise_id == found.id)
        ).first()
        if row is None:
            return False
        session.delete(row)
        session.commit()
    return True


def members(engine: Engine, exercise_name: str | None = None) -> list[Member]:
    """Every red and blue membership (of one exercise, or of all)."""
    with Session(engine) as session:
        statement = (
            select(
                Participant.username, Exercise.name, ParticipantTeam.team_name, ParticipantTeam.role
            )
            .join(Participant, col(Participant.id) == ParticipantTeam.participant_id)
            .join(Exercise, col(Exercise.id) == ParticipantTeam.exercise_id)
            .where(col(ParticipantTeam.role).in_(("red", "blue")))
        )
        if exercise_name is not None:
            statement = statement.where(Exercise.name == exercise_name)
        rows = session.exec(
            statement.order_by(Exercise.name, ParticipantTeam.team_name, Participant.username)
        )
        return [Member(u, e, t, r) for u, e, t, r in rows]
