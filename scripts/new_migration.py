"""Write the next schema migration: what the models have that the migrations lack.

    .venv/bin/python scripts/new_migration.py REV "what changed" [--models TREE]

A scratch SQLite database is brought to the current head by the migrations of
this checkout, then compared with the models (by default this checkout's;
``--models TREE`` takes them from another source tree, e.g. a ``git archive``
of a commit, so that only committed models count). Alembic writes the
differences to ``cyberrange/migrations/versions/REV_<slug>.py``. Read it:
a column added NOT NULL to a table that holds rows needs a server default, and
enums need a hand (``cyberrange/migrations/helpers.py``): values added to an
existing enum are ``add_enum_values(name, values)`` first in ``upgrade()``, a
column of a new enum type added to an existing table needs
``create_enum_types(...)`` before it, and a new table using an existing
PostgreSQL enum type takes ``postgresql.ENUM(..., create_type=False)``.
``tests/unit/db/test_migrations.py`` (its PostgreSQL variant) checks all three.
"""

from __future__ import annotations

import argparse
import enum
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "cyberrange" / "migrations"
BATCH = re.compile(r'^    with op\.batch_alter_table\("(\w+)", schema=None\) as batch_op:$')
DROP = re.compile(r'^    op\.drop_table\("(\w+)"\)$')
ENUM_NAME = re.compile(r'sa\.Enum\([^)]*name="(\w+)"')
ENUM = re.compile(r'(sa\.Enum\([^)]*?name="(\w+)",?\s*\))', re.S)
ADDED = re.compile(r"batch_op\.add_column\((.*?)\n        \)\n", re.S)


def _wrapped(names: list[str]) -> str:
    """A list literal over lines of at most ~90 characters (one name a line would repeat
    the same shape for pages)."""
    lines, line = [], ""
    for name in names:
        item = f'"{name}", '
        if len(line) + len(item) > 88:
            lines.append(line.rstrip())
            line = ""
        line += item
    lines.append(line.rstrip())
    body = "\n".join(f"            {text}" for text in lines if text)
    return f"        [\n{body}\n        ]" if body else "        []"


def compact_downgrade(text: str, earlier: str) -> str:
    """Alembic's downgrade drops each table's indexes, then the table; one
    ``drop_tables([...], enum_types)`` says the same (indexes go with their
    tables) and also drops the PostgreSQL enum types this revision made (those
    its upgrade names and no ``earlier`` revision does)."""
    head, _, body = text.partition("\ndef downgrade() -> None:\n")
    lines, kept, dropped = body.splitlines(), [], []
    index = 0
    while index < len(lines):
        batch = BATCH.match(lines[index])
        end = index + 1
        while batch and end < len(lines) and lines[end].startswith("        batch_op.drop_index"):
            end += 1
            while end < len(lines) and lines[end].startswith("            "):
                end += 1  # the arguments of a multi-line drop_index
            end += 1 if end < len(lines) and lines[end].startswith("        )") else 0
        match = DROP.match(lines[end + 1]) if end + 1 < len(lines) else None
        if batch and lines[end] == "" and match and match.group(1) == batch.group(1):
            dropped.append(match.group(1))
            index = end + 2
            continue
        if match := DROP.match(lines[index]):
            dropped.append(match.group(1))
        else:
            kept.append(lines[index])
        index += 1
    if dropped:
        made = sorted(set(ENUM_NAME.findall(head)) - set(ENUM_NAME.findall(earlier)))
        call = f"    drop_tables(\n{_wrapped(dropped)},\n{_wrapped(made)},\n    )  # fmt: skip"
        at = next(i for i, line in enumerate(kept) if "end Alembic commands" in line)
        kept.insert(at, call)
        head = head.replace("from alembic import op\n", "from alembic import op\n\n"
                            "from cyberrange.migrations.helpers import drop_tables\n", 1)
    return f"{head}\ndef downgrade() -> None:\n" + "\n".join(kept) + "\n"


def server_defaults(context: Any, revision: Any, directives: list[Any]) -> None:
    """A column added NOT NULL to an existing table gets its model default as the
    server default, so that the rows already there get a value."""
    from alembic.operations import ops
    from sqlalchemy.schema import DefaultClause

    for table_ops in directives[0].upgrade_ops.ops:
        for change in getattr(table_ops, "ops", []):
            column = getattr(change, "column", None)
            if not isinstance(change, ops.AddColumnOp) or column is None:
                continue
            default = column.default
            if column.nullable or column.server_default is not None or default is None:
                continue
            if default.is_scalar:
                value = default.arg
                if isinstance(value, enum.Enum):
                    value = value.name
                elif isinstance(value, bool):
                    value = int(value)
                column.server_default = DefaultClause(str(value))


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
        with engine.connect() as conn:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes.update(connection=conn, metadata=SQLModel.metadata)
            command.upgrade(config, "head")
            config.attributes["process_revision_directives"] = server_defaults
            command.revision(config, message, autogenerate=True, rev_id=revision)
        engine.dispose()


def declare_enum_types(text: str, earlier: str) -> str:
    """``create_enum_types(...)`` first in ``upgrade()`` for the new enum types of
    columns added to existing tables (``add_column`` does not create them)."""
    upgrade = text[text.index("def upgrade() -> None:") : text.index("def downgrade() -> None:")]
    known, types = set(ENUM_NAME.findall(earlier)), {}
    for block in ADDED.findall(upgrade):
        for declared, name in ENUM.findall(block):
            if name not in known:
                flat = " ".join(declared.split()).replace("( ", "(").replace(",)", ")")
                types.setdefault(name, flat)
    if not types:
        return text
    listed = "".join(f"        {declared},\n" for declared in types.values())
    call = f"    create_enum_types(\n{listed}    )\n"
    text = text.replace("def upgrade() -> None:\n", "def upgrade() -> None:\n" + call, 1)
    return text.replace("from alembic import op\n", "from alembic import op\n\n"
                        "from cyberrange.migrations.helpers import create_enum_types\n", 1)


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
    # Without the magic trailing comma, Alembic's constraints stay one line each.
    ruff_format = [Path(sys.executable).parent / "ruff", "format", "-q",
                   "--config", "format.skip-magic-trailing-comma = true"]  # fmt: skip
    subprocess.run([*ruff_format, *written], check=True)
    for path in written:
        others = (o.read_text() for o in (MIGRATIONS / "versions").glob("*.py") if o != path)
        earlier = "\n".join(others)
        path.write_text(declare_enum_types(compact_downgrade(path.read_text(), earlier), earlier))
    subprocess.run([*ruff_format, *written], check=True)
    subprocess.run([ruff_format[0], "check", "-q", "--fix", *written], check=False)


if __name__ == "__main__":
    main()
