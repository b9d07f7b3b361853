"""A scenario built from the top-level keys that validate on their own.

When the whole file does not match the models, the loader still wants the
semantic checks of every part that is right (a wrong ``first_blood`` must not
hide a firewall rule naming an unknown network). Each top-level key is
validated alone, with the same type and constraints as in ``Scenario``; the
keys that pass (or are absent and have a default) make a partial Scenario,
and the checks that read only those keys run on it (``checks.MODEL_CHECKS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from range.scenario.models import Scenario

_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def _adapter(name: str, field: FieldInfo) -> TypeAdapter[Any]:
    """A validator for one field: its type plus its constraints (``ge=1``, patterns)."""
    adapter = _ADAPTERS.get(name)
    if adapter is None:
        annotation: Any = field.annotation
        if field.metadata:
            annotation = Annotated[(annotation, *field.metadata)]
        adapter = _ADAPTERS[name] = TypeAdapter(annotation)
    return adapter


def partial_scenario(data: Mapping[Any, Any]) -> tuple[Scenario, frozenset[str]]:
    """The Scenario of the valid keys of ``data``, and those keys (as written).

    Keys that failed, and required keys that are missing, are left out of the
    object: only checks that do not read them may look at it.
    """
    values: dict[str, Any] = {}
    valid: set[str] = set()
    for name, field in Scenario.model_fields.items():
        key = field.alias or name
        if key not in data:
            if not field.is_required():
                valid.add(key)
            continue
        try:
            values[name] = _adapter(name, field).validate_python(data[key])
        except ValidationError:
            continue
        valid.add(key)
    return Scenario.model_construct(**values), frozenset(valid)
