"""Backends execute a Plan on a container engine."""
