"""Checkers: the public attack-defense checker protocol and built-in checks.

Everything runs inside each copy's checker container: status.py (exit codes),
protocol.py (batches of checks through the backend's exec), agent.py and
builtin.py (the program run in the container), targets.py (what to check),
runner.py (one tick of put/get/check for every copy).
"""
