"""Records commands: exports, the audit log, findings, participants, evidence."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text
from sqlmodel import Session

from cyberrange.context import AppContext
from range.errors import NotFoundError, RecordError
from records import audit, audit_seal, participants
from records.audit_seal import Sealer
from records.common import get_exercise
from records.evidence import EvidenceStore
from records.exports import FORMATS, ExportError, export, exporters
from records.findings import draft_from_facts, list_findings, update_finding
from records.incidents import Impact, advance
from records.tables import (
    Finding,
    FunctionalImpact,
    IncidentPhase,
    InformationImpact,
    Recoverability,
)


def _cells(*values: object) -> list[Text]:
    """Table cells as plain text: record text may contain rich markup like [red]."""
    return [Text(str(v)) for v in values]


# A record id: positive, and small enough for the database's 64-bit integers.
RECORD_ID = click.IntRange(1, 2**63 - 1)


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@click.command("export")
@click.argument("name")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="all",
              show_default=True, help="Export format.")
@click.option("--output", "-o", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path(), show_default=True, help="Directory to write into.")
@click.pass_obj
def export_cmd(app: AppContext, name: str, fmt: str, out_dir: Path) -> None:
    """Export the records of exercise NAME (findings, incidents, training, audit)."""
    steps = len(exporters()) if fmt == "all" else 1
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), console=app.console) as progress:
        task = progress.add_task(f"exporting {name}", total=steps)

        def done(kind: str, paths: list[Path]) -> None:
            progress.update(task, advance=1, description=f"wrote {kind}")

        failure: ExportError | None = None
        try:
            paths = export(app.engine, name, fmt, out_dir, actor=_actor(), on_written=done,
                       sealer=Sealer.for_data_dir(app.settings.data_dir))
        except ExportError as exc:  # print what was written, then the error
            paths, failure = exc.written, exc
    for path in paths:
        app.console.print(Text.assemble(("wrote", "green"), f" {path}"))
    if failure is not None:
        raise failure


@click.group("audit")
def audit_group() -> None:
    """The hash-chained audit log of an exercise."""


@audit_group.command("verify")
@click.argument("target", required=False)
@click.option("--expect", "expected", metavar="HEAD",
              help="Full head hash from an earlier export: it must still be in the chain.")
@click.option("--key", "key_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Public key (PEM) to check an exported FILE with "
                   "(default: this installation's).")
@click.pass_obj
def audit_verify(app: AppContext, target: str | None, expected: str | None,
                 key_file: Path | None) -> None:
    """Check the chain of exercise TARGET (none: the global chain), or an exported
    audit log FILE (TARGET-audit.json) offline against a public key; exit 1 if broken."""
    if target and target.endswith(".json") and Path(target).is_file():
        own = app.settings.data_dir / audit_seal.PUBLIC_FILE
        if key_file is None and not own.is_file():
            raise RecordError(f"no public key given (--key) and none in {own}")
        pem = (key_file or own).read_bytes()
        summary = audit_seal.verify_file(Path(target), audit_seal.load_public(pem))
        app.console.print(Text.assemble(("ok", "green"), f" {summary}"))
        return
    if target is not None:
        with Session(app.engine) as session:
            get_exercise(session, target)  # an unknown exercise is an error, not "0 entries"
    if expected:
        summary = audit_seal.verify_expected(app.engine, target, expected)
        app.console.print(Text.assemble(("ok", "green"), f" {summary}"))
        return
    verdict = audit.verify(app.engine, target)
    if not verdict.ok:
        raise RecordError(str(verdict))
    app.console.print(Text.assemble(("ok", "green"), f" {verdict}"))


@audit_group.command("key")
@click.pass_obj
def audit_key(app: AppContext) -> None:
    """Print this installation's audit public key (PEM): give it to auditors."""
    sealer = Sealer.for_data_dir(app.settings.data_dir)
    click.echo(audit_seal.public_pem(sealer.public_key).decode("ascii"), nl=False)


@audit_group.command("show")
@click.argument("name", required=False)
@click.option("--limit", "-n", type=click.IntRange(min=1), help="Only the last N entries.")
@click.option("--json", "as_json", is_flag=True, help="Print entries as JSON lines.")
@click.pass_obj
def audit_show(app: AppContext, name: str | None, limit: int | None, as_json: bool) -> None:
    """List the audit entries of exercise NAME (no NAME: the global chain)."""
    if name is not None:
        with Session(app.engine) as session:
            get_exercise(session, name)  # an unknown exercise is an error, not "no entries"
    entries = audit.entries(app.engine, name)
    entries = entries[-limit:] if limit else entries
    if as_json:
        for entry in entries:
            click.echo(json.dumps(entry.model_dump(), sort_keys=True))
        return
    table = Table(title=f"audit log {name or '(global)'}")
    for column in ("#", "at", "actor", "action", "details", "hash"):
        table.add_column(column)
    for entry in entries:
        table.add_row(*_cells(entry.seq, entry.at[:19], entry.actor, entry.action,
                              audit.canonical(entry.details)[:60], entry.hash[:12]))
    app.console.print(table)


@click.group("findings")
def findings_group() -> None:
    """Findings: drafted from red's successes, confirmed by the white team."""


def _finding_table(title: str, findings: list[Finding]) -> Table:
    table = Table(title=title)
    for column in ("id", "severity", "title", "cwe", "att&ck", "hosts", "team", "status"):
        table.add_column(column)
    for f in findings:
        table.add_row(*_cells(f.id, f.severity.value, f.title, f.cwe or "",
                              ", ".join(f.techniques), ", ".join(f.affected_hosts), f.team,
                              f.status.value))
    return table


@findings_group.command("list")
@click.argument("name")
@click.option("--draft/--no-draft", default=True, show_default=True,
              help="First draft findings for new captures and red actions.")
@click.option("--all", "show_all", is_flag=True, help="Include duplicates.")
@click.option("--json", "as_json", is_flag=True, help="Print findings as JSON lines.")
@click.pass_obj
def findings_list(app: AppContext, name: str, draft: bool, show_all: bool, as_json: bool) -> None:
    """List the findings of exercise NAME."""
    if draft:
        draft_from_facts(app.engine, name, actor=_actor())
    findings = list_findings(app.engine, name, include_duplicates=show_all)
    if as_json:
        for finding in findings:
            click.echo(finding.model_dump_json())
        return
    app.console.print(_finding_table(f"findings of {name}", findings))


@findings_group.command("confirm")
@click.argument("name")
@click.argument("finding_id", type=RECORD_ID)
@click.option("--title")
@click.option("--severity", type=click.Choice(["Info", "Low", "Medium", "High", "Critical"],
                                              case_sensitive=False))
@click.option("--impact")
@click.option("--mitigation")
@click.option("--steps", "steps_to_reproduce", help="Steps to reproduce.")
@click.pass_obj
def findings_confirm(app: AppContext, /, name: str, finding_id: int, **edits: str | None) -> None:
    """Confirm finding FINDING_ID of exercise NAME, with optional edits."""
    fields = {k: v for k, v in edits.items() if v is not None}
    finding = update_finding(app.engine, name, finding_id, _actor(), confirm=True, **fields)
    app.console.print(Text.assemble(("confirmed", "green"), f" #{finding.id} {finding.title}"))


@click.group("participant")
def participant_group() -> None:
    """People taking part in exercises (for training records)."""


@participant_group.command("add")
@click.argument("username")
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--email", default="")
@click.pass_obj
def participant_add(app: AppContext, username: str, display_name: str, email: str) -> None:
    """Create or update participant USERNAME."""
    participants.add_participant(app.engine, username, display_name, email, actor=_actor())
    app.console.print(f"[green]saved[/] {username}")


@participant_group.command("assign")
@click.argument("name")
@click.argument("username")
@click.option("--team", required=True, help="Team in the exercise (e.g. blue-1).")
@click.option("--role", required=True, type=click.Choice(sorted(participants.ROLES)))
@click.pass_obj
def participant_assign(app: AppContext, name: str, username: str, team: str, role: str) -> None:
    """Put USERNAME in a team of exercise NAME."""
    participants.assign(app.engine, name, username, team, role, actor=_actor())
    app.console.print(f"[green]assigned[/] {username} to {team} ({role}) in {name}")


@click.command("evidence")
@click.argument("name")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--finding", "finding_id", type=RECORD_ID, help="Attach to this finding.")
@click.option("--incident", "incident_id", type=RECORD_ID,
              help="Attach to this incident report.")
@click.pass_obj
def evidence_cmd(app: AppContext, name: str, file: Path, finding_id: int | None,
                 incident_id: int | None) -> None:
    """Store FILE as evidence for exercise NAME (checked type and size, sha256 recorded)."""
    from sqlmodel import Session

    from records.common import exercise_id, get_exercise

    with Session(app.engine) as session:
        ex_id = exercise_id(get_exercise(session, name))
    store = EvidenceStore.for_data_dir(app.settings.data_dir)
    try:
        with file.open("rb") as handle:
            record = store.add(app.engine, ex_id, file.name, handle, uploaded_by=_actor(),
                               finding_id=finding_id, incident_id=incident_id)
    except OSError as exc:
        raise NotFoundError(f"cannot read {file}: {exc}") from exc
    audit.append(app.engine, name, _actor(), "evidence.add",
                 {"uid": record.uid, "sha256": record.sha256, "name": record.original_name})
    app.console.print(f"[green]stored[/] {record.original_name} sha256 {record.sha256}")


@click.group("incident")
def incident_group() -> None:
    """Incident reports: NIST SP 800-61 phases and impact."""


@incident_group.command("phase")
@click.argument("name")
@click.argument("incident_id", type=int)
@click.argument("phase", type=click.Choice([p.value for p in IncidentPhase]))
@click.option("--functional-impact", type=click.Choice([v.value for v in FunctionalImpact]))
@click.option("--information-impact", type=click.Choice([v.value for v in InformationImpact]))
@click.option("--recoverability", type=click.Choice([v.value for v in Recoverability]))
@click.pass_obj
def incident_phase(app: AppContext, name: str, incident_id: int, phase: str,
                   functional_impact: str | None, information_impact: str | None,
                   recoverability: str | None) -> None:
    """Move incident INCIDENT_ID of exercise NAME to PHASE (forward only), now."""
    impact = Impact(functional_impact, information_impact, recoverability)
    report = advance(app.engine, name, incident_id, phase, _actor(), impact=impact)
    app.console.print(Text.assemble(("ok", "green"), f" #{report.id} {report.title}: "
                                     f"{report.phase.value} ({report.status.value})"))


def register(cli: click.Group) -> None:
    """Add this module's commands to the root group."""
    for command in (export_cmd, audit_group, findings_group, participant_group, evidence_cmd,
                    incident_group):
        cli.add_command(command)
