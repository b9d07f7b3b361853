"""cyberrange web UI and JSON API."""
