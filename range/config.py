"""Settings: where cyberrange keeps its data, which database and backend it uses.

Read once by the CLI (the composition root) and passed down explicitly; no
module-level singletons.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from range.errors import ConfigError


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cyberrange"


BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"
CHECKOUT_DIR = Path(__file__).resolve().parent.parent


def project_root() -> Path:
    """The tree that holds scenarios/ (with the role library) and docker/.

    CYBERRANGE_ROOT when set; else the copy a wheel ships in ``range/bundled``
    (setup.py puts it there at build time); else the source checkout. The root
    is only read: inventories and every other state live in the data directory.
    """
    explicit = os.environ.get("CYBERRANGE_ROOT")
    if explicit:
        return Path(explicit)
    if (BUNDLED_DIR / "scenarios").is_dir():
        return BUNDLED_DIR
    return CHECKOUT_DIR


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ConfigError(f"CYBERRANGE_VPN_BASE_PORT must be a UDP port (1-65535), got {text!r}")
    return int(text)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str | None = None  # None: SQLite file in data_dir
    backend: str = "docker"
    root: Path = field(default_factory=project_root)
    # WireGuard endpoints listen on UDP ports from here up, one per team instance.
    vpn_base_port: int = 51820
    # The name or address participants' laptops reach the engine host by (None: its FQDN).
    vpn_host: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = os.environ.get("CYBERRANGE_DATA_DIR")
        return cls(
            data_dir=Path(data_dir) if data_dir else default_data_dir(),
            database_url=os.environ.get("CYBERRANGE_DATABASE_URL") or None,
            backend=os.environ.get("CYBERRANGE_BACKEND", "docker"),
            vpn_base_port=_port(os.environ.get("CYBERRANGE_VPN_BASE_PORT", "51820")),
            vpn_host=os.environ.get("CYBERRANGE_VPN_HOST") or None,
        )

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'cyberrange.db'}"

    @property
    def inventories_dir(self) -> Path:
        return self.data_dir / "inventories"

    @property
    def docker_dir(self) -> Path:
        return self.root / "docker"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def access_dir(self) -> Path:
        """VPN endpoint and participant keys (directories 0700, files 0600)."""
        return self.data_dir / "access"

    def ensure_data_dir(self) -> Path:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.logs_dir.mkdir(exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create data directory {self.data_dir}: {exc}") from exc
        return self.data_dir
