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
        # Table modules register on SQLModel.metadata when imported; import them
        # all here so every command sees the whole schema.
        from cyberrange.tables import import_all_tables
        from range.db import open_engine

        import_all_tables()
        return open_engine(self.settings)
