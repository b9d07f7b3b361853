"""Participant access: the VPN endpoints of an exercise and one's own config."""

from __future__ import annotations

import io
from dataclasses import asdict
from typing import Any

from flask import send_file
from werkzeug.wrappers import Response

from webui.api.common import READERS, caller, exercise, own_team, reads_all
from webui.api.registry import api_route
from webui.vpn import config_text, endpoints, own_config, range_plan

X = "/exercises/<ex>"
TEAMS = frozenset({"red", "blue"})


@api_route("GET", f"{X}/vpn", roles=READERS | TEAMS, tag="access",
           summary="List the VPN endpoints",
           response="per team instance: endpoint (HOST:PORT, empty until opened), granted "
                    "networks, client subnet; staff also see who holds a peer. Teams see "
                    "their own.")  # fmt: skip
def list_vpn(ex: str) -> dict[str, Any]:
    found = exercise(ex)
    teams = None if reads_all() else {own_team(found)}
    views = endpoints(range_plan(found), teams)
    rows = [asdict(v) for v in views]
    if not reads_all():
        for row in rows:
            row["peers"] = [p for p in row["peers"] if p[0] == caller().username]
    return {"vpn": rows}


@api_route("GET", f"{X}/vpn/config", roles=TEAMS, tag="access", download=True,
           summary="Download my VPN config",
           response="the caller's wg-quick config (text/plain; holds the caller's private key; "
                    "created on first use; audited)")  # fmt: skip
def download_vpn_config(ex: str) -> Response:
    found = exercise(ex)
    config = own_config(found, caller().username, own_team(found))
    response = send_file(io.BytesIO(config_text(config).encode()), mimetype="text/plain",
                         as_attachment=True, download_name=f"{config.range}-{config.user}.conf")
    response.headers["Cache-Control"] = "no-store"
    return response
