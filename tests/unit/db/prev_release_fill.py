"""Run with the previous release's source tree first on PYTHONPATH: its schema, its audit chain.

    PYTHONPATH=OLD_TREE python prev_release_fill.py DATABASE_URL

Creates the tables with that release's ``create_all`` (as it did on start),
appends audit entries to an exercise chain and the global chain with that
release's code, verifies them, and prints where ``range`` was imported from,
so the caller can check that the old code ran.
"""

from __future__ import annotations

import sys

from sqlalchemy import create_engine
from sqlmodel import SQLModel

from cyberrange.tables import import_all_tables
from range import config as range_config
from records import audit

CHAIN = "old-drill"


def main() -> None:
    import_all_tables()
    engine = create_engine(sys.argv[1])
    SQLModel.metadata.create_all(engine)
    for number in range(5):
        audit.append(engine, CHAIN, "trainer", "inject.sent", {"n": number, "text": "é ✓"})
    audit.append(engine, None, "admin", "user.add", {"user": "alice"})
    verdict = audit.verify(engine, CHAIN)
    assert verdict.ok, verdict
    engine.dispose()
    print(range_config.__file__)  # where the code ran from: the old release's tree


if __name__ == "__main__":
    main()
