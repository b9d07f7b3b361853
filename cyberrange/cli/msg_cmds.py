"""`cyberrange msg`: coordination for scripted teams and the white cell, over
the same use cases as the pages and the API (records.coordination).

``--as`` names the party the command speaks for: a team instance (blue-1) acts
as that team; the white cell, an organisation or a white/isac team acts as
staff. The CLI runs on the server with the database's credentials, so it is
trusted as either; every action is audited as ``cli:<login>``.
"""

from __future__ import annotations

import getpass
import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from cyberrange.context import AppContext
from records.coordination.parties import STAFF_PLAYED_ROLES, Actor, directory
from records.coordination.reading import read_thread, visible_threads
from records.coordination.requests import grade_answer, pending
from records.coordination.sitreps import SitrepInput, file_sitrep, grade_sitrep, schedule
from records.coordination.threads import Attachment, Draft, open_thread, reply
from records.evidence import EvidenceStore
from scoring.ledger import load_exercise

AS_HELP = "Party to act as: a team (blue-1), an organisation, or white-cell."


def _actor(app: AppContext, name: str, party: str) -> Actor:
    """A team instance speaks for itself; anything else is played by staff."""
    roles = directory(app.engine, load_exercise(app.engine, name)).roles
    who = f"cli:{getpass.getuser()}"
    if party in roles and roles[party] not in STAFF_PLAYED_ROLES:
        return Actor(who, team=party)
    return Actor(who, staff=True)


def _store(app: AppContext) -> EvidenceStore:
    return EvidenceStore.for_data_dir(app.settings.data_dir)


def _files(stack: ExitStack, paths: tuple[Path, ...]) -> list[Attachment]:
    return [Attachment(p.name, stack.enter_context(p.open("rb"))) for p in paths]


def _print(app: AppContext, value: Any) -> None:
    app.console.print_json(json.dumps(value, default=str))


@click.group("msg")
def msg() -> None:
    """Coordination: message threads, requests for information, SITREPs."""


@msg.command("list")
@click.argument("name")
@click.option("--as", "party", default="white-cell", show_default=True, help=AS_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the threads as JSON.")
@click.pass_obj
def list_cmd(app: AppContext, name: str, party: str, as_json: bool) -> None:
    """Threads PARTY is part of in exercise NAME (white-cell: every thread)."""
    views = visible_threads(app.engine, name, _actor(app, name, party))
    if as_json:
        _print(app, [v.as_dict(full=False) for v in views])
        return
    table = Table("uid", "subject", "kind", "tlp", "parties", "unread")
    for view in views:
        t = view.thread
        table.add_row(*(Text(str(v)) for v in (t.uid, t.subject, t.kind, f"TLP:{t.tlp.value}",
                                                ", ".join(view.parties), view.unread)))
    app.console.print(table)


@msg.command("show")
@click.argument("name")
@click.argument("uid")
@click.option("--as", "party", default="white-cell", show_default=True, help=AS_HELP)
@click.pass_obj
def show(app: AppContext, name: str, uid: str, party: str) -> None:
    """Print thread UID as JSON (and mark it read for PARTY)."""
    _print(app, read_thread(app.engine, name, _actor(app, name, party), uid,
                            via="cli").as_dict())


@msg.command("send")
@click.argument("name")
@click.argument("body")
@click.option("--as", "party", default="white-cell", show_default=True, help=AS_HELP)
@click.option("--to", "to", required=True, help="Recipients, comma-separated.")
@click.option("--subject", required=True)
@click.option("--tlp", default="AMBER", show_default=True, help="TLP 2.0 marking.")
@click.option("--due", type=click.IntRange(1, 1440), help="A request: answer due in minutes.")
@click.option("--points", type=click.IntRange(0, 10_000), default=0, help="Most points (--due).")
@click.option("--attach", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              multiple=True, help="A file to attach (repeatable).")
@click.pass_obj
def send(app: AppContext, name: str, body: str, party: str, to: str, subject: str, tlp: str,
         due: int | None, points: int, attach: tuple[Path, ...]) -> None:
    """Open a thread in exercise NAME with message BODY; print its uid."""
    with ExitStack() as stack:
        draft = Draft(subject, body, [p.strip() for p in to.split(",") if p.strip()], tlp,
                      party, _files(stack, attach), None if due is None else due * 60, points)
        thread = open_thread(app.engine, _store(app), name, _actor(app, name, party), draft,
                             via="cli")
    app.console.print(thread.uid)


@msg.command("reply")
@click.argument("name")
@click.argument("uid")
@click.argument("body")
@click.option("--as", "party", default="white-cell", show_default=True, help=AS_HELP)
@click.option("--tlp", default=None, help="TLP 2.0 marking (default: the thread's).")
@click.option("--attach", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              multiple=True, help="A file to attach (repeatable).")
@click.pass_obj
def reply_cmd(app: AppContext, name: str, uid: str, body: str, party: str, tlp: str | None,
              attach: tuple[Path, ...]) -> None:
    """Reply BODY in thread UID."""
    with ExitStack() as stack:
        reply(app.engine, _store(app), name, _actor(app, name, party), uid, body, tlp=tlp,
              sender=party, attachments=_files(stack, attach), via="cli")


@msg.command("sitrep")
@click.argument("name")
@click.option("--as", "party", required=True, help="The team filing (e.g. blue-1).")
@click.option("--situation", required=True)
@click.option("--impact", default="")
@click.option("--actions", default="")
@click.option("--needs", default="")
@click.option("--outlook", default="")
@click.option("--tlp", default="AMBER", show_default=True)
@click.pass_obj
def sitrep(app: AppContext, name: str, party: str, situation: str, impact: str, actions: str,
           needs: str, outlook: str, tlp: str) -> None:
    """File a SITREP for team --as in exercise NAME; print its uid."""
    data = SitrepInput(situation, impact, actions, needs, outlook, tlp)
    app.console.print(file_sitrep(app.engine, name, _actor(app, name, party), data,
                                  via="cli").uid)


@msg.command("status")
@click.argument("name")
@click.pass_obj
def status(app: AppContext, name: str) -> None:
    """The white cell's view: every request's answers and every SITREP slot due."""
    table = Table("request", "subject", "team", "due (min)", "state", "graded")
    for item in pending(app.engine, name):
        table.add_row(*(Text(str(v)) for v in (item.uid, item.subject, item.answer.party,
                                                int(item.due_game // 60), item.answer.status,
                                                item.answer.graded)))
    app.console.print(table)
    slots = Table("team", "slot", "due (min)", "sitrep")
    for slot in schedule(app.engine, name):
        slots.add_row(*(Text(str(v)) for v in (slot.team, slot.slot, slot.due_game // 60,
                                                slot.sitrep or "MISSING")))
    app.console.print(slots)


@msg.command("grade")
@click.argument("name")
@click.argument("uid")
@click.option("--team", help="Request: the team whose answer is graded.")
@click.option("--points", type=float, help="Request: the points.")
@click.option("--score", "scores", multiple=True, help="SITREP: criterion=points (repeat).")
@click.option("--reason", default="")
@click.pass_obj
def grade(app: AppContext, name: str, uid: str, team: str | None, points: float | None,
          scores: tuple[str, ...], reason: str) -> None:
    """Grade request UID's answer (--team, --points) or SITREP UID (--score)."""
    actor = Actor(f"cli:{getpass.getuser()}", staff=True)
    if scores:
        parsed = {}
        for text in scores:
            key, _, value = text.partition("=")
            if not value.strip().isdigit():
                raise click.BadParameter(f"{text!r}: write criterion=points", param_hint="--score")
            parsed[key.strip()] = int(value)
        item = grade_sitrep(app.engine, name, actor, uid, parsed, reason, via="cli")
        app.console.print(f"graded: fact {item.grade_fact_id}")
    elif team and points is not None:
        fact = grade_answer(app.engine, name, actor, uid, team, points, reason, via="cli")
        app.console.print(f"graded: fact {fact}")
    else:
        raise click.UsageError("give --score for a SITREP, or --team and --points")


def register(cli: click.Group) -> None:
    """Add this module's commands to the root group."""
    cli.add_command(msg)
