"""A participant's wg-quick configuration, and the same as a QR code image.

The config is the only place a participant's private key leaves the server.
It routes exactly the granted subnets through the tunnel (``AllowedIPs``);
the host rules enforce that even when a participant widens them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import segno

from range.errors import AccessError

KEEPALIVE = 25  # seconds: keeps NAT mappings of laptops behind home routers open


@dataclass(frozen=True)
class ClientConfig:
    user: str
    team: str
    range: str
    private_key: str
    address: str
    server_public_key: str
    endpoint: str  # HOST:PORT
    allowed: tuple[str, ...]


def wg_quick(config: ClientConfig) -> str:
    return "\n".join(
        [
            f"# cyberrange VPN of {config.user} (team {config.team}, range {config.range})",
            "# keep this file private: it holds your key",
            "[Interface]",
            f"PrivateKey = {config.private_key}",
            f"Address = {config.address}/32",
            "",
            "[Peer]",
            f"PublicKey = {config.server_public_key}",
            f"Endpoint = {config.endpoint}",
            f"AllowedIPs = {', '.join(config.allowed)}",
            f"PersistentKeepalive = {KEEPALIVE}",
            "",
        ]
    )


def write_private(path: Path, text: str | bytes) -> None:
    """Create ``path`` readable by its owner only (0600) before anything is written."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(text.encode() if isinstance(text, str) else text)
    except OSError as exc:
        raise AccessError(f"cannot write {path}: {exc}") from exc


def write_qr(path: Path, text: str) -> None:
    """The config as a QR code PNG (WireGuard's mobile apps scan it), mode 0600."""
    if path.suffix.lower() != ".png":
        raise AccessError(f"--qr writes a PNG image: name it *.png, not {path.name}")
    write_private(path, b"")
    try:
        segno.make(text, error="l", micro=False).save(str(path), scale=4)
    except (OSError, ValueError) as exc:
        raise AccessError(f"cannot write the QR code {path}: {exc}") from exc
