"""One tick of checks: put new flags, get the previous ones, check every service.

Checks of one copy run in one batch of the agent inside that copy's checker
container (the phases of a service in order, services concurrently), through
a long-lived agent session when one is given, else one exec per copy; copies
run concurrently on a bounded thread pool. Each service's result becomes one
CHECK fact, each flag stored by a successful put a FLAG_PLACED fact.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from scoring.checkers.protocol import Executor, Job, Phase, PhaseResult, run_batch
from scoring.checkers.sessions import AgentSessions
from scoring.checkers.status import CheckStatus, worst
from scoring.checkers.targets import ServiceTarget
from scoring.flags import FlagCodec
from scoring.tables import Fact, FactKind

VULN = "1"  # one flag store per service
ACTOR = "checker"


@dataclass(frozen=True)
class ServiceResult:
    tick: int
    target: ServiceTarget
    status: CheckStatus
    message: str
    duration: float
    phases: tuple[PhaseResult, ...]


@dataclass(frozen=True)
class _Placed:
    flag: str
    flag_id: str


def combine(
    target: ServiceTarget, tick: int, phases: Sequence[PhaseResult], recovering: bool = False
) -> ServiceResult:
    """OK if every phase was OK, else the worst phase decides (and gives the message).

    ``recovering`` (FAUST's rule): when the new flag was stored and the check
    passed but the previous tick's flag is gone (its ``get`` answered CORRUPT),
    the service works again after losing its data: RECOVERING, which FAUST's SLA
    counts half, instead of CORRUPT (ForcAD's rule, and the default)."""
    status = worst(p.status for p in phases) if phases else CheckStatus.CHECK_FAILED
    deciding = next((p for p in phases if p.status is status), None)
    message = deciding.message if deciding else "no result from the checker"
    if recovering and status is CheckStatus.CORRUPT and _lost_only_old_flags(phases):
        status, message = CheckStatus.RECOVERING, f"older flags lost: {message}"
    duration = round(sum(p.duration for p in phases), 4)
    return ServiceResult(tick, target, status, message, duration, tuple(phases))


def _lost_only_old_flags(phases: Sequence[PhaseResult]) -> bool:
    actions = {p.action for p in phases}
    return {"put", "check"} <= actions and all(
        p.status is (CheckStatus.CORRUPT if p.action == "get" else CheckStatus.OK)
        for p in phases
    )


def _key(target: ServiceTarget) -> tuple[int, int]:
    return (target.copy, target.slot)


class TickChecks:
    """Runs the checks of one exercise; the clock calls :meth:`run_tick` each tick."""

    def __init__(
        self,
        engine: Engine,
        executor: Executor,
        range_name: str,
        targets: Sequence[ServiceTarget],
        scripts: Mapping[str, str],
        timeout: float = 10.0,
        workers: int = 32,
        sessions: AgentSessions | None = None,
        concurrent_phases: bool = True,
        recovering: bool = False,
    ) -> None:
        self._engine, self._executor, self._range = engine, executor, range_name
        self._targets, self._scripts = list(targets), dict(scripts)
        self._timeout, self._workers = timeout, workers
        self._sessions = sessions  # long-lived agents; None: one exec per copy and tick
        self._concurrent = concurrent_phases  # put, get and check at once, or in order
        self._recovering = recovering  # FAUST's RECOVERING (see combine)

    def prepare(self) -> dict[str, str]:
        """Start the checker agents ahead of the first tick; container → problem."""
        if self._sessions is None:
            return {}
        containers = sorted({target.container for target in self._targets})
        return self._sessions.warm_up(self._range, containers, self._workers)

    def close(self) -> None:
        """End the agent sessions (the checker containers keep running)."""
        if self._sessions is not None:
            self._sessions.close()

    def run_tick(self, exercise_id: int, secret: bytes, tick: int) -> list[ServiceResult]:
        codec = FlagCodec(secret, exercise_id)
        previous = self._placed(exercise_id, tick - 1)
        new_flags: dict[tuple[int, int], _Placed] = {}
        batches: dict[str, list[Job]] = defaultdict(list)
        by_id: dict[str, ServiceTarget] = {}
        for target in self._targets:
            job_id = f"{target.copy}:{target.slot}"
            flag = _Placed(codec.service_flag(tick, target.copy, target.slot), secrets.token_hex(8))
            new_flags[_key(target)] = flag
            batches[target.container].append(self._job(job_id, target, flag, previous))
            by_id[job_id] = target
        answers = self._run_batches(batches)
        results = [
            combine(t, tick, answers.get(job_id, []), self._recovering)
            for job_id, t in by_id.items()
        ]
        self._record(exercise_id, tick, results, new_flags)
        return results

    def _job(
        self, job_id: str, target: ServiceTarget, flag: _Placed, previous: Mapping[Any, _Placed]
    ) -> Job:
        service = target.service
        if service.checker is None:
            builtin = {
                "kind": str(service.check or "tcp"),
                "port": service.port.number,
                "path": service.path,
                "expect_status": service.expect_status,
                "expect_text": service.expect_text,
            }
            return Job(job_id, target.address, (Phase("check"),), self._timeout, builtin=builtin)
        phases = [Phase("put", (flag.flag_id, flag.flag, VULN))]
        old = previous.get(_key(target))
        if old is not None:
            phases.append(Phase("get", (old.flag_id, old.flag, VULN)))
        phases.append(Phase("check"))
        return Job(
            job_id,
            target.address,
            tuple(phases),
            self._timeout,
            script=service.checker,
            concurrent=self._concurrent,
        )

    def _run_batches(self, batches: Mapping[str, list[Job]]) -> dict[str, list[PhaseResult]]:
        answers: dict[str, list[PhaseResult]] = {}
        if not batches:
            return answers
        workers = max(1, min(self._workers, len(batches)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="checks") as pool:
            futures = [
                pool.submit(self._run_batch, container, jobs) for container, jobs in batches.items()
            ]
            for future in futures:
                answers.update(future.result())
        return answers

    def _run_batch(self, container: str, jobs: list[Job]) -> dict[str, list[PhaseResult]]:
        if self._sessions is not None:
            return self._sessions.run_batch(self._range, container, jobs, self._scripts)
        return run_batch(self._executor, self._range, container, jobs, self._scripts)

    def _placed(self, exercise_id: int, tick: int) -> dict[tuple[int, int], _Placed]:
        if tick < 1:
            return {}
        with Session(self._engine) as session:
            facts = session.exec(
                select(Fact).where(
                    Fact.exercise_id == exercise_id,
                    Fact.kind == FactKind.FLAG_PLACED,
                    Fact.tick == tick,
                )
            ).all()
        return {
            (int(f.data["copy"]), int(f.data["slot"])): _Placed(f.data["flag"], f.data["flag_id"])
            for f in facts
        }

    def _record(
        self,
        exercise_id: int,
        tick: int,
        results: Sequence[ServiceResult],
        new_flags: Mapping[tuple[int, int], _Placed],
    ) -> None:
        facts: list[Fact] = []
        for result in results:
            facts.append(check_fact(exercise_id, result))
            put = next((p for p in result.phases if p.action == "put"), None)
            if put is not None and put.status is CheckStatus.OK:
                flag = new_flags[_key(result.target)]
                flag_id = put.stdout.strip()[:1024] or flag.flag_id  # checker may choose the id
                facts.append(flag_fact(exercise_id, tick, result.target, flag.flag, flag_id))
        insert_facts(self._engine, facts)


def check_fact(exercise_id: int, result: ServiceResult) -> Fact:
    target = result.target
    deciding = next((p for p in result.phases if p.status is result.status), None)
    return Fact(
        exercise_id=exercise_id,
        tick=result.tick,
        kind=FactKind.CHECK,
        team=target.team,
        target=target.team,
        host=target.host,
        service=target.service.name,
        outcome=str(result.status),
        actor=ACTOR,
        message=result.message,
        data={
            "copy": target.copy,
            "slot": target.slot,
            "duration": result.duration,
            "phase": deciding.action if deciding else None,
            "phases": [
                {"action": p.action, "status": str(p.status), "duration": p.duration}
                for p in result.phases
            ],
        },
        dedup_key=f"check:{result.tick}:{target.copy}:{target.slot}",
    )


def flag_fact(exercise_id: int, tick: int, target: ServiceTarget, flag: str, flag_id: str) -> Fact:
    return Fact(
        exercise_id=exercise_id,
        tick=tick,
        kind=FactKind.FLAG_PLACED,
        team=target.team,
        target=target.team,
        host=target.host,
        service=target.service.name,
        outcome="placed",
        actor=ACTOR,
        data={"copy": target.copy, "slot": target.slot, "flag": flag, "flag_id": flag_id},
        dedup_key=f"flag:{tick}:{target.copy}:{target.slot}",
    )


def insert_facts(engine: Engine, facts: Sequence[Fact]) -> int:
    """Insert facts in one transaction; on a duplicate, one by one skipping duplicates."""
    rows = [fact.model_dump(exclude={"id"}) for fact in facts]
    try:
        with Session(engine) as session:
            session.add_all([Fact.model_validate(row) for row in rows])
            session.commit()
        return len(rows)
    except IntegrityError:
        pass
    inserted = 0
    for row in rows:
        try:
            with Session(engine) as session:
                session.add(Fact.model_validate(row))
                session.commit()
                inserted += 1
        except IntegrityError:
            continue
    return inserted
