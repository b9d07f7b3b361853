"""The challenge board in the formats other tools read.

* CTFtime's JSON scoreboard feed (https://ctftime.org/json-scoreboard-feed):
  ``{"tasks": [...], "standings": [{"pos", "team", "score", "taskStats":
  {task: {"points", "time"}}, "lastAccept"}]}``, times in Unix seconds.
* CTFd's scoreboard CSV in teams mode (``CTFd/utils/csv``'s scoreboard dump):
  header ``place, team, team id, score, member name, member id, member email,
  member score``; one row per team, then one row per member with only the
  member columns filled. Members are the accounts that scored for the team;
  a member's score is what their own solves and hint unlocks are worth. We
  keep no e-mail addresses and no numeric account ids: those cells are empty.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any

from scoring.challenges.board import ChallengeBoard

CTFD_HEADER = ("place", "team", "team id", "score", "member name", "member id",
               "member email", "member score")


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 3)


def ctftime_feed(board: ChallengeBoard) -> dict[str, Any]:
    by_fact = {f.id: f for f in board.facts}
    stats: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for line in board.lines:
        fact = by_fact.get(line.fact_id or -1)
        if fact is None or line.category == "hints":
            continue
        task = stats[line.team].setdefault(fact.challenge, {"points": 0.0,
                                                            "time": int(fact.at.timestamp())})
        task["points"] += line.points
    standings = []
    for standing in board.standings:
        entry: dict[str, Any] = {"pos": standing.rank, "team": standing.team,
                                 "score": _number(standing.score)}
        tasks = stats.get(standing.team, {})
        if tasks:
            entry["taskStats"] = {name: {"points": _number(t["points"]), "time": t["time"]}
                                  for name, t in tasks.items()}
        if standing.last is not None:
            entry["lastAccept"] = int(standing.last.timestamp())
        standings.append(entry)
    return {"tasks": [c.name for c in board.challenges], "standings": standings}


def ctfd_scoreboard_csv(board: ChallengeBoard, team_ids: dict[str, int]) -> str:
    actor_of = {f.id: f.actor for f in board.facts}
    members: dict[str, dict[str, float]] = defaultdict(dict)
    for line in board.lines:
        actor = actor_of.get(line.fact_id or -1, "")
        if actor:
            members[line.team][actor] = members[line.team].get(actor, 0.0) + line.points
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CTFD_HEADER)
    for standing in board.standings:
        writer.writerow([standing.rank, standing.team, team_ids.get(standing.team, ""),
                         _number(standing.score), "", "", "", ""])
        for member, points in sorted(members[standing.team].items()):
            writer.writerow(["", "", "", "", member, "", "", _number(points)])
    return out.getvalue()
