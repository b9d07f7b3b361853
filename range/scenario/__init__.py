"""The scenario language: models, loader, validation, JSON Schema."""

from range.scenario.loader import LoadedScenario, load

__all__ = ["LoadedScenario", "load"]
