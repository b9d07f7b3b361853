"""Bounded parallel work with per-unit progress and every failure collected."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from range.backends.base import ProgressCallback

T = TypeVar("T")

DEFAULT_WORKERS = 8


@dataclass
class Outcome(Generic[T]):
    done: list[T] = field(default_factory=list)
    failed: list[tuple[T, BaseException]] = field(default_factory=list)

    def raise_first(self) -> None:
        if self.failed:
            raise self.failed[0][1]


def run_parallel(
    work: Callable[[T], str],
    items: Iterable[T],
    progress: ProgressCallback | None = None,
    workers: int = DEFAULT_WORKERS,
) -> Outcome[T]:
    """Run ``work`` on every item; it returns the progress message of that unit.

    Every unit runs even when some fail, so the caller knows exactly what
    exists afterwards and can clean up.
    """
    outcome: Outcome[T] = Outcome()
    units = list(items)
    if not units:
        return outcome
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(units)))) as pool:
        futures = {pool.submit(work, item): item for item in units}
        for future in as_completed(futures):
            item = futures[future]
            try:
                message = future.result()
            except Exception as exc:  # collected and re-raised by the caller
                outcome.failed.append((item, exc))
                continue
            outcome.done.append(item)
            if progress is not None:
                progress(message)
    return outcome
