"""Write the next schema migration: what the models have that the migrations lack.

    .venv/bin/python scripts/new_migration.py REV "what changed" [--models TREE]

A scratch SQLite database is brought to the current head by the migrations of
this checkout, then compared with the models (by default this checkout's;
``--models TREE`` takes them from another source tree, e.g. a ``git archive``
of a commit, so that only committed models count). Alembic writes the
differences to ``cyberrange/migrations/versions/REV_<slug>.py``. Read it:
a column added NOT NULL to a table that holds rows needs a server default, and
enums need a hand (``cyberrange/migrations/compare.py``): values added to an
existing enum are ``add_enum_values(name, values)``, and a new table using an
existing PostgreSQL enum type takes ``postgresql.ENUM(..., create_type=False)``.
``tests/unit/db/test_migrations.py`` (its PostgreSQL variant) checks both.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "cyberrange" / "migrations"


def generate(revision: str, message: str) -> None:
    """In a process whose sys.path starts at the models' tree."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine
    from sqlmodel import SQLModel

    from cyberrange.tables import import_all_tables

    import_all_tables()
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{scratch}/scratch.db")
        with engine.begin() as conn:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes.update(connection=conn, metadata=SQLModel.metadata)
            command.upgrade(config, "head")
            command.revision(config, message, autogenerate=True, rev_id=revision)
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", help="revision id, e.g. 0003")
    parser.add_argument("message")
    parser.add_argument("--models", type=Path, default=ROOT, help="source tree of the models")
    parser.add_argument("--in-tree", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_tree:
        generate(args.revision, args.message)
        return
    env = {**os.environ, "PYTHONPATH": str(args.models.resolve())}
    argv = [sys.executable, __file__, args.revision, args.message, "--in-tree"]
    subprocess.run(argv, env=env, check=True)
    written = sorted((MIGRATIONS / "versions").glob(f"{args.revision}_*.py"))
    ruff = Path(sys.executable).parent / "ruff"
    subprocess.run([ruff, "format", "-q", *written], check=True)
    subprocess.run([ruff, "check", "-q", "--fix", *written], check=False)


if __name__ == "__main__":
    main()
