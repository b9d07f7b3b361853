"""Participants (people) and their team and role in each exercise."""

from __future__ import annotations

import re

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from range.errors import NotFoundError, RecordError
from records import audit
from records.common import exercise_id, get_exercise
from records.tables import Participant, ParticipantTeam
from scoring.tables import TeamEntry

ROLES = frozenset({"red", "blue", "purple", "white", "isac", "auditor"})
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


def add_participant(engine: Engine, username: str, display_name: str = "", email: str = "",
                    actor: str = "system") -> Participant:
    """Create the participant, or update its name and email if it exists."""
    if not _USERNAME.match(username):
        raise RecordError(f"invalid username {username!r} (letters, digits, _ . @ -)")
    with Session(engine) as session:
        person = session.exec(select(Participant).where(Participant.username == username)).first()
        person = person or Participant(username=username)
        person.display_name = display_name or person.display_name or username
        person.email = email or person.email
        session.add(person)
        session.commit()
        session.refresh(person)
    audit.append(engine, None, actor, "participant.save", {"username": username})
    return person


def assign(engine: Engine, exercise_name: str, username: str, team_name: str, role: str,
           actor: str = "system") -> ParticipantTeam:
    """Put a participant in a team of an exercise (auditors and white need no team entry)."""
    if role not in ROLES:
        raise RecordError(f"role must be one of {', '.join(sorted(ROLES))}, got {role!r}")
    with Session(engine) as session:
        ex_id = exercise_id(get_exercise(session, exercise_name))
        person = session.exec(select(Participant).where(Participant.username == username)).first()
        if person is None or person.id is None:
            raise NotFoundError(f"no participant {username!r}")
        if role in ("red", "blue", "purple") and session.exec(select(TeamEntry).where(
                TeamEntry.exercise_id == ex_id, TeamEntry.name == team_name)).first() is None:
            raise NotFoundError(f"exercise {exercise_name!r} has no team {team_name!r}")
        link = session.exec(select(ParticipantTeam).where(
            ParticipantTeam.exercise_id == ex_id,
            ParticipantTeam.participant_id == person.id)).first()
        link = link or ParticipantTeam(exercise_id=ex_id, participant_id=person.id,
                                       team_name=team_name, role=role)
        link.team_name, link.role = team_name, role
        session.add(link)
        session.commit()
        session.refresh(link)
    audit.append(engine, exercise_name, actor, "participant.assign",
                 {"username": username, "team": team_name, "role": role})
    return link


def roster(engine: Engine, exercise_name: str) -> list[tuple[Participant, ParticipantTeam]]:
    with Session(engine) as session:
        ex_id = exercise_id(get_exercise(session, exercise_name))
        rows = session.exec(select(Participant, ParticipantTeam).where(
            ParticipantTeam.participant_id == Participant.id,
            ParticipantTeam.exercise_id == ex_id).order_by(Participant.username))
        return list(rows)
