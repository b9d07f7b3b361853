"""Helpers of the migrations: type comparison, enum values, dropping tables.

How a database column's type is compared with its model's (autogenerate and
the head test):

Enums need their own rule. SQLite stores an Enum as a plain VARCHAR without a
constraint and enforces no length, so there is nothing to migrate when values
are added. PostgreSQL stores a named ENUM type whose values Alembic does not
compare; they are compared here, in order, so a value added to a model without
``add_enum_values`` in a migration shows up as a difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


def compare_type(
    context: Any, inspected: Any, metadata: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """True: differs; False: same; None: Alembic's own comparison decides."""
    if not isinstance(metadata_type, sa.Enum):
        return None
    if context.dialect.name == "sqlite":
        return not isinstance(inspected_type, sa.String)
    if isinstance(inspected_type, sa.Enum):
        return list(inspected_type.enums) != list(metadata_type.enums)
    return None


def add_enum_values(type_name: str, values: list[str]) -> None:
    """Add the enum's missing ``values`` (all of them, in model order) on PostgreSQL.

    Call it first in ``upgrade()``: it commits what the migration did before.

    Each new value goes right after its predecessor, so the type's order stays
    the model's. Nothing to do on SQLite (see the module docstring).
    """
    if op.get_bind().dialect.name != "postgresql":
        return
    # A new value is usable only once committed (an index or a default may need
    # it in this very migration): run them outside the migration's transaction,
    # first thing in ``upgrade()``.
    with op.get_context().autocommit_block():
        for previous, value in pairwise(values):
            op.execute(
                f"ALTER TYPE {type_name} ADD VALUE IF NOT EXISTS '{value}' AFTER '{previous}'"
            )


def drop_tables(tables: Sequence[str], enum_types: Sequence[str] = ()) -> None:
    """Drop ``tables`` in the order given (dependents first; indexes go with their tables).

    On PostgreSQL, then drop ``enum_types``, which no table uses any more
    (``op.drop_table`` leaves them behind).
    """
    for table in tables:
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        for name in enum_types:
            op.execute(f"DROP TYPE IF EXISTS {name}")


def create_enum_types(*types: sa.Enum) -> None:
    """Create the PostgreSQL enum types of columns added to existing tables.

    ``op.create_table`` creates the enum types its columns use, ``add_column``
    does not. Nothing to do on SQLite.
    """
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for enum in types:
        postgresql.ENUM(*enum.enums, name=enum.name).create(bind, checkfirst=True)
