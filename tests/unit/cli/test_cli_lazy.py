"""The root group's command table matches what the command modules register."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from cyberrange.cli import cli
from cyberrange.cli.lazy import COMMANDS, registered
from range.config import CHECKOUT_DIR as ROOT

MODULES = sorted({entry.module for entry in COMMANDS.values()})


@pytest.mark.parametrize("module", MODULES)
def test_table_names_every_registered_command_with_its_summary(module: str) -> None:
    commands = registered(module)
    assert set(commands) == {n for n, e in COMMANDS.items() if e.module == module}
    for name, command in commands.items():
        assert command.get_short_help_str(limit=200) == COMMANDS[name].summary, name


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    listed = result.output.split("Commands:", 1)[1]
    for name in COMMANDS:
        assert f"\n  {name} " in listed, name


def test_help_and_validate_import_no_command_module_they_do_not_use() -> None:
    code = (
        "import sys\n"
        "from cyberrange.cli import cli\n"
        "try:\n"
        "    cli(['validate', 'scenarios/hello-range/scenario.yaml'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('sqlalchemy', 'python_on_whales', 'ansible_runner', 'weasyprint',"
        " 'matplotlib', 'flask', 'networkx', 'cyberrange.cli.range_cmds')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code == 2
    assert isinstance(cli, click.Group)
