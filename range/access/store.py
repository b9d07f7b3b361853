"""Keys and addresses of a range's VPN, kept on the server as files only root reads.

Layout under ``Settings.access_dir`` (directories 0700, files 0600, written
atomically: a temporary file renamed over the old one)::

    RANGE/endpoints/TEAM.json   interface, UDP port, the endpoint's key pair
    RANGE/peers/USER.json       team, address, the participant's key pair
                                (a revoked peer keeps a tombstone without keys)

A participant's private key leaves this directory only inside that
participant's own config file (``config.wg_quick``).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from range.errors import AccessError


@dataclass(frozen=True)
class EndpointRecord:
    team: str
    interface: str
    port: int
    private_key: str
    public_key: str


@dataclass(frozen=True)
class PeerRecord:
    user: str
    team: str
    address: str  # the participant's tunnel address
    private_key: str = ""  # empty once revoked
    public_key: str = ""
    revoked_at: str = ""  # ISO time; set: no peer on the endpoint, no config


class AccessStore:
    """The files of one range's VPN."""

    def __init__(self, access_dir: Path, range_name: str) -> None:
        self.root = access_dir / range_name

    def endpoint(self, team: str) -> EndpointRecord | None:
        data = _read(self.root / "endpoints" / f"{team}.json")
        return None if data is None else EndpointRecord(**data)

    def save_endpoint(self, record: EndpointRecord) -> None:
        _write(self.root / "endpoints" / f"{record.team}.json", asdict(record))

    def peer(self, user: str) -> PeerRecord | None:
        data = _read(self.root / "peers" / f"{user}.json")
        return None if data is None else PeerRecord(**data)

    def peers(self) -> list[PeerRecord]:
        folder = self.root / "peers"
        if not folder.is_dir():
            return []
        return [PeerRecord(**_load(path)) for path in sorted(folder.glob("*.json"))]

    def save_peer(self, record: PeerRecord) -> None:
        _write(self.root / "peers" / f"{record.user}.json", asdict(record))


def all_endpoints(access_dir: Path) -> list[tuple[str, EndpointRecord]]:
    """(range, endpoint) of every range this data directory keeps a VPN for."""
    found = []
    for path in sorted(access_dir.glob("*/endpoints/*.json")):
        found.append((path.parent.parent.name, EndpointRecord(**_load(path))))
    return found


def _read(path: Path) -> dict[str, Any] | None:
    return _load(path) if path.exists() else None


def _load(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AccessError(f"cannot read {path}: {exc}") from exc
    return data


def _write(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as JSON, readable by the owner only, replacing the file atomically."""
    try:
        for folder in (path.parent.parent.parent, path.parent.parent, path.parent):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder.chmod(0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:  # mkstemp: mode 0600
            json.dump(data, out, indent=1, sort_keys=True)
        Path(temporary).replace(path)
    except OSError as exc:
        raise AccessError(f"cannot write {path}: {exc}") from exc
