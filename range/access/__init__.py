"""Participant access to a range: WireGuard endpoints per team instance (see docs/access.md)."""
