"""Per-team token buckets, kept in the memory of the submitting process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

DEFAULT_RATE = 100.0  # flags per second, sustained
DEFAULT_BURST = 500.0


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class RateLimiter:
    """``allow(team, n)`` says how many of n flags ``team`` may submit now."""

    rate: float = DEFAULT_RATE
    burst: float = DEFAULT_BURST
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)  # web workers share one

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("rate must be positive and burst at least 1")

    def allow(self, team: str, wanted: int) -> int:
        with self._lock:
            now = self.clock()
            bucket = self._buckets.get(team)
            if bucket is None:
                bucket = self._buckets[team] = _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            granted = min(wanted, int(bucket.tokens))
            bucket.tokens -= granted
            return granted
