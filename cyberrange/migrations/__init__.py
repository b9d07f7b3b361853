"""Alembic migrations of the whole schema (every package's tables); see cyberrange/schema.py."""
