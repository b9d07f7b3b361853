"""Guided trainings: definitions (levels, hints, answers), trainees' runs and their score."""
