"""Per-app caches of the challenge routes (kept on ``app.extensions``, no globals):
the competition catalog (scoring.challenges.catalog) and the computed board.

The board is recomputed from the ledger at most once per ``BOARD_SECONDS`` per
exercise and view (staff see it live, teams as of the freeze), by one thread
while the others serve the previous board, so hundreds of readers a second
cost one computation a second; what a team sees is at most that old (plus one
computation). Answers never read this cache: they are judged in their own
transaction.
"""

from __future__ import annotations

import threading
import time

from flask import current_app

from scoring.challenges.board import ChallengeBoard, challenge_board
from scoring.challenges.catalog import Catalog, CatalogCache
from scoring.scoreboard import FULL_VIEW_ROLES
from webui.app import web_context

CATALOGS_KEY = "cyberrange.challenge-catalogs"
BOARDS_KEY = "cyberrange.challenge-boards"
BOARD_SECONDS = 1.0


class BoardCache:
    def __init__(self, seconds: float = BOARD_SECONDS) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._kept: dict[tuple[str, bool], tuple[float, ChallengeBoard]] = {}
        self._computing: set[tuple[str, bool]] = set()

    def get(self, exercise_name: str, role: str) -> ChallengeBoard:
        """The kept board while fresh; when stale, one thread recomputes it and the
        others are answered with the stale one meanwhile (no pile-up of recomputes)."""
        full = role in FULL_VIEW_ROLES
        key, now = (exercise_name, full), time.monotonic()
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and (now - kept[0] < self.seconds or key in self._computing):
                return kept[1]
            self._computing.add(key)
        try:
            board = challenge_board(web_context().engine, exercise_name,
                                    "white" if full else "red")
        finally:
            with self._lock:
                self._computing.discard(key)
        with self._lock:
            self._kept[key] = (now, board)
        return board


def catalog(exercise_name: str) -> Catalog:
    cache: CatalogCache = current_app.extensions.setdefault(CATALOGS_KEY, CatalogCache())
    return cache.get(web_context().engine, exercise_name)


def board(exercise_name: str, role: str) -> ChallengeBoard:
    cache: BoardCache = current_app.extensions.setdefault(BOARDS_KEY, BoardCache())
    return cache.get(exercise_name, role)
