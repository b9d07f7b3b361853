"""The root group loads a command's module only when that command runs.

Importing every command module costs seconds (Docker client, Ansible,
WeasyPrint, matplotlib, SQLAlchemy); `cyberrange --help` and `cyberrange
validate` need none of that. So the root group knows each command by name, the
module that registers it and its one-line summary (for `--help`), and imports
the module on first use. Each module still adds its commands with
``register(group)``; ``tests/unit/cli/test_cli_lazy.py`` checks that this table
names exactly the commands the modules register, with their own summaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

import click


@dataclass(frozen=True)
class Entry:
    module: str  # under cyberrange.cli
    summary: str  # the command's first help sentence, shown by `cyberrange --help`


COMMANDS: dict[str, Entry] = {
    "validate": Entry(
        "scenario_cmds",
        "Check scenario FILES; print every problem as file:line:col: error: message.",
    ),
    "schema": Entry("scenario_cmds", "Print the JSON Schema of scenario files (for editors)."),
    "access": Entry(
        "access_cmds", "Participants' VPN into a range: endpoints, configs, revocation."
    ),
    "plan": Entry(
        "plan_cmds", "Show the plan of scenario FILE: networks, containers, routes, firewall."
    ),
    "graph": Entry(
        "plan_cmds", "Draw the topology of scenario FILE (networks, routers, hosts, per copy)."
    ),
    "images": Entry(
        "images_cmds", "The range images (docker/*/Dockerfile), built locally without a registry."
    ),
    "up": Entry(
        "range_cmds",
        "Deploy the scenario FILE as a range and configure it, or repair it if it runs.",
    ),
    "down": Entry("range_cmds", "Remove every container, network and volume of range NAME."),
    "status": Entry(
        "range_cmds",
        "Hosts of range NAME per copy: state, health, addresses (no NAME: every range).",
    ),
    "ranges": Entry("range_cmds", "Every range the database knows, with its state."),
    "verify": Entry(
        "range_cmds",
        "Probe range NAME from inside its containers; exit 1 if reachability differs from plan.",
    ),
    "reset": Entry(
        "range_cmds", "Recreate HOST of range NAME fresh from its image, and configure it again."
    ),
    "shell": Entry("range_cmds", "Open an interactive shell in HOST of range NAME."),
    "exercise": Entry(
        "game_cmds", "Run exercises: the clock, checkers, injects; pause, resume and stop them."
    ),
    "submit": Entry(
        "score_cmds", "Submit FLAGS (or one per line on stdin with -) for TEAM in exercise NAME."
    ),
    "scoreboard": Entry("score_cmds", "Show the scoreboard of exercise NAME."),
    "rescore": Entry("score_cmds", "Print what NAME's board would be under FORMULA."),
    "export": Entry(
        "records_cmds",
        "Export the records of exercise NAME (findings, incidents, training, audit).",
    ),
    "audit": Entry("records_cmds", "The hash-chained audit log of an exercise."),
    "findings": Entry(
        "records_cmds", "Findings: drafted from red's successes, confirmed by the white team."
    ),
    "participant": Entry("records_cmds", "People taking part in exercises (for training records)."),
    "incident": Entry("records_cmds", "Incident reports: NIST SP 800-61 phases and impact."),
    "evidence": Entry(
        "records_cmds",
        "Store FILE as evidence for exercise NAME (checked type and size, sha256 recorded).",
    ),
    "serve": Entry("web_cmds", "Serve the web UI and JSON API under gunicorn."),
    "users": Entry(
        "web_cmds", "Web UI accounts: add users, import participants, issue API tokens."
    ),
    "demo": Entry(
        "demo_cmds",
        "Run a complete drill on the bundled DMZ scenario with scripted red and blue teams.",
    ),
    "run": Entry(
        "demo_cmds", "Run FILE for real teams: deploy, provision, verify, and run the exercise."
    ),
    "cluster": Entry("cluster_cmds", "The Docker swarm behind `--backend swarm` ranges."),
    "msg": Entry("msg_cmds", "Coordination: message threads, requests for information, SITREPs."),
    "share": Entry(
        "share_cmds",
        "The sharing feed of an exercise over TAXII 2.1 (publish, indicator, poll).",
    ),
    "pool": Entry("pool_cmds", "Sandbox pools: N pre-built copies of a scenario, one per trainee."),
    "training": Entry(
        "training_cmds", "Guided trainings: levels with hints and answers, one sandbox per trainee."
    ),
    "db": Entry("db_cmds", "The database schema: upgrade it to this release, show its revision."),
    "challenges": Entry(
        "challenge_cmds",
        "Jeopardy challenges in ctfcli's challenge.yml format, scored in an exercise.",
    ),
}


def registered(module: str) -> dict[str, click.Command]:
    """The commands ``cyberrange.cli.<module>`` registers, by name (imports it)."""
    collector = click.Group()
    import_module(f"cyberrange.cli.{module}").register(collector)
    return dict(collector.commands)


class LazyGroup(click.Group):
    """A group whose commands come from COMMANDS, imported when first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        if cmd_name not in self.commands:
            for name, command in registered(entry.module).items():
                self.commands.setdefault(name, command)
        return self.commands[cmd_name]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the summaries, importing no command module."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [
            (name, click.Command(name, help=COMMANDS[name].summary).get_short_help_str(limit))
            for name in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
