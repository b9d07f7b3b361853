"""A whole drill, phase by phase: images, deploy, verify, exercise, records, teardown.

`cyberrange demo` runs it on the bundled DMZ scenario with scripted red and
blue teams; `cyberrange run FILE` runs it for real teams and serves the web UI
until the exercise ends. Every phase is timed and shown; a crash at any point
is repaired by running the same command again (deploy converges, the exercise
resumes at the right tick).

This module runs the steps; what a person sees of them goes through the
DrillDisplay it is given (``cyberrange/drill_display.py``; the CLI's rich
display is ``cyberrange/cli/drill_console.py``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from cyberrange.compose import Deployment, deploy, teardown
from cyberrange.defender import ScriptedDefender
from cyberrange.drill_display import DrillDisplay
from cyberrange.drill_web import (
    ApiSubmitter,
    WebServer,
    demo_accounts,
    register_participants,
    team_token,
)
from cyberrange.participant_access import HandedOut, exercise_members, hand_out
from range import lifecycle
from range.backends import get_backend
from range.backends.base import Backend
from range.config import Settings
from range.errors import CyberrangeError
from range.images import build_images
from range.plan import Plan
from range.provision.attack_run import RangeSteps
from range.scenario.loader import LoadedScenario, load
from range.scenario.models import Inject
from range.scenario.timing import compress
from records import audit
from records.audit_seal import Sealer
from records.exports import export
from scoring.adversary import Adversary
from scoring.clock import Clock, ClockCallbacks, TickReport
from scoring.exercise import get_exercise, tick_count, transition
from scoring.scoreboard import Scoreboard, compute_scoreboard
from scoring.tables import ExerciseState, TeamEntry

ACTOR = "drill"


@dataclass(frozen=True)
class DrillOptions:
    scenario: Path
    name: str | None = None
    copies: int | None = None
    duration: int | None = None  # compress the scenario to this many seconds
    tick: int | None = None
    output: Path = Path("reports")
    keep: bool = False
    scripted: bool = False  # scripted red team and copy-1 defender (the demo)
    teardown: bool = True


@dataclass
class DrillResult:
    name: str
    board: Scoreboard
    report_html: Path
    report_pdf: Path
    exports: list[Path]
    timings: list[tuple[str, float]]
    web_url: str | None = None
    defender_actions: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    access: list[HandedOut] = field(default_factory=list)


@dataclass
class Drill:
    settings: Settings
    engine: Engine
    display: DrillDisplay
    options: DrillOptions
    timings: list[tuple[str, float]] = field(default_factory=list)
    own_problems: list[str] = field(default_factory=list)  # what went wrong but did not stop us
    adversary: Adversary | None = None  # the scripted red team, with its own problems
    access: list[HandedOut] = field(default_factory=list)  # participants' way in

    @property
    def problems(self) -> list[str]:
        """The drill's own problems (checkers, access), then the scripted red team's."""
        return [*self.own_problems, *(self.adversary.problems if self.adversary else [])]

    @contextmanager
    def phase(self, title: str) -> Iterator[None]:
        started = time.monotonic()
        self.display.phase_started(title)
        yield
        seconds = time.monotonic() - started
        self.timings.append((title, seconds))
        self.display.phase_done(title, seconds)

    def run(self) -> DrillResult:
        loaded = self._load()
        with self.phase("Images"):
            self._images(loaded)
        with self.phase("Deploy and provision"):
            deployment = self._deploy(loaded)
        # The range's exercise may be named otherwise than the range (RANGE.2 after a
        # scenario change or a `down`: scoring.succession); the game uses its name.
        name, game = deployment.plan.range, deployment.exercise.name
        backend = get_backend(self.settings)
        with self.phase("Verify the network"):
            self._verify(name, backend)
        server = WebServer(self.settings)
        try:
            with self.phase("Web UI"):
                self._serve(server, game)
            if self.options.keep or not self.options.scripted:  # people will play
                with self.phase("Participant access"):
                    self._hand_out(deployment.plan, game, server)
            with self.phase("Exercise"):
                defender = self._exercise(loaded, deployment, backend, server)
            with self.phase("Records and after-action report"):
                written = export(self.engine, game, "all", self.options.output / game, ACTOR,
                                 sealer=Sealer.for_data_dir(self.settings.data_dir))
        finally:
            if not self.options.keep:
                server.stop()
        if self.options.teardown and not self.options.keep:
            with self.phase("Tear down"):
                teardown(self.settings, self.engine, name, actor=ACTOR)
        return self._result(name, game, written, server, defender)

    def _load(self) -> LoadedScenario:
        loaded = load(self.options.scenario, self.settings.root)
        if self.options.duration or self.options.tick:
            scenario = compress(
                loaded.scenario,
                self.options.duration or loaded.scenario.duration,
                self.options.tick or loaded.scenario.tick,
            )
            loaded = dataclasses.replace(loaded, scenario=scenario)
        return loaded

    def _images(self, loaded: LoadedScenario) -> None:
        wanted = {host.image for host in loaded.scenario.hosts.values()}
        wanted |= {"cyberrange/checker"}
        with self.display.building() as on_event:
            build_images(sorted(wanted), progress=on_event)

    def _deploy(self, loaded: LoadedScenario) -> Deployment:
        with self.display.deploying() as watch:

            def on_plan(plan: Plan) -> None:
                watch.planned(len(plan.containers) + len(plan.networks))

            return deploy(
                self.settings, self.engine, loaded, self.options.name, self.options.copies,
                on_apply=watch.applied, on_task=watch.task, on_plan=on_plan, actor=ACTOR,
            )  # fmt: skip

    def _verify(self, name: str, backend: Backend) -> None:
        results = lifecycle.verify(self.settings, self.engine, name, backend=backend)
        wrong = [r for r in results if not r.ok]
        self.display.note(f"{len(results) - len(wrong)}/{len(results)} reachability probes OK")
        if wrong:
            raise CyberrangeError(
                f"the running network does not match the plan ({len(wrong)} probe(s) failed); "
                f"see `cyberrange verify {name}`"
            )

    def _serve(self, server: WebServer, name: str) -> None:
        teams = _teams(self.engine, name)
        credentials = self.options.output / name / "credentials.txt"
        demo_accounts(self.engine, teams, credentials)
        register_participants(self.engine, name, teams, ACTOR)
        server.start(self.settings.logs_dir / f"{name}-web.log")
        self.display.note(f"web UI on {server.url} (accounts in {credentials})")

    def _hand_out(self, plan: Plan, game: str, server: WebServer) -> None:
        pages = (f"{server.url}/x/{game}/access", f"{server.url}/x/{game}/terminals")
        folder = self.options.output / game / "access"
        handout = hand_out(self.settings, self.engine, plan, exercise_members(self.engine, game),
                           folder, pages, ACTOR)  # fmt: skip
        self.access = handout.participants
        self.own_problems.extend(handout.problems)
        self.display.handed_out(handout.participants)

    def _exercise(
        self, loaded: LoadedScenario, deployment: Deployment, backend: Backend, server: WebServer
    ) -> ScriptedDefender | None:
        from cyberrange.game import build_checks

        name, plan = deployment.exercise.name, deployment.plan
        exercise = get_exercise(self.engine, name)
        checks = build_checks(self.settings, self.engine, plan, loaded.scenario, loaded.path)
        for container, problem in checks.prepare().items():
            self.own_problems.append(f"checker {container}: {problem} (retried each tick)")
        callbacks, defender = self.callbacks(loaded, plan, name, backend, server)
        for state, action in ((ExerciseState.CREATED, "start"), (ExerciseState.PAUSED, "resume")):
            if exercise.state is state:
                transition(self.engine, name, action, ACTOR)
                audit.append(self.engine, name, ACTOR, f"exercise.{action}", {"range": plan.range})
        assert exercise.id is not None
        clock = Clock(self.engine, exercise.id, checks, callbacks)
        try:
            self._watch(clock, name)
        finally:
            clock.stop()
            checks.close()
        return defender

    def callbacks(
        self, loaded: LoadedScenario, plan: Plan, name: str, backend: Backend, server: WebServer
    ) -> tuple[ClockCallbacks, ScriptedDefender | None]:
        """The clock's callbacks; in scripted mode they drive the red team and the defender.

        The adversary keeps its own problem list; ``problems`` joins it to the
        drill's, so problems noted before (checker preparation) stay.
        """
        sink = audit.make_sink(self.engine)

        def on_audit(actor: str, action: str, details: dict[str, Any]) -> None:
            sink(name, actor, action, details)

        callbacks = ClockCallbacks(audit=on_audit, on_error=self._clock_error)
        if not self.options.scripted:
            return callbacks, None
        submit = ApiSubmitter(server.url, name, team_token(self.engine, "red"))
        steps = RangeSteps(self.settings, backend, plan, loaded)
        adversary = Adversary(self.engine, name, loaded, plan, steps, submit)
        self.adversary = adversary
        owner = loaded.scenario.with_copies(plan.copies).copy_owners()[1]
        defender = ScriptedDefender(self.engine, backend, plan, name, owner)

        def on_tick(_: TickReport) -> None:
            defender.watch()

        def run_step(inject: Inject) -> None:
            outcomes = adversary.run(inject)
            done = sum(o.outcome == "success" for o in outcomes)
            self.display.note(f"red team: {done}/{len(outcomes)} attack steps succeeded")

        callbacks.run_step = run_step
        callbacks.on_tick = on_tick
        return callbacks, defender

    def _clock_error(self, error: BaseException) -> None:
        self.display.warning(f"clock: {type(error).__name__}: {error}")

    def _watch(self, clock: Clock, name: str) -> None:
        ticks = tick_count(get_exercise(self.engine, name))
        with self.display.exercising(ticks) as show:
            clock.start()
            while not clock.wait(2.0):
                current = get_exercise(self.engine, name)
                show(current.current_tick, compute_scoreboard(self.engine, name))
            show(ticks, None)

    def _result(
        self,
        name: str,
        game: str,
        written: list[Path],
        server: WebServer,
        defender: ScriptedDefender | None,
    ) -> DrillResult:
        html = next((p for p in written if p.suffix == ".html"), Path())
        pdf = next((p for p in written if p.suffix == ".pdf"), Path())
        return DrillResult(
            name=name,
            board=compute_scoreboard(self.engine, game),
            report_html=html,
            report_pdf=pdf,
            exports=written,
            timings=self.timings,
            web_url=server.url if self.options.keep else None,
            defender_actions=defender.actions if defender else [],
            problems=list(self.problems),
            access=self.access,
        )


def _teams(engine: Engine, exercise_name: str) -> dict[str, str]:
    from sqlmodel import Session, select

    exercise = get_exercise(engine, exercise_name)
    with Session(engine) as session:
        rows = session.exec(select(TeamEntry).where(TeamEntry.exercise_id == exercise.id)).all()
        return {row.name: row.role for row in rows}
