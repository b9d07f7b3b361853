"""Host-restricted rules in the nftables text routers load (and nft accepts it)."""

from __future__ import annotations

import shutil
import subprocess

from plan_scenarios import WATER, scenario  # type: ignore[import-not-found]

from range.backends.net_spec import nft_ruleset
from range.planner import make_plan


def test_nft_text_matches_host_addresses() -> None:
    text = nft_ruleset(make_plan(scenario(WATER)).container("gw", 1))
    assert "ip saddr 10.1.10.20/32 ip daddr 10.1.20.10/32 tcp dport { 502 } accept" in text
    assert shutil.which("nft") is not None, "nft missing: run ./scripts/test (installs nftables)"
    checked = subprocess.run(
        ["nft", "--check", "-f", "-"], input=text, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr
