"""The pools page: staff and auditors see every sandbox; participants are refused."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy.engine import Engine

from range.pool_state import SandboxState, claim, register_pool, set_state
from tests.unit.webui.conftest import logged_in


def test_staff_see_each_sandbox_with_its_state_and_trainee(app: Flask, engine: Engine) -> None:
    register_pool(engine, "lab", 3)
    claim(engine, "lab", "alice", timedelta(hours=1), set())
    set_state(engine, "lab", 3, SandboxState.BROKEN, "a container is not running")
    page = logged_in(app, "auditor").get("/pools").get_data(as_text=True)
    assert 'data-pool="lab"' in page
    assert page.count("<tr class=\"state-") == 3
    assert "alice" in page and "a container is not running" in page
    assert 'class="state-allocated"' in page and 'class="state-broken"' in page
    assert logged_in(app, "blue1").get("/pools").status_code == 403
