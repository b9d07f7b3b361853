"""A scripted blue team for the demo: detect, report, harden — on one copy only.

Copy 1 watches its shop's log each tick; at the first sign of the SQL
injection it files an incident report (matched against the red team's actions
by scoring), shares the attacker's address with the ISAC (a TLP:GREEN
indicator on the sharing feed, scored the same way), turns on parameterised
queries, restarts the shop and rotates
the operator's weak password; from then on it answers the requests for
information the scenario's organisations ask it (the attacker's address).
Other copies do nothing, so the scoreboard shows what a defence is worth.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from range.backends.base import Backend, ExecResult
from range.errors import BackendError
from range.plan import Plan
from records import audit
from records.coordination.parties import Actor
from records.coordination.requests import pending
from records.coordination.threads import reply
from records.incidents import IncidentInput, file_incident
from records.sharing.audience import Caller
from records.sharing.compose import indicator_for
from records.sharing.feed import publish
from records.sharing.tlp import Tlp

SHOP_LOG = "/var/log/cr/shop.log"
SHOP_INI = "/etc/shop/shop.ini"
INJECTION_MARK = "UNION SELECT"  # what the red team's SQL injection leaves in the log


@dataclass
class ScriptedDefender:
    engine: Engine
    backend: Backend
    plan: Plan
    exercise_name: str
    team: str  # e.g. "blue-1"
    copy: int = 1
    detected: bool = False
    actions: list[str] = field(default_factory=list)

    @property
    def actor(self) -> str:
        return f"{self.team}-bot"

    def _exec(self, host: str, argv: list[str], stdin: str | None = None) -> ExecResult:
        container = self.plan.container(host, self.copy).name
        return self.backend.exec(self.plan.range, container, argv, timeout=30, stdin=stdin)

    def watch(self) -> bool:
        """One look at the logs; on first detection, respond; once detected, answer
        the requests for information asked of the team. True once detected."""
        if not self.detected and self._sees_injection():
            self.detected = True
            self.report()
            self.share()
            self.harden()
        if self.detected:
            self.answer_requests()
        return self.detected

    def _sees_injection(self) -> bool:
        try:
            seen = self._exec("web", ["grep", "-c", "-F", INJECTION_MARK, SHOP_LOG])
        except BackendError:
            return False  # the host is down or restarting: look again next tick
        return seen.exit_code == 0 and int(seen.stdout.strip() or "0") > 0

    def answer_requests(self) -> None:
        """Answer each request asked of the team (scenario coordination) with the
        attacker's address, once."""
        attacker = self.plan.container("attacker", 0).interfaces[0].address
        me = Actor(self.actor, team=self.team)
        for item in pending(self.engine, self.exercise_name):
            if item.answer.party != self.team or item.answer.answered_game is not None:
                continue
            reply(self.engine, None, self.exercise_name, me, item.uid,
                  f"The shop's SQL injection came from {attacker} (T1190).", tlp="AMBER",
                  via="scripted")
            self.actions.append(f"answered: {item.subject}")

    def report(self) -> None:
        attacker = self.plan.container("attacker", 0).interfaces[0].address
        web = self.plan.container("web", self.copy)
        data = IncidentInput(
            title="SQL injection against the shop's login form",
            description=(
                "The shop's access log shows UNION-based SQL injection in login requests "
                f"from {attacker}; user notes were read without passwords."
            ),
            severity="High",
            tlp="AMBER",
            pap="AMBER",
            rsit_class="intrusions",
            rsit_type="application-compromise",
            techniques=["T1190"],
            hosts=["web"],
            observables=[("ip", attacker), ("ip", web.interfaces[0].address)],
        )
        file_incident(self.engine, self.exercise_name, self.team, self.actor, data)
        self._log("incident.filed", {"title": data.title})

    def share(self) -> None:
        """Publish the attacker's address (T1190) to the exercise's sharing feed."""
        attacker = self.plan.container("attacker", 0).interfaces[0].address
        indicator = indicator_for(attacker, Tlp.GREEN, techniques=["T1190"],
                                  description="SQL injection against our shop's login form")
        # Audited by the feed (share.publish); not an action on the range.
        publish(self.engine, self.exercise_name, Caller(self.actor, self.team), [indicator],
                via="scripted")

    def harden(self) -> None:
        steps: list[tuple[str, list[str], str | None]] = [
            ("patch", ["sed", "-i", "s/^safe_queries *=.*/safe_queries = true/", SHOP_INI], None),
            ("restart", ["cr-service", "restart", "shop"], None),
            ("rotate", ["chpasswd"], f"operator:{secrets.token_urlsafe(18)}\n"),
        ]
        for label, argv, stdin in steps:
            result = self._exec("web", argv, stdin)
            self.actions.append(f"{label}: exit {result.exit_code}")
            self._log(f"harden.{label}", {"exit_code": result.exit_code})

    def _log(self, action: str, details: dict[str, object]) -> None:
        audit.append(self.engine, self.exercise_name, self.actor, action, dict(details))
