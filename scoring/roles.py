"""The role sets every layer checks, defined once (the values of webui.accounts.UserRole).

``scoring`` holds them because it is the lowest layer that asks (who sees the
live board during a score freeze); ``webui`` imports them for its pages and API.
"""

from __future__ import annotations

TEAM_ROLES = frozenset({"red", "blue"})  # play in a team of their exercise
STAFF_ROLES = frozenset({"white", "admin"})  # change a game: injects, hints, grades, state
# read every team's records, and the live board during a score freeze
READ_ALL_ROLES = frozenset({"white", "admin", "auditor"})
ALL_ROLES = TEAM_ROLES | READ_ALL_ROLES  # every role with an API account (isac plays on pages)
