"""`cyberrange access config` follows the exercise's roster: a participant gets the VPN of
the team they play in the range's exercise (not their account's default team); someone
who does not play there gets none."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy.engine import Engine

from cyberrange.cli import cli
from range.config import Settings
from range.planner import make_plan
from range.state import save_deploying
from tests.unit.webui.conftest import DMZ, EXERCISE, PASSWORD, dmz_breach, make_exercise
from webui.accounts import create_user
from webui.membership import join


def config_of(settings: Settings, user: str, out: Path) -> tuple[int, str]:
    env = {"CYBERRANGE_VPN_HOST": "vpn.invalid", "CYBERRANGE_VPN_BASE_PORT": "51960"}
    result = CliRunner().invoke(cli, ["--data-dir", str(settings.data_dir), "access", "config",
                                      user, "--range", EXERCISE, "-o", str(out)], env=env)
    return result.exit_code, result.output


def test_the_vpn_is_the_team_played_in_the_ranges_exercise(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    plan = make_plan(dmz_breach(), EXERCISE, copies=2)
    save_deploying(engine, plan, str(DMZ), "docker")
    make_exercise(engine)
    create_user(engine, "alice", PASSWORD, "blue", team="blue-1")
    create_user(engine, "bob", PASSWORD, "blue", team="blue-1")
    join(engine, "alice", EXERCISE, "blue-2")  # plays blue-2 here, whatever her default
    code, output = config_of(settings, "alice", tmp_path / "alice.conf")
    assert code == 0, output
    allowed = ", ".join(n.subnet for n in plan.grant("blue-2").networks)
    assert f"AllowedIPs = {allowed}" in (tmp_path / "alice.conf").read_text()
    code, output = config_of(settings, "bob", tmp_path / "bob.conf")  # no member
    assert code == 1 and "has no team" in output
    assert not (tmp_path / "bob.conf").exists()
