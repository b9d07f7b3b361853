"""Run inside an installed cyberrange: `--help` of every command and subcommand.

Prints one line per command path that answered `--help` with exit code 0, and
exits 1 naming the first one that did not. Used by test_installed_wheel.py.
"""

from __future__ import annotations

import sys

import click
from click.testing import CliRunner

from cyberrange.cli import cli


def paths(group: click.Group, prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found.extend(paths(command, (*prefix, name)))
    return found


def main() -> None:
    runner = CliRunner()
    for path in [(), *paths(cli, ())]:
        result = runner.invoke(cli, [*path, "--help"])
        if result.exit_code != 0 or "Usage:" not in result.output:
            sys.exit(
                f"cyberrange {' '.join(path)} --help failed: {result.output}{result.exception}"
            )
        print(" ".join(("cyberrange", *path)))


if __name__ == "__main__":
    main()
