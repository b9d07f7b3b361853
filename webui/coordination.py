"""What the coordination pages and API share: who is acting, and where
attachments go. Both only translate input and output; the use cases live in
records.coordination."""

from __future__ import annotations

from collections.abc import Iterable

from werkzeug.datastructures import FileStorage

from records.coordination.parties import Actor
from records.coordination.threads import Attachment
from records.evidence import EvidenceStore
from scoring.roles import STAFF_ROLES
from webui.accounts import User
from webui.app import web_context


def actor_for(user: User, team: str | None) -> Actor:
    """The acting party: staff play the white cell and organisations, auditors
    read, red/blue accounts speak for ``team`` (their membership)."""
    role = str(user.role)
    return Actor(user.username, team=team if user.role.has_team else None,
                 staff=role in STAFF_ROLES, auditor=role == "auditor")


def evidence_store() -> EvidenceStore:
    return EvidenceStore.for_data_dir(web_context().settings.data_dir)


def attachments(files: Iterable[FileStorage]) -> list[Attachment]:
    return [Attachment(f.filename or "attachment", f.stream)  # type: ignore[arg-type]
            for f in files if f and f.filename]


def recipients(text: str) -> list[str]:
    """``blue-1, cert-xy`` -> ["blue-1", "cert-xy"]."""
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
