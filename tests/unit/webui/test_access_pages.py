"""The Access page and API: each participant downloads their own team's VPN
config (audited, never cached); staff see endpoints and peers, never a key.

The range is planned and recorded as deployed and its endpoints' records are
written as `access open` writes them; no interface runs, so a config only
adds the peer to the store (the namespace test covers a live endpoint).
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network

import pytest
from flask import Flask
from sqlalchemy.engine import Engine

from range.access.keys import new_key_pair
from range.access.service import revoke, vpn_grants
from range.access.store import AccessStore, EndpointRecord
from range.config import Settings
from range.plan import Plan
from range.planner import make_plan
from range.state import save_deploying
from records import audit
from scoring.tables import Exercise
from tests.unit.webui.conftest import (
    DMZ,
    EXERCISE,
    PASSWORD,
    USERS,
    dmz_breach,
    logged_in,
)
from tests.unit.webui.enrol import enrol_default_teams
from webui.accounts import create_user, find_user, issue_token
from webui.app import create_app

X = f"/x/{EXERCISE}"
API = f"/api/v1/exercises/{EXERCISE}"


@pytest.fixture
def plan(engine: Engine) -> Plan:
    planned = make_plan(dmz_breach(), EXERCISE, copies=2)
    save_deploying(engine, planned, str(DMZ), "docker")
    return planned


@pytest.fixture
def app(settings: Settings, engine: Engine, exercise: Exercise, plan: Plan) -> Iterator[Flask]:
    for name, (role, team) in USERS.items():
        create_user(engine, name, PASSWORD, role, team=team)
    enrol_default_teams(engine, EXERCISE)
    yield create_app(settings, engine, secure_cookies=False, testing=True)


def open_records(settings: Settings, plan: Plan) -> None:
    """The endpoint records `access open` keeps (keys and ports), without interfaces."""
    store = AccessStore(settings.access_dir, plan.range)
    for grant in vpn_grants(plan):
        keys = new_key_pair()
        store.save_endpoint(EndpointRecord(grant.team, f"crwtest-{grant.index}",
                                           51900 + grant.index, keys.private, keys.public))


def test_a_participant_downloads_only_their_own_teams_config(
    app: Flask, settings: Settings, engine: Engine, plan: Plan
) -> None:
    blue1 = logged_in(app, "blue1")
    assert blue1.get(f"{X}/access/vpn.conf").status_code == 409  # not opened yet
    open_records(settings, plan)
    page = blue1.get(f"{X}/access").get_data(as_text=True)
    assert "blue-1" in page and "blue-2" not in page and "vpn-download" in page
    answer = blue1.get(f"{X}/access/vpn.conf")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    text = answer.get_data(as_text=True)
    grant = plan.grant("blue-1")
    address = IPv4Address(next(line for line in text.splitlines()
                               if line.startswith("Address")).split()[-1].split("/")[0])
    assert address in IPv4Network(grant.client_subnet)
    allowed = next(line for line in text.splitlines() if line.startswith("AllowedIPs"))
    assert allowed == "AllowedIPs = " + ", ".join(n.subnet for n in grant.networks)
    assert "Endpoint = " in text and ":51902" in text  # blue-1's endpoint port
    peer = AccessStore(settings.access_dir, plan.range).peer("blue1")
    assert peer is not None and f"PrivateKey = {peer.private_key}" in text
    assert blue1.get(f"{X}/access/vpn.conf").get_data(as_text=True) == text  # same key again
    qr = blue1.get(f"{X}/access/vpn.png")
    assert qr.status_code == 200 and qr.get_data()[:8] == b"\x89PNG\r\n\x1a\n"
    entries = [e for e in audit.entries(engine, EXERCISE) if e.action == "access.config"]
    assert len(entries) == 3 and {e.actor for e in entries} == {"web:blue1"}
    assert all(peer.private_key not in str(e.details) for e in entries)


def test_staff_see_every_team_and_its_peers_but_get_no_config(
    app: Flask, settings: Settings, plan: Plan
) -> None:
    open_records(settings, plan)
    assert logged_in(app, "redteam").get(f"{X}/access/vpn.conf").status_code == 200
    auditor = logged_in(app, "auditor")
    page = auditor.get(f"{X}/access").get_data(as_text=True)
    assert all(team in page for team in ("red", "blue-1", "blue-2"))
    assert "redteam" in page and "PrivateKey" not in page and "vpn-download" not in page
    assert auditor.get(f"{X}/access/vpn.conf").status_code == 403
    assert logged_in(app, "trainer").get(f"{X}/access/vpn.png").status_code == 403


def test_a_revoked_participant_is_refused_with_the_reason(
    app: Flask, settings: Settings, plan: Plan
) -> None:
    open_records(settings, plan)
    blue2 = logged_in(app, "blue2")
    assert blue2.get(f"{X}/access/vpn.conf").status_code == 200
    revoke(settings, plan.range, "blue2")
    refused = blue2.get(f"{X}/access/vpn.conf")
    assert refused.status_code == 403 and "revoked" in refused.get_data(as_text=True)


def test_the_api_lists_endpoints_and_answers_the_callers_config(
    app: Flask, settings: Settings, engine: Engine, plan: Plan
) -> None:
    open_records(settings, plan)
    client = app.test_client()

    def bearer(name: str) -> dict[str, str]:
        user = find_user(engine, name)
        assert user is not None
        return {"Authorization": f"Bearer {issue_token(engine, user, label='test')}"}

    blue2 = bearer("blue2")
    listed = client.get(f"{API}/vpn", headers=blue2).get_json()["vpn"]
    assert [row["team"] for row in listed] == ["blue-2"] and listed[0]["peers"] == []
    config = client.get(f"{API}/vpn/config", headers=blue2)
    assert config.status_code == 200 and "PrivateKey = " in config.get_data(as_text=True)
    listed = client.get(f"{API}/vpn", headers=blue2).get_json()["vpn"]
    assert [p[0] for p in listed[0]["peers"]] == ["blue2"]
    everyone = client.get(f"{API}/vpn", headers=bearer("trainer")).get_json()["vpn"]
    assert [row["team"] for row in everyone] == ["red", "blue-1", "blue-2"]
    assert client.get(f"{API}/vpn/config", headers=bearer("auditor")).status_code == 403
    assert client.get(f"{API}/vpn/config").status_code == 401
