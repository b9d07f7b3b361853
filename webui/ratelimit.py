"""Fixed-window counters for logins (per address and per username), in memory.

One gunicorn worker process keeps its own counters; that bounds guessing per
worker, which is what matters against password guessing at drill scale.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict


class WindowLimiter:
    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[str, list[float]] = defaultdict(list)
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> bool:
        """Count one attempt; False when the key is over its limit."""
        now = time.monotonic() if now is None else now
        with self._lock:
            recent = [t for t in self._hits[key] if now - t < self.window]
            allowed = len(recent) < self.limit
            if allowed:
                recent.append(now)
            self._hits[key] = recent
            return allowed

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)
