"""Keys, configs and key files of the VPN: formats and file modes (no network)."""

from __future__ import annotations

import base64
import stat
import subprocess
from pathlib import Path

import pytest

from range.access.config import ClientConfig, wg_quick, write_private, write_qr
from range.access.keys import check_key, new_key_pair, public_of
from range.access.store import AccessStore, PeerRecord
from range.errors import AccessError

CONFIG = ClientConfig(
    "alice", "blue-1", "demo", new_key_pair().private, "100.64.2.2",
    new_key_pair().public, "vpn.example:51820", ("10.1.1.0/24", "10.1.2.0/24"),
)  # fmt: skip


def test_key_pairs_are_wireguard_keys() -> None:
    keys = new_key_pair()
    assert len(base64.b64decode(keys.private)) == 32
    assert public_of(keys.private) == keys.public
    # `wg pubkey` agrees with us about the public half.
    out = subprocess.run(["wg", "pubkey"], input=keys.private, capture_output=True, text=True)
    assert out.stdout.strip() == keys.public


@pytest.mark.parametrize("bad", ["not base64!", base64.b64encode(b"short").decode()])
def test_malformed_keys_are_refused(bad: str) -> None:
    with pytest.raises(AccessError, match="malformed WireGuard key"):
        check_key(bad)


def test_wg_quick_config_routes_only_the_grant() -> None:
    text = wg_quick(CONFIG)
    assert f"PrivateKey = {CONFIG.private_key}" in text
    assert "Address = 100.64.2.2/32" in text
    assert "AllowedIPs = 10.1.1.0/24, 10.1.2.0/24" in text
    assert "Endpoint = vpn.example:51820" in text
    # `wg` parses everything but wg-quick's Address line.
    stripped = "\n".join(line for line in text.splitlines() if not line.startswith("Address"))
    assert "[Peer]" in stripped


def test_config_and_qr_files_are_private(tmp_path: Path) -> None:
    write_private(tmp_path / "alice.conf", wg_quick(CONFIG))
    write_qr(tmp_path / "alice.png", wg_quick(CONFIG))
    for name in ("alice.conf", "alice.png"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert (tmp_path / "alice.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(AccessError, match="PNG"):
        write_qr(tmp_path / "alice.svg", wg_quick(CONFIG))


def test_store_keeps_keys_readable_by_the_owner_only(tmp_path: Path) -> None:
    store = AccessStore(tmp_path / "access", "demo")
    store.save_peer(PeerRecord("alice", "blue-1", "100.64.2.2", "k", "p"))
    assert store.peer("alice") == PeerRecord("alice", "blue-1", "100.64.2.2", "k", "p")
    path = tmp_path / "access" / "demo" / "peers" / "alice.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (path.parent, path.parent.parent, path.parent.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
