"""Coordination inside a drill: message threads between teams, the white cell,
the ISAC and the organisations the white cell plays; requests for information
with a due time; SITREPs graded by rubric (docs/coordination.md)."""
