"""Flag submissions: verify in memory, record every answer, accept each capture once.

A :class:`Submitter` is built once per exercise (it caches the flag codec, the
teams and the flag catalog) and answers batches of flags:

1. one query reads the exercise's state and current tick;
2. every flag is verified in memory (the codec is the authority: no DB read);
3. one query finds which of the batch's captures are already recorded;
4. one transaction inserts every answer (``SUBMISSION``) and every new capture
   (``CAPTURE``, dedup_key ``capture:<team>:<flag>``) with executemany.

When a concurrent writer recorded the same capture between steps 3 and 4, the
unique constraint on ``(exercise_id, dedup_key)`` fails the transaction; the
batch is then replayed one capture at a time, and the loser answers duplicate.
That constraint, not this code, is what makes exactly one capture win.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from range.db import write_transaction
from range.scenario.models import Role, Scenario
from scoring.exercise import current_tick
from scoring.flags import FlagClaims, FlagCodec, FlagFormatError, FlagKind
from scoring.formulas import formula_class
from scoring.formulas.base import Catalog, flag_catalog
from scoring.ledger import (
    FACT_TABLE,
    EncodedJSON,
    TeamInfo,
    fact_row,
    insert_rows,
    json_text,
    load_exercise,
    load_teams,
)
from scoring.ratelimit import Limiter, SharedRateLimiter
from scoring.tables import Exercise, ExerciseState, FactKind, utcnow

MAX_FLAG_CHARS = 128  # longer input is recorded truncated: floods must not bloat the ledger
_LOOKUP_CHUNK = 500
_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}  # positional placeholders


class Answer(StrEnum):
    ACCEPTED = "accepted"
    INVALID = "invalid"
    EXPIRED = "expired"
    OWN = "own"
    DUPLICATE = "duplicate"
    NOT_ALLOWED = "not-allowed"
    RATE_LIMITED = "rate-limited"


@dataclass(frozen=True, slots=True)
class SubmissionResult:
    flag: str
    answer: Answer
    message: str


@dataclass(frozen=True, slots=True)
class SubmitRequest:
    """One team's batch of flags, as one caller sent it."""

    team: str
    flags: Sequence[str]
    actor: str | None = None


# Runs inside a group commit's transaction with each request and its answers.
AlsoWrite = Callable[[Connection, list[tuple[SubmitRequest, list[SubmissionResult]]]], None]


@dataclass(slots=True, eq=False)  # compared by identity: two teams' verdicts may look alike
class _Verdict:
    flag: str
    answer: Answer
    message: str
    claims: FlagClaims | None = None
    owner: str | None = None
    host: str | None = None
    service: str | None = None


class Submitter:
    """Answers flag submissions for one exercise; safe to share between threads."""

    def __init__(
        self,
        engine: Engine,
        exercise: Exercise | str,
        limiter: Limiter | None = None,
    ) -> None:
        self.engine = engine
        self.exercise = load_exercise(engine, exercise) if isinstance(exercise, str) else exercise
        if self.exercise.id is None:
            raise ValueError("exercise has not been saved")
        self.exercise_id: int = self.exercise.id
        self.codec = FlagCodec(self.exercise.secret, self.exercise_id)
        self.catalog: Catalog = flag_catalog(Scenario.model_validate(self.exercise.scenario))
        # ticks a service flag stays valid after its own: flag_lifetime, plus one under
        # forcad (ForcAD's last valid round is p + lifetime; FAUST's, p + lifetime - 1)
        formula = formula_class(self.exercise.formula)
        self.lifetime = self.exercise.flag_lifetime + formula.extra_valid_ticks
        # default: the team's bucket in the database, shared by every submitting process
        self.limiter = limiter if limiter is not None else SharedRateLimiter(engine)
        self._templates: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.refresh_teams()

    def refresh_teams(self) -> None:
        """Reload the teams (call after teams were added to a running exercise)."""
        teams = load_teams(self.engine, self.exercise_id)
        self.teams: dict[str, TeamInfo] = {t.name: t for t in teams}
        self.owners: dict[int, str] = {t.copy: t.name for t in teams if t.copy}

    # -- the batch -------------------------------------------------------------
    def submit(
        self, team: str, flags: Sequence[str], actor: str | None = None
    ) -> list[SubmissionResult]:
        """Answer each flag (same order); every answer is committed before returning."""
        return self.submit_many([SubmitRequest(team, tuple(flags), actor)])[0]

    def submit_many(
        self, requests: Sequence[SubmitRequest], also_write: AlsoWrite | None = None
    ) -> list[list[SubmissionResult]]:
        """Answer several teams' batches in one write transaction (a group commit).

        `also_write(conn, answers)` runs in that transaction with every
        request's answers, so what it writes (the audit entries) commits with them.
        """
        with self.engine.connect() as conn:
            state, tick = self._state(conn)
        grants = self._grants(requests, state)
        batches = [
            self._verify(r.team, r.flags, state, tick, granted)
            for r, granted in zip(requests, grants, strict=True)
        ]
        accepted: dict[str, tuple[SubmitRequest, _Verdict]] = {}
        for request, verdicts in zip(requests, batches, strict=True):
            for verdict in verdicts:
                if verdict.answer is not Answer.ACCEPTED:
                    continue
                key = f"capture:{request.team}:{verdict.flag}"
                if key in accepted:  # the same team sent it twice at once
                    verdict.answer, verdict.message = Answer.DUPLICATE, "already captured"
                else:
                    accepted[key] = (request, verdict)
        for key in self._existing(list(accepted)):
            verdict = accepted.pop(key)[1]
            verdict.answer, verdict.message = Answer.DUPLICATE, "already captured"
        now = utcnow()
        captures = [
            self._capture_row(r.team, tick, v, key, r.actor, now)
            for key, (r, v) in accepted.items()
        ]
        flat = [(r, v) for r, verdicts in zip(requests, batches, strict=True) for v in verdicts]
        answers = [self._answer_row(r.team, tick, v, r.actor, now) for r, v in flat]
        answered = _answered(requests, batches)
        try:
            with write_transaction(self.engine) as conn:
                self._insert(conn, captures)
                self._insert(conn, answers)
                if also_write is not None:
                    also_write(conn, answered)
        except IntegrityError:  # another process recorded one of these captures first
            verdicts = [v for _, v in flat]
            self._replay(verdicts, {k: v for k, (_, v) in accepted.items()}, captures, answers)
            answered = _answered(requests, batches)  # some answers became duplicates
            if also_write is not None:
                with write_transaction(self.engine) as conn:
                    also_write(conn, answered)
        return [results for _, results in answered]

    def _state(self, conn: Connection) -> tuple[ExerciseState, int]:
        """The exercise's state and the tick of game time now.

        Expiry follows the game time computed from the start, the pauses and
        the tick length, not the row's ``current_tick`` counter: the clock
        updates that only after a tick's checks, and not at all while it is down.
        The counter is a floor (an exercise without a start time has no game time).
        """
        c = Exercise.__table__.c  # type: ignore[attr-defined]
        row = conn.execute(
            select(c.state, c.current_tick, c.started_at, c.paused_at, c.paused_seconds,
                   c.finished_at).where(c.id == self.exercise_id)
        ).one()  # fmt: skip
        state = ExerciseState(row.state)
        timing = _Timing(state, row.started_at, row.paused_at, float(row.paused_seconds),
                         row.finished_at, self.exercise.duration_seconds,
                         self.exercise.tick_seconds)  # fmt: skip
        return state, max(int(row.current_tick), current_tick(timing))

    def _grants(self, requests: Sequence[SubmitRequest], state: ExerciseState) -> list[int]:
        """How many flags of each request the team's bucket allows: one take for
        every team of the group, shared out in request order."""
        wanted: dict[str, int] = {}
        for r in requests:
            if self._team_refusal(self.teams.get(r.team), state) is None:
                wanted[r.team] = wanted.get(r.team, 0) + len(r.flags)
        left = self.limiter.take(self.exercise_id, wanted) if wanted else {}
        grants = []
        for r in requests:
            granted = min(len(r.flags), left.get(r.team, 0))
            if r.team in left:
                left[r.team] -= granted
            grants.append(granted)
        return grants

    def _verify(
        self, team: str, flags: Sequence[str], state: ExerciseState, tick: int, granted: int
    ) -> list[_Verdict]:
        texts = [str(f).strip()[:MAX_FLAG_CHARS] for f in flags]
        info = self.teams.get(team)
        refusal = self._team_refusal(info, state)
        if refusal is not None:
            return [_Verdict(text, Answer.NOT_ALLOWED, refusal) for text in texts]
        assert info is not None  # checked by _team_refusal
        seen: set[str] = set()
        verdicts = []
        for index, text in enumerate(texts):
            if index >= granted:
                verdicts.append(_Verdict(text, Answer.RATE_LIMITED, "too many flags, slow down"))
                continue
            verdict = self._judge(info, text, tick)
            if verdict.answer is Answer.ACCEPTED:
                if text in seen:
                    verdict.answer, verdict.message = Answer.DUPLICATE, "repeated in this batch"
                seen.add(text)
            verdicts.append(verdict)
        return verdicts

    def _team_refusal(self, info: TeamInfo | None, state: ExerciseState) -> str | None:
        if info is None:
            return "unknown team"
        if not Role(info.role).attacks:
            return f"a {info.role} team does not capture flags"
        if state is not ExerciseState.RUNNING:
            return f"the exercise is {state.value}, not running"
        return None

    def _judge(self, team: TeamInfo, text: str, tick: int) -> _Verdict:
        try:
            claims = self.codec.decode(text)
        except FlagFormatError as exc:
            return _Verdict(text, Answer.INVALID, str(exc))
        owner = self.owners.get(claims.copy)
        if claims.kind is FlagKind.SERVICE:
            slots: Sequence[Any] = self.catalog.services
        else:
            slots = self.catalog.objectives
        if owner is None or claims.slot >= len(slots):
            return _Verdict(text, Answer.INVALID, "flag of no known copy or slot")
        slot = slots[claims.slot]
        service = getattr(slot, "name", None) or getattr(slot, "path", None)
        verdict = _Verdict(text, Answer.ACCEPTED, "accepted", claims, owner, slot.host, service)
        if owner == team.name:
            verdict.answer, verdict.message = Answer.OWN, "this is your own flag"
        elif claims.kind is FlagKind.SERVICE and claims.tick + self.lifetime <= tick:
            verdict.answer, verdict.message = Answer.EXPIRED, f"flag of tick {claims.tick} expired"
        return verdict

    # -- the database ----------------------------------------------------------
    def _existing(self, keys: list[str]) -> set[str]:
        found: set[str] = set()
        with self.engine.connect() as conn:
            mark = _MARKS.get(conn.dialect.paramstyle)
            for start in range(0, len(keys), _LOOKUP_CHUNK):
                chunk = keys[start : start + _LOOKUP_CHUNK]
                if mark is None:  # an unusual driver: let Core expand the IN list
                    column = FACT_TABLE.c.dedup_key
                    query = select(column).where(
                        FACT_TABLE.c.exercise_id == self.exercise_id, column.in_(chunk)
                    )
                    found.update(conn.execute(query).scalars())
                    continue
                # Plain driver SQL: Core's expanding IN costs more than the lookup itself.
                # Only constant placeholders are formatted in; values travel as parameters.
                marks = ", ".join([mark] * len(chunk))
                sql = (
                    f"SELECT dedup_key FROM {FACT_TABLE.name} "  # noqa: S608
                    f"WHERE exercise_id = {mark} AND dedup_key IN ({marks})"
                )
                found.update(k for (k,) in conn.exec_driver_sql(sql, (self.exercise_id, *chunk)))
        return found

    @staticmethod
    def _insert(conn: Connection, rows: list[dict[str, Any]]) -> None:
        insert_rows(conn, rows)

    def _replay(
        self,
        verdicts: list[_Verdict],
        accepted: dict[str, _Verdict],
        captures: list[dict[str, Any]],
        answers: list[dict[str, Any]],
    ) -> None:
        # One short transaction per capture: the unique constraint decides each one.
        # (Per-row transactions rather than SAVEPOINTs: pysqlite's SAVEPOINT handling
        # outside an explicit BEGIN is unreliable, and this path only runs on races.)
        # Answers are found by the verdict's identity: equal verdicts of two teams
        # racing for one flag must each land on their own team's SUBMISSION row.
        position = {id(verdict): index for index, verdict in enumerate(verdicts)}
        for row in captures:
            try:
                with self.engine.begin() as conn:
                    self._insert(conn, [row])
            except IntegrityError:
                verdict = accepted[row["dedup_key"]]
                verdict.answer, verdict.message = Answer.DUPLICATE, "already captured"
                index = position[id(verdict)]
                answers[index] = {
                    **answers[index],
                    "outcome": verdict.answer.value,
                    "message": verdict.message,
                }
        with self.engine.begin() as conn:
            self._insert(conn, answers)

    def _answer_row(
        self, team: str, tick: int, v: _Verdict, actor: str | None, now: datetime
    ) -> dict[str, Any]:
        row = self._base_row(tick, FactKind.SUBMISSION, team, actor, now)
        row.update(
            target=v.owner,
            host=v.host,
            service=v.service,
            outcome=v.answer.value,
            message=v.message,
            data=EncodedJSON(f'{{"flag": {json_text(v.flag)}}}'),
        )
        return row

    def _capture_row(
        self, team: str, tick: int, v: _Verdict, key: str, actor: str | None, now: datetime
    ) -> dict[str, Any]:
        claims = v.claims
        assert claims is not None  # accepted verdicts carry claims
        kind = "service" if claims.kind is FlagKind.SERVICE else "objective"
        data = (
            f'{{"flag": {json_text(v.flag)}, "kind": "{kind}", "flag_tick": {claims.tick}, '
            f'"copy": {claims.copy}, "slot": {claims.slot}}}'
        )
        row = self._base_row(tick, FactKind.CAPTURE, team, actor, now)
        row.update(
            target=v.owner,
            host=v.host,
            service=v.service,
            outcome="accepted",
            data=EncodedJSON(data),
            dedup_key=key,
        )
        return row

    def _base_row(
        self, tick: int, kind: FactKind, team: str, actor: str | None, now: datetime
    ) -> dict[str, Any]:
        # One template per batch and kind, copied per row: fact_row validates once.
        cache_key = (tick, kind, team, actor, now)
        template = self._templates.get(cache_key)
        if template is None:
            if len(self._templates) > 256:  # keep only recent batches' templates
                self._templates = {}
            template = fact_row(
                self.exercise_id, tick, kind, team=team, actor=actor or team, created_at=now
            )
            self._templates[cache_key] = template
        return dict(template)


@dataclass(slots=True)
class _Timing:
    """The columns scoring.exercise's tick arithmetic reads (scoring.exercise.Timing)."""

    state: ExerciseState
    started_at: datetime | None
    paused_at: datetime | None
    paused_seconds: float
    finished_at: datetime | None
    duration_seconds: int
    tick_seconds: int


def _answered(
    requests: Sequence[SubmitRequest], batches: list[list[_Verdict]]
) -> list[tuple[SubmitRequest, list[SubmissionResult]]]:
    return [
        (request, [SubmissionResult(v.flag, v.answer, v.message) for v in verdicts])
        for request, verdicts in zip(requests, batches, strict=True)
    ]
