"""Commands of this area (registered on the root group)."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    """Add this module's commands to the root group."""
