"""The VPN for real: a network namespace plays a participant's laptop.

Two blue copies; the laptop of a blue-1 member brings its tunnel up from
`cyberrange access config`, reaches its own copy's service, and does not
reach copy 2 or the host even when it routes them through the tunnel
itself. Revoking the user cuts it off at once; `down` leaves no interface,
process or host rule of the range behind.
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from laptop import Laptop, laptop, run, tag_for_this_run  # type: ignore[import-not-found]
from sqlalchemy.engine import Engine

from cyberrange.cli import cli
from cyberrange.compose import teardown
from cyberrange.participant_access import hand_out
from range.access.endpoint import interfaces, range_prefix
from range.access.service import close_vpn
from range.access.vpn_verify import verify_vpn
from range.backends import get_backend
from range.config import Settings
from range.lifecycle import up
from range.plan import Plan
from range.scenario.loader import load
from range.verify_host import host_listener
from records import audit
from webui.accounts import create_user

NAME = "h14-vpn"
PORT = 8080
SCENARIO = """\
schema: cyberrange/v1
name: h14-vpn
title: VPN test range
duration: 10m
teams:
  - {name: blue, role: blue, copies: 2}
networks:
  lan: {subnet: "10.14{copy}.7.0/24"}
hosts:
  box:
    image: cyberrange/base
    networks: {lan: "10.14{copy}.7.10"}
    command: [python3, -m, http.server, "8080"]
access:
  blue: {vpn: [lan]}
"""


@pytest.fixture(scope="module")
def deployed(
    docker_engine: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, Engine, Plan]]:
    from cyberrange.tables import import_all_tables
    from range.db import open_engine

    folder = tmp_path_factory.mktemp("vpn")
    (folder / "scenario.yaml").write_text(SCENARIO)
    settings = Settings(data_dir=folder / "data", root=Path(__file__).resolve().parents[3])
    import_all_tables()
    engine = open_engine(settings)
    get_backend(settings).destroy(NAME)  # leftovers of an interrupted earlier run
    close_vpn(NAME)
    result = up(settings, engine, load(folder / "scenario.yaml"), NAME)
    try:
        yield settings, engine, result.plan
    finally:
        teardown(settings, engine, NAME)
        engine.dispose()


def cyberrange(settings: Settings, host: str, *args: str) -> str:
    env = {"CYBERRANGE_VPN_HOST": host, "CYBERRANGE_VPN_BASE_PORT": "51900"}
    result = CliRunner().invoke(cli, ["--data-dir", str(settings.data_dir), *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def _leftovers() -> list[str]:
    prefix = range_prefix(NAME)
    found = [f"interface {i}" for i in interfaces(prefix)]
    ps = run("ps", "-eo", "args")
    found += [line for line in ps.splitlines() if line.startswith(f"wireguard-go {prefix}")]
    rules = subprocess.run(["iptables", "-S"], capture_output=True, text=True).stdout
    found += [line for line in rules.splitlines() if prefix in line]
    return found


def test_verify_probes_from_a_vpn_client_of_each_endpoint(
    deployed: tuple[Settings, Engine, Plan],
) -> None:
    settings, _, plan = deployed
    cyberrange(settings, "vpn.invalid", "access", "open", NAME)
    results = verify_vpn(settings, plan)
    assert [r for r in results if not r.ok] == []
    seen = {(r.source, r.destination, r.expected) for r in results}
    assert ("vpn:blue-1", "h14-vpn-c1-box", "allowed") in seen
    assert ("vpn:blue-1", "h14-vpn-c2-box", "denied") in seen
    assert ("vpn:blue-1", "h14-vpn-c1-checker", "denied") in seen
    assert ("vpn:blue-2", "engine host", "denied") in seen
    shown = cyberrange(settings, "vpn.invalid", "verify", NAME)
    assert "vpn:blue-2" in shown and "MISMATCH" not in shown


def test_a_handed_out_config_file_brings_a_laptop_into_its_own_copy(
    deployed: tuple[Settings, Engine, Plan], tmp_path: Path
) -> None:
    """What `cyberrange run` and `demo --keep` give each participant."""
    settings, engine, plan = deployed
    with laptop(tag_for_this_run()) as box:
        here = dataclasses.replace(settings, vpn_host=box.host_address, vpn_base_port=51900)
        pages = ("http://web/x/h14-vpn/access", "http://web/x/h14-vpn/terminals")
        members = [("bob", "blue-2"), ("eve", "red")]  # red has no VPN in this range
        handout = hand_out(here, engine, plan, members, tmp_path / "access", pages, "cli:test")
        assert handout.problems == []
        bob, eve = handout.participants
        assert eve.vpn_config is None and eve.access_page == pages[0]
        assert bob.vpn_config == tmp_path / "access" / "bob.conf"
        assert bob.vpn_config.stat().st_mode & 0o777 == 0o600
        assert (tmp_path / "access").stat().st_mode & 0o777 == 0o700
        box.tunnel_up(bob.vpn_config.read_text(), extra_routes=("10.141.7.0/24",))
        assert _eventually_open(box, "10.142.7.10", PORT), _diagnose(box)
        assert box.connect("10.141.7.10", PORT) == "filtered"  # copy 1 is not bob's


def test_laptop_reaches_its_own_copy_only_until_revoked(
    deployed: tuple[Settings, Engine, Plan],
) -> None:
    settings, engine, plan = deployed
    create_user(engine, "alice", "alice-password", "blue", team="blue-1")
    with laptop(tag_for_this_run()) as box, host_listener() as host_port:
        opened = cyberrange(settings, box.host_address, "access", "open", NAME)
        assert "team blue-1" in opened and "team blue-2" in opened
        config = cyberrange(
            settings, box.host_address, "access", "config", "alice", "--range", NAME
        )
        assert "AllowedIPs = 10.141.7.0/24" in config
        server = plan.grant("blue-1").client_subnet.replace(".0/24", ".1")
        # The participant also routes copy 2 and the host through the tunnel: the server refuses.
        box.tunnel_up(config, extra_routes=("10.142.7.0/24", f"{server}/32"))
        assert _eventually_open(box, "10.141.7.10", PORT), _diagnose(box)
        assert box.connect("10.142.7.10", PORT) == "filtered"  # another copy
        assert box.connect("10.141.7.1", host_port) == "filtered"  # the host, at the gateway
        assert box.connect(server, host_port) == "filtered"  # the host, at the tunnel's end
        cyberrange(settings, box.host_address, "access", "revoke", "alice", "--range", NAME)
        assert box.connect("10.141.7.10", PORT) == "filtered"
    actions = [(e.action, e.details.get("user")) for e in audit.entries(engine, None)]
    assert ("access.config", "alice") in actions and ("access.revoke", "alice") in actions
    teardown(settings, engine, NAME)
    assert _leftovers() == []


def _diagnose(box: Laptop) -> str:
    return "\n".join(
        [box.ns("wg", "show", box.interface), box.ns("ip", "route"),
         run("iptables", "-L", "CYBERRANGE-VPN", "-v", "-n")]
    )  # fmt: skip


def _eventually_open(box: Laptop, address: str, port: int) -> bool:
    # The box's web server and the first handshake may take a moment.
    return any(box.connect(address, port, timeout=3) == "open" for _ in range(5))


def test_config_of_a_user_without_a_team_is_refused(
    deployed: tuple[Settings, Engine, Plan],
) -> None:
    settings, engine, _ = deployed
    create_user(engine, "trainer", "trainer-password", "white")
    result = CliRunner().invoke(
        cli, ["--data-dir", str(settings.data_dir), "access", "config", "trainer", "--range", NAME]
    )
    assert result.exit_code == 1
    assert "has no team" in result.output
