"""Reading the incident report form into records' IncidentInput."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from werkzeug.datastructures import FileStorage

from range.errors import RecordError
from records.evidence import sniff
from records.incidents import OBSERVABLE_TYPES, IncidentInput

MAX_OBSERVABLES = 200


def parse_time(text: str, field: str) -> datetime | None:
    """A ``datetime-local`` value, taken as UTC."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RecordError(f"{field}: not a date and time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_observables(text: str) -> list[tuple[str, str]]:
    """One observable a line: ``type value`` (e.g. ``ip 198.51.100.10``)."""
    found: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        kind, _, value = line.partition(" ")
        if kind not in OBSERVABLE_TYPES or not value.strip():
            raise RecordError(
                f"observables line {number}: write 'type value' with a type among "
                f"{', '.join(sorted(OBSERVABLE_TYPES))}"
            )
        found.append((kind, value.strip()[:2000]))
    return found[:MAX_OBSERVABLES]


def incident_input(form: Any) -> IncidentInput:
    rsit_class, _, rsit_type = str(form.get("rsit", "other/undetermined")).partition("/")
    return IncidentInput(
        title=str(form.get("title", "")).strip()[:300],
        description=str(form.get("description", ""))[:20_000],
        severity=str(form.get("severity", "Medium")),
        tlp=str(form.get("tlp", "AMBER")),
        pap=str(form.get("pap", "AMBER")),
        rsit_class=rsit_class,
        rsit_type=rsit_type,
        start=parse_time(str(form.get("start", "")), "start"),
        end=parse_time(str(form.get("end", "")), "end"),
        techniques=[t for t in form.getlist("techniques") if t][:50],
        hosts=[h for h in form.getlist("hosts") if h][:50],
        observables=parse_observables(str(form.get("observables", ""))),
    )


def check_evidence(files: list[FileStorage]) -> list[FileStorage]:
    """The uploaded files worth keeping; RecordError before anything is stored
    when one has a type that is not allowed."""
    kept = []
    for upload in files:
        if not upload or not upload.filename:
            continue
        head = upload.stream.read(4096)
        upload.stream.seek(0)
        if not head:
            raise RecordError(f"evidence {upload.filename!r} is empty")
        if sniff(head) is None:
            raise RecordError(
                f"evidence {upload.filename!r}: file type not allowed "
                "(allowed: png, jpeg, pdf, text, json, pcap, zip)"
            )
        kept.append(upload)
    return kept
