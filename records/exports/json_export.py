"""JSON: every record of the exercise in one document (text kept as given)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from records.exports.cells import (
    AUDIT_COLUMNS,
    FINDING_COLUMNS,
    INCIDENT_COLUMNS,
    TRAINING_COLUMNS,
    plain,
)
from records.exports.data import ExportData


def _obj(item: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for name in columns:
        value = getattr(item, name)
        out[name] = value if isinstance(value, list | dict) else plain(value)
    return out


def document(data: ExportData) -> dict[str, Any]:
    ex = data.exercise
    incidents = []
    for incident in data.incidents:
        facts, finding_uids = data.incident_links(incident.id)
        item = _obj(incident, INCIDENT_COLUMNS)
        item["observables"] = [{"data_type": o.data_type, "value": o.value, "ioc": o.ioc}
                               for o in data.observables.get(incident.id or 0, [])]
        item.update(findings=finding_uids, red_actions=facts)
        incidents.append(item)
    return {
        "exercise": {"name": ex.name, "title": data.scenario.title, "state": str(ex.state),
                     "scenario": data.scenario.name, "started_at": plain(ex.started_at),
                     "finished_at": plain(ex.finished_at), "ticks": ex.current_tick},
        "generated_at": data.generated_at.isoformat(),
        "scores": [{"rank": t.rank, "team": t.name, "role": t.role, "total": t.total}
                   for t in data.scores.teams],
        "findings": [{**_obj(f, FINDING_COLUMNS), "duplicates": data.duplicates.get(f.id or 0, 0)}
                     for f in data.findings],
        "incidents": incidents,
        "evidence": [{"uid": e.uid, "name": e.original_name, "media_type": e.media_type,
                      "size": e.size, "sha256": e.sha256, "uploaded_by": e.uploaded_by}
                     for e in data.evidence],
        "training": [{**_obj(t, TRAINING_COLUMNS), "statements": len(t.statements)}
                     for t in data.training],
        "audit": {"intact": data.audit_verdict.ok, "head": data.audit_verdict.head,
                  "signed_head": data.seal.as_dict() if data.seal else None,
                  "entries": [_obj(a, AUDIT_COLUMNS) for a in data.audit]},
    }


def write(data: ExportData, out_dir: Path) -> list[Path]:
    path = out_dir / f"{data.exercise.name}.json"
    path.write_text(json.dumps(document(data), indent=2, ensure_ascii=False), encoding="utf-8")
    return [path]
