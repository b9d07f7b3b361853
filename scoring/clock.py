"""The exercise clock: an APScheduler job that drives ticks, injects and the end.

The clock keeps no time of its own: every poll (once a second) it re-reads the
exercise from the database and derives the tick number from its start, pauses
and duration (scoring.exercise). So ``cyberrange exercise pause`` from another
shell takes effect within a second, and a restarted process resumes at the
right tick. A tick is claimed by inserting a STATE fact with dedup_key
``tick:<n>`` before it runs; the database's unique constraint makes sure no
tick runs twice, even with two clocks on the same exercise. Injects are claimed
the same way (``inject:<index>``).

Side effects outside scoring (audit log, red-team steps, display) are callbacks
the composition root passes in, so scoring stays below records and the web UI.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from range.errors import GameError
from range.scenario.models import Inject, Scenario
from scoring.checkers.runner import ServiceResult
from scoring.exercise import current_tick, game_seconds, is_over, load_exercise, transition
from scoring.tables import Exercise, ExerciseState, Fact, FactKind, utcnow

ACTOR = "scheduler"

Audit = Callable[[str, str, dict[str, Any]], None]  # (actor, action, details)
RunStep = Callable[[Inject], None]


class TickChecks(Protocol):
    def run_tick(self, exercise_id: int, secret: bytes, tick: int) -> Sequence[ServiceResult]: ...


@dataclass(frozen=True)
class TickReport:
    tick: int
    results: tuple[ServiceResult, ...]
    duration: float


@dataclass
class ClockCallbacks:
    on_tick: Callable[[TickReport], None] | None = None
    run_step: RunStep | None = None
    audit: Audit | None = None
    on_error: Callable[[BaseException], None] | None = None


@dataclass
class Clock:
    """Drives one exercise. ``poll()`` is one step; ``start()`` polls in the background."""

    engine: Engine
    exercise_id: int
    checks: TickChecks | None = None
    callbacks: ClockCallbacks = field(default_factory=ClockCallbacks)
    poll_seconds: float = 1.0
    now: Callable[[], datetime] = utcnow
    finished: threading.Event = field(default_factory=threading.Event)
    ticks_run: list[int] = field(default_factory=list)
    _scheduler: Any = None
    _steps: ThreadPoolExecutor | None = None

    # -- running in the background -------------------------------------------------

    def start(self) -> None:
        """Start polling in a background thread (APScheduler BackgroundScheduler)."""
        self._steps = ThreadPoolExecutor(max_workers=2, thread_name_prefix="inject-step")
        self._scheduler = BackgroundScheduler(timezone="UTC")
        self._scheduler.add_job(
            self._safe_poll,
            "interval",
            seconds=self.poll_seconds,
            max_instances=1,  # a long tick delays polls instead of overlapping them
            coalesce=True,
            next_run_time=self.now(),
            misfire_grace_time=None,
        )
        self._scheduler.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the exercise has finished (True) or the timeout passed (False)."""
        return self.finished.wait(timeout)

    def stop(self) -> None:
        """Stop polling; waits for a running tick. The exercise's state is left as is."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        if self._steps is not None:
            self._steps.shutdown(wait=True)
            self._steps = None

    def _safe_poll(self) -> None:
        try:
            self.poll()
        except Exception as exc:  # keep the clock alive; report through the callback
            if self.callbacks.on_error is not None:
                self.callbacks.on_error(exc)
            self._audit("clock.error", {"error": f"{type(exc).__name__}: {exc}"})

    # -- one step ------------------------------------------------------------------

    def poll(self) -> None:
        """Look at the exercise now: fire due injects, run a new tick, or finish it."""
        exercise = load_exercise(self.engine, self.exercise_id)
        if exercise.state is ExerciseState.FINISHED:
            self.finished.set()
            return
        if exercise.state is not ExerciseState.RUNNING:
            return  # created or paused: nothing moves
        now = self.now()
        self._fire_injects(exercise, now)
        if is_over(exercise, now):
            self._finish(exercise)
            return
        self._run_tick(exercise, current_tick(exercise, now))

    def _run_tick(self, exercise: Exercise, tick: int) -> None:
        assert exercise.id is not None
        if not self._claim(exercise.id, tick, f"tick:{tick}", FactKind.STATE, "tick"):
            return
        started = time.monotonic()
        results: Sequence[ServiceResult] = ()
        if self.checks is not None:
            results = self.checks.run_tick(exercise.id, exercise.secret, tick)
        with Session(self.engine) as session:
            session.execute(
                update(Exercise)
                .where(Exercise.id == exercise.id, Exercise.current_tick < tick)  # type: ignore[arg-type]
                .values(current_tick=tick)
            )
            session.commit()
        report = TickReport(tick, tuple(results), round(time.monotonic() - started, 3))
        self._claim(
            exercise.id,
            tick,
            f"tick-done:{tick}",
            FactKind.STATE,
            "tick-done",
            data={"duration": report.duration, "checks": len(report.results)},
        )
        self.ticks_run.append(tick)
        if self.callbacks.on_tick is not None:
            self.callbacks.on_tick(report)

    def _fire_injects(self, exercise: Exercise, now: datetime) -> None:
        assert exercise.id is not None
        scenario = Scenario.model_validate(exercise.scenario)
        played = game_seconds(exercise, now)
        tick = current_tick(exercise, now)
        for index, inject in enumerate(scenario.injects):
            if inject.at > played:
                continue
            data = {"index": index, "to": inject.to, "at": inject.at, "points": inject.points}
            if inject.run is not None:
                data["run"] = inject.run.model_dump(mode="json")
            if not self._claim(
                exercise.id,
                tick,
                f"inject:{index}",
                FactKind.INJECT,
                "fired",
                message=inject.message or "",
                target=inject.to,
                data=data,
            ):
                continue
            self._audit("inject.fire", data)
            if inject.run is not None and self.callbacks.run_step is not None:
                self._run_step(inject)

    def _run_step(self, inject: Inject) -> None:
        step = self.callbacks.run_step
        assert step is not None
        if self._steps is None:  # polled by hand (tests, one-shot use): run inline
            step(inject)
            return
        future = self._steps.submit(step, inject)
        future.add_done_callback(self._step_done)

    def _step_done(self, future: Future[None]) -> None:
        error = future.exception()
        if error is not None:
            self._audit("inject.failed", {"error": f"{type(error).__name__}: {error}"})

    def _finish(self, exercise: Exercise) -> None:
        try:
            transition(self.engine, exercise.name, "stop", ACTOR, self.now())
        except GameError:
            pass  # someone else (a stop command, another clock) finished it first
        else:
            self._audit("exercise.finish", {"exercise": exercise.name, "reason": "time is up"})
        self.finished.set()

    # -- helpers -------------------------------------------------------------------

    def _claim(
        self,
        exercise_id: int,
        tick: int,
        key: str,
        kind: FactKind,
        outcome: str,
        message: str = "",
        target: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> bool:
        """Insert a fact with a unique dedup_key; False if it already exists."""
        fact = Fact(
            exercise_id=exercise_id,
            tick=tick,
            kind=kind,
            outcome=outcome,
            target=target,
            actor=ACTOR,
            message=message,
            data=data or {},
            dedup_key=key,
        )
        try:
            with Session(self.engine) as session:
                session.add(fact)
                session.commit()
        except IntegrityError:
            return False
        return True

    def _audit(self, action: str, details: dict[str, Any]) -> None:
        if self.callbacks.audit is not None:
            self.callbacks.audit(ACTOR, action, details)
