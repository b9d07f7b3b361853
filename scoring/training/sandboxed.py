"""A trainee's run with its sandbox: the training (scoring.training) on a pool
(cyberrange.pools). Starting allocates the trainee a sandbox of the
training's pool; finishing the last level gives it back, made fresh."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine

from range.config import Settings
from range.errors import NotFoundError
from range.pool_state import held_by
from scoring.sandboxes import allocate, release
from scoring.training import play


def begin(
    settings: Settings, engine: Engine, name: str, trainee: str, ttl: timedelta
) -> play.Position:
    """Start (or resume) ``trainee``'s run; they get (or keep) a sandbox."""
    _, spec = play.definition(engine, name)
    try:
        existing = play.position(engine, name, trainee)
    except NotFoundError:
        existing = None
    if existing is not None and existing.finished:
        return existing
    sandbox = allocate(settings, engine, spec.pool_name, trainee, ttl)
    play.start(engine, name, trainee, spec.pool_name, sandbox.number)
    return play.position(engine, name, trainee)


def finish_if_done(settings: Settings, engine: Engine, here: play.Position) -> bool:
    """Give the sandbox back once the run is finished; whether it was given back."""
    if not here.finished or held_by(engine, here.run.pool, here.run.trainee) is None:
        return False
    release(settings, engine, here.run.pool, here.run.trainee)
    return True
