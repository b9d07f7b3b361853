"""What every command gets: settings, a console, and the database on demand."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from range.config import Settings

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.engine import Engine


def _console() -> Console:
    # Imported here so that `cyberrange --help` does not pay for rich.
    from rich.console import Console

    return Console()


@dataclass
class AppContext:
    settings: Settings
    console: Console = field(default_factory=_console)
    debug: bool = False

    @cached_property
    def engine(self) -> Engine:
        # Every table module is imported and the schema upgraded to this release
        # (cyberrange.schema: migrations run on start).
        from cyberrange.schema import open_database

        return open_database(self.settings)
