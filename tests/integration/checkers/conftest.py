"""Fixtures of the checker integration tests (defined in chk_helpers.py)."""

from chk_helpers import checknet, web_ip  # type: ignore[import-not-found]

__all__ = ["checknet", "web_ip"]
