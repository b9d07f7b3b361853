"""What a challenge is worth: its static value, or CTFd's dynamic decay.

CTFd (``CTFd/plugins/dynamic_challenges/decay.py``) computes a dynamic
challenge's value from the number of solves ``n`` so far, the solve being
scored included, with ``s = max(n - 1, 0)`` so the first solver gets the full
``initial``:

* linear: ``initial - decay * s``
* logarithmic (CTFd's name for its parabola): ``(minimum - initial) / decay² * s² + initial``
  (a decay of 0 counts as 1, as CTFd does to avoid dividing by zero)

Both are rounded up (``ceil``) and never fall below ``minimum``. Every solver
holds the current value: each new solve lowers the points of all earlier
solvers too (CTFd's behaviour, not a per-solver snapshot).
"""

from __future__ import annotations

import math

from scoring.challenges.spec import ChallengeSpec, Dynamic


def linear(params: Dynamic, solves: int) -> int:
    s = max(solves - 1, 0)
    value = math.ceil(params.initial - params.decay * s)
    return max(value, params.minimum)


def logarithmic(params: Dynamic, solves: int) -> int:
    s = max(solves - 1, 0)
    decay = params.decay or 1
    value = math.ceil((params.minimum - params.initial) / (decay**2) * (s**2) + params.initial)
    return max(value, params.minimum)


def value_at(spec: ChallengeSpec, solves: int) -> int:
    """Points each solver holds when the challenge has ``solves`` solves."""
    dynamic = spec.dynamic
    if dynamic is None:
        return int(spec.value or 0)
    if dynamic.function == "linear":
        return linear(dynamic, solves)
    return logarithmic(dynamic, solves)


def describe(spec: ChallengeSpec, solves: int) -> str:
    dynamic = spec.dynamic
    if dynamic is None:
        return f"static {value_at(spec, solves)}"
    return (f"dynamic {dynamic.function} (initial {dynamic.initial}, decay {dynamic.decay:g}, "
            f"minimum {dynamic.minimum}) at {solves} solve(s): {value_at(spec, solves)}")
