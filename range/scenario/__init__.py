"""The scenario language: models, loader, validation, JSON Schema."""
